"""Nothing lost, nothing counted twice: retries, partial batches and storage faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from botocore.exceptions import ClientError

from tests.conftest import TenantKeys, function_client
from tests.functional.ingest.support import lake_events, lake_keys, quarantined, send, track
from touchpoint.runtime import Runtime


@contextmanager
def failing(aws: Runtime, service: str, operation: str, *, after: int = 0) -> Iterator[list[str]]:
    """Make every call of `operation` of the runtime's `service` client fail, once `after` went through."""
    client: Any = getattr(aws.clients, service)
    calls: list[str] = []

    def fail(**kwargs: Any) -> None:
        calls.append(operation)
        if len(calls) > after:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected fault"}}, operation)

    event = f"before-call.{client.meta.service_model.service_name}.{operation}"
    client.meta.events.register(event, fail)
    try:
        yield calls
    finally:
        client.meta.events.unregister(event, fail)


def test_the_same_batch_sent_five_times_is_stored_once(aws: Runtime, tenant: TenantKeys) -> None:
    batch = [track(i) for i in range(100)]
    with function_client("ingest") as client:
        for attempt in range(5):
            sent_at = f"2026-11-02T10:00:0{attempt}Z"  # each SDK attempt stamps a new sentAt
            response = send(
                client,
                "/v1/batch",
                {"batch": batch, "sentAt": sent_at},
                tenant.write_key,
                compress=attempt % 2 == 1,
            )
            assert response.status_code == 200, response.body
    assert len(lake_keys(aws, tenant.tenant_id)) == 1
    stored = lake_events(aws, tenant.tenant_id)
    assert sorted(e["messageId"] for e in stored) == sorted(e["messageId"] for e in batch)
    # the first attempt's line stays: its sentAt is the one stored
    assert {e["sentAt"] for e in stored} == {"2026-11-02T10:00:00.000Z"}


def test_retry_of_events_without_message_ids_is_also_stored_once(aws: Runtime, tenant: TenantKeys) -> None:
    batch = [{k: v for k, v in track(i).items() if k != "messageId"} for i in range(10)]
    with function_client("ingest") as client:
        for _ in range(3):
            assert send(client, "/v1/batch", {"batch": batch}, tenant.write_key).status_code == 200
    stored = lake_events(aws, tenant.tenant_id)
    assert len(stored) == 10 and len({e["messageId"] for e in stored}) == 10


def test_a_batch_with_3_bad_events_of_100_stores_97_and_quarantines_3_with_reasons(
    aws: Runtime, tenant: TenantKeys
) -> None:
    batch: list[Any] = [track(i) for i in range(100)]
    batch[10] = {"type": "track", "messageId": "bad-1", "anonymousId": "a"}  # no event name
    batch[50] = {"type": "purchase", "messageId": "bad-2", "userId": "u"}  # unknown type
    batch[99] = {**track(99), "timestamp": "2026-11-02T10:00:00"}  # no time zone
    with function_client("ingest") as client:
        response = send(client, "/v1/batch", {"batch": batch}, tenant.write_key)
    assert response.status_code == 200
    answer = json.loads(response.body)
    assert [(r["index"], r["field"]) for r in answer["rejected"]] == [
        (10, "event"),
        (50, "type"),
        (99, "timestamp"),
    ]
    stored = lake_events(aws, tenant.tenant_id)
    assert len(stored) == 97 and not {"bad-1", "bad-2", "msg-00099"} & {e["messageId"] for e in stored}
    lines = quarantined(aws, tenant.tenant_id)
    assert [(line["index"], line["reason"]) for line in lines] == [
        (10, "event: Field required"),
        (50, "type must be one of track, identify, page, screen, group, alias"),
        (99, "timestamp: Input should have timezone info"),
    ]
    assert [line["event"] for line in lines] == [batch[10], batch[50], batch[99]]
    assert all(line["receivedAt"].endswith("Z") for line in lines)


def test_a_storage_fault_is_503_and_the_retry_stores_everything_once(
    aws: Runtime, tenant: TenantKeys
) -> None:
    batch = [
        track(i, timestamp=f"2026-11-0{1 + i % 2}T10:00:00Z") for i in range(20)
    ]  # two days: two objects
    batch.append({"type": "track", "userId": "u"})  # and one for the quarantine
    with function_client("ingest") as client:
        # the second lake object fails after the quarantine and the first object were written
        with failing(aws, "s3", "PutObject", after=2) as calls:
            failed = send(client, "/v1/batch", {"batch": batch}, tenant.write_key)
        assert failed.status_code == 503, failed.body
        assert len(calls) == 3 and len(lake_keys(aws, tenant.tenant_id)) == 1  # half-written...
        assert json.loads(failed.body)["code"] == "storage_unavailable"
        retried = send(client, "/v1/batch", {"batch": batch}, tenant.write_key)
    assert retried.status_code == 200
    assert len(lake_keys(aws, tenant.tenant_id)) == 2
    stored = lake_events(aws, tenant.tenant_id)
    assert sorted(e["messageId"] for e in stored) == sorted(e["messageId"] for e in batch[:20])
    assert len(quarantined(aws, tenant.tenant_id)) == 1


def test_every_storage_step_failing_answers_503_and_a_retry_recovers(
    aws: Runtime, tenant: TenantKeys
) -> None:
    batch = [track(1, userId="u-1"), {"type": "identify", "userId": "u-1", "anonymousId": "a-9"}]
    faults = [
        ("s3", "PutObject"),
        ("dynamodb", "BatchGetItem"),
        ("dynamodb", "BatchWriteItem"),
        ("dynamodb", "UpdateItem"),
    ]
    aws.rollup_state.mark_done(tenant.tenant_id, date(2026, 11, 2), "run-1")
    with function_client("ingest") as client:
        for service, operation in faults:
            with failing(aws, service, operation):
                response = send(client, "/v1/batch", {"batch": batch, "sentAt": None}, tenant.write_key)
            assert response.status_code == 503, (operation, response.body)
        assert send(client, "/v1/batch", {"batch": batch}, tenant.write_key).status_code == 200
    assert sorted(e["type"] for e in lake_events(aws, tenant.tenant_id)) == ["identify", "track"]
    assert aws.identity.list_links(tenant.tenant_id) == [("anon-1", "u-1"), ("a-9", "u-1")]


def test_a_failing_quarantine_write_for_an_unreadable_request_is_503(
    aws: Runtime, tenant: TenantKeys
) -> None:
    with function_client("ingest") as client:
        with failing(aws, "s3", "PutObject"):
            response = send(client, "/v1/batch", b"{broken", tenant.write_key)
        assert response.status_code == 503
        assert send(client, "/v1/batch", b"{broken", tenant.write_key).status_code == 400
    assert len(quarantined(aws, tenant.tenant_id)) == 1
