"""Nothing lost, nothing counted twice: retries, partial batches, landing and storage faults."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ClientError

from tests.conftest import TenantKeys, function_client
from tests.functional.ingest.support import lake_events, lake_keys, quarantined, send, track
from touchpoint.rollup.wiring import build_service
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


def test_the_same_batch_sent_five_times_is_landed_five_times_and_counted_once(
    aws: Runtime, tenant: TenantKeys
) -> None:
    day = datetime.now(UTC).date() - timedelta(days=3)
    noon = f"{day.isoformat()}T12:00:00.000Z"
    batch = [track(i, timestamp=noon) for i in range(100)]
    batch += [
        track(100 + i, timestamp=noon, event="Order Completed", properties={"revenue": 10.0 + i})
        for i in range(3)
    ]
    with function_client("ingest") as client:
        for attempt in range(5):
            # each SDK attempt stamps a new sentAt (its clock is right: the skew correction is ~0)
            sent_at = (datetime.now(UTC) + timedelta(milliseconds=attempt)).isoformat().replace("+00:00", "Z")
            response = send(
                client,
                "/v1/batch",
                {"batch": batch, "sentAt": sent_at},
                tenant.write_key,
                compress=attempt % 2 == 1,
            )
            assert response.status_code == 200, response.body
    stored = lake_events(aws, tenant.tenant_id)
    copies = Counter(e["messageId"] for e in stored)
    assert set(copies) == {e["messageId"] for e in batch} and set(copies.values()) == {5}
    # Every reader counts an event once: the rollup of the day sees 3 orders and 33 revenue.
    build_service(aws).run_day(tenant.tenant_id, day)
    totals = {
        metric: [p.value for p in aws.metrics.read(tenant.tenant_id, metric, day, day) if not p.breakdown]
        for metric in ("orders", "revenue")
    }
    assert totals == {"orders": [3.0], "revenue": [10.0 + 11.0 + 12.0]}


def test_retry_of_events_without_message_ids_lands_the_same_ids(aws: Runtime, tenant: TenantKeys) -> None:
    batch = [{k: v for k, v in track(i).items() if k != "messageId"} for i in range(10)]
    with function_client("ingest") as client:
        for _ in range(3):
            assert send(client, "/v1/batch", {"batch": batch}, tenant.write_key).status_code == 200
    stored = lake_events(aws, tenant.tenant_id)
    assert len(stored) == 30 and len({e["messageId"] for e in stored}) == 10


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


def test_a_landing_fault_is_503_and_the_retry_lands_everything(aws: Runtime, tenant: TenantKeys) -> None:
    batch = [track(i, timestamp=f"2026-11-0{1 + i % 2}T10:00:00Z") for i in range(20)]  # two days
    batch.append({"type": "track", "userId": "u"})  # and one for the quarantine
    with function_client("ingest") as client:
        with failing(aws, "firehose", "PutRecordBatch") as calls:
            failed = send(client, "/v1/batch", {"batch": batch}, tenant.write_key)
        assert failed.status_code == 503, failed.body
        assert json.loads(failed.body)["code"] == "storage_unavailable"
        assert len(calls) == 1 and lake_events(aws, tenant.tenant_id) == []
        assert len(quarantined(aws, tenant.tenant_id)) == 1  # written before the landing failed
        retried = send(client, "/v1/batch", {"batch": batch}, tenant.write_key)
    assert retried.status_code == 200
    assert {k.split("/")[3] for k in lake_keys(aws, tenant.tenant_id)} == {"dt=2026-11-01", "dt=2026-11-02"}
    stored = lake_events(aws, tenant.tenant_id)
    assert sorted(e["messageId"] for e in stored) == sorted(e["messageId"] for e in batch[:20])
    assert len(quarantined(aws, tenant.tenant_id)) == 1  # content-keyed: the retry leaves it alone


def _partial_failure(refused: set[int]) -> Any:
    """A before-call handler answering the first PutRecordBatch with `refused` records failed."""
    answered: list[bool] = []

    def answer(params: dict[str, Any], **_: Any) -> Any:
        if answered:
            return None  # later calls go to the service
        answered.append(True)
        count = len(json.loads(params["body"])["Records"])  # the serialized request
        results = [
            {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "slow down"}
            if i in refused
            else {"RecordId": f"r{i}"}
            for i in range(count)
        ]
        return AWSResponse("https://firehose", 200, HTTPHeaders(), None), {
            "FailedPutCount": len(refused),
            "Encrypted": False,
            "RequestResponses": results,
        }

    return answer


def test_records_the_stream_refused_are_sent_again_and_nothing_is_lost(
    aws: Runtime, tenant: TenantKeys
) -> None:
    batch = [track(i) for i in range(6)]
    firehose = aws.clients.firehose
    handler = _partial_failure({1, 4})
    firehose.meta.events.register("before-call.firehose.PutRecordBatch", handler)
    try:
        with function_client("ingest") as client:
            response = send(client, "/v1/batch", {"batch": batch}, tenant.write_key)
    finally:
        firehose.meta.events.unregister("before-call.firehose.PutRecordBatch", handler)
    assert response.status_code == 200, response.body
    # the first answer "took" 4 records without storing them (this handler stands in for the
    # service), the second call sent exactly the 2 refused ones, which were landed
    assert sorted(e["messageId"] for e in lake_events(aws, tenant.tenant_id)) == ["msg-00001", "msg-00004"]


def test_records_refused_on_every_attempt_are_a_503(aws: Runtime, tenant: TenantKeys) -> None:
    firehose = aws.clients.firehose

    def always_refuse(params: dict[str, Any], **_: Any) -> Any:
        records = json.loads(params["body"])["Records"]  # the serialized request
        results = [{"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "x"} for _ in records]
        return AWSResponse("https://firehose", 200, HTTPHeaders(), None), {
            "FailedPutCount": len(results),
            "RequestResponses": results,
        }

    firehose.meta.events.register("before-call.firehose.PutRecordBatch", always_refuse)
    try:
        with function_client("ingest") as client:
            response = send(client, "/v1/batch", {"batch": [track(1)]}, tenant.write_key)
    finally:
        firehose.meta.events.unregister("before-call.firehose.PutRecordBatch", always_refuse)
    assert response.status_code == 503 and json.loads(response.body)["code"] == "storage_unavailable"
    assert lake_events(aws, tenant.tenant_id) == []


def test_every_storage_step_failing_answers_503_and_a_retry_recovers(
    aws: Runtime, tenant: TenantKeys
) -> None:
    batch = [track(1, userId="u-1"), {"type": "identify", "userId": "u-1", "anonymousId": "a-9"}]
    faults = [
        ("firehose", "PutRecordBatch"),
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
    # attempts that failed after the landing (links, late-day marks) landed the events already:
    # the same messageIds again, counted once by every reader
    landed = {e["messageId"]: e["type"] for e in lake_events(aws, tenant.tenant_id)}
    assert sorted(landed.values()) == ["identify", "track"]
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
