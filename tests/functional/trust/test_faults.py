"""Storage faults on every DynamoDB and S3 operation of a request: retryable error, retry works, once only.

Each test first records which storage operations a clean request makes, then, for every one of them,
fails its first call (the error kinds rotate: throttling, 500, read timeout, no connection; see
`faults.py` for why they are raised above botocore's own retries), and checks:

- the caller gets a retryable answer (5xx for HTTP, an exception for the rollup Lambda, whose
  invocation is retried) or, if the operation was not essential, success;
- the retry (the same request again) succeeds;
- nothing was lost and nothing stored twice (lake objects, response items, metric points).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.conftest import TenantKeys, function_client, make_tenant
from tests.functional.feedback.conftest import (
    Store,
    lake_response_keys,
    open_form,
    policy_env,
    post_form,
)
from tests.functional.feedback.conftest import stored_responses as form_responses
from tests.functional.ingest.support import lake_events, send, track
from tests.functional.rollup.support import load_days
from tests.functional.surveys.support import active_survey, call, lake_keys, stored_docs
from tests.functional.trust.faults import ERRORS, below_retries, failing, recording
from touchpoint.loop.notify import forget_rules
from touchpoint.rollup.compaction import Compactor
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import Runtime
from touchpoint.storage.lake_layout import compacted_prefix, export_keys
from touchpoint.web.key_cache import cached_write_keys


def _retryable(status: int) -> bool:
    return status >= 500


# Ingest ---------------------------------------------------------------------------------------


def _batch(round_no: int) -> list[dict[str, Any]]:
    # new people each round: ingest caches the ids it cleared and the links it knows per container,
    # so only first sightings make every storage call of a clean first request
    return [
        {
            **track(round_no * 100 + i),
            "messageId": f"r{round_no}-m{i}",
            "anonymousId": f"r{round_no}-a{i % 7}",
        }
        for i in range(20)
    ]


def test_ingest_batch_survives_a_fault_on_every_storage_operation(aws: Runtime, tenant: TenantKeys) -> None:
    with function_client("ingest") as client:
        with recording(aws) as recorder:
            assert send(client, "/v1/batch", {"batch": _batch(0)}, tenant.write_key).status_code == 200
        operations = recorder.operations()
        assert ("firehose", "PutRecordBatch") in operations
        sent = {e["messageId"] for e in _batch(0)}
        outcomes: dict[str, int] = {}
        for round_no, (service, operation) in enumerate(operations, start=1):
            cached_write_keys(aws.tenants).clear()  # a first request of a container reads the key
            batch = _batch(round_no)
            error = ERRORS[round_no % len(ERRORS)]
            with failing(aws, service, operation, error) as failed:
                first = send(client, "/v1/batch", {"batch": batch}, tenant.write_key)
            assert failed[0] == 1, (service, operation)
            assert first.status_code == 200 or _retryable(first.status_code), (operation, first.body)
            outcomes[f"{service}.{operation}"] = first.status_code
            assert b"Traceback" not in first.body
            retry = send(client, "/v1/batch", {"batch": batch}, tenant.write_key)
            assert retry.status_code == 200, (operation, retry.body)
            sent |= {e["messageId"] for e in batch}
            # a fault after the landing (links, late days) lands the retry's events again: readers
            # count a messageId once, so what matters is that every sent event is there
            stored = {e["messageId"] for e in lake_events(aws, tenant.tenant_id)}
            assert stored == sent, f"after a fault on {service}.{operation}"
        # the key lookup and the landing are essential: their failure must reach the caller
        assert outcomes["dynamodb.GetItem"] >= 500 and outcomes["firehose.PutRecordBatch"] >= 500, outcomes


def test_ingest_rides_out_throttling_inside_the_retry_budget_and_fails_beyond_it(
    aws: Runtime, tenant: TenantKeys
) -> None:
    with function_client("ingest") as client:
        with below_retries(
            aws, "firehose", "PutRecordBatch", times=3
        ) as sent:  # attempts 1-3 fail, 4 succeeds
            response = send(client, "/v1/batch", {"batch": _batch(1)}, tenant.write_key)
        assert sent[0] == 3 and response.status_code == 200, response.body
        with below_retries(aws, "firehose", "PutRecordBatch", times=10_000) as sent:  # every attempt fails
            response = send(client, "/v1/batch", {"batch": _batch(2)}, tenant.write_key)
        assert sent[0] >= 4 and _retryable(response.status_code), response.body
        assert send(client, "/v1/batch", {"batch": _batch(2)}, tenant.write_key).status_code == 200
    # In-process moto carries out an attempt whose answer this test replaces by a 503 (as a lost
    # answer would): those attempts landed the events too, and readers count each messageId once.
    stored = {e["messageId"] for e in lake_events(aws, tenant.tenant_id)}
    assert stored == {e["messageId"] for e in _batch(1) + _batch(2)}


# Surveys --------------------------------------------------------------------------------------


def _answer(user: str) -> dict[str, Any]:
    return {"answers": {"nps": 9, "comment": "gut"}, "channel": "email", "userId": user}


def test_survey_response_survives_a_fault_on_every_storage_operation(
    aws: Runtime, tenant: TenantKeys
) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        path = f"/v1/surveys/{survey_id}/responses"
        with recording(aws) as recorder:
            status, body, _ = call(client, "POST", path, tenant.write_key, _answer("u0"))
        assert status == 201, body
        operations = recorder.operations()
        users = ["u0"]
        outcomes: dict[str, int] = {}
        for round_no, (service, operation) in enumerate(operations, start=1):
            user = f"u{round_no}"
            forget_rules()  # the notification rules are cached per container: read them again this round
            with failing(aws, service, operation, ERRORS[round_no % len(ERRORS)]) as failed:
                status, body, headers = call(client, "POST", path, tenant.write_key, _answer(user))
            assert failed[0] == 1, f"{service}.{operation} was not called again"
            assert status == 201 or _retryable(status), (operation, status, body)
            outcomes[f"{service}.{operation}"] = status
            assert "Traceback" not in json.dumps(body)
            if status != 201:
                retry_method, retry_path = "POST", path
                if body.get("code") == "response_unfinished":
                    # Stored but not finished: the answer names the response's URL to finish it with PUT.
                    retry_method, retry_path = "PUT", headers["Location"]
                status, body, _ = call(client, retry_method, retry_path, tenant.write_key, _answer(user))
                assert status in (200, 201), f"retry after a fault on {service}.{operation}: {status} {body}"
            users.append(user)
            docs = stored_docs(aws)
            assert sorted(str(d.get("user_id") or d.get("userId")) for d in docs) == sorted(users), operation
            response_ids = {str(d.get("response_id") or d.get("responseId")) for d in docs}
            copies = [k for k in lake_keys(aws, "responses/")]
            assert len(copies) == len(docs), f"lake copies after a fault on {service}.{operation}"
            assert all(any(r in k for r in response_ids) for k in copies)
            timeline = [k for k in lake_keys(aws, "raw/events/") if "survey-" in k]
            assert len(timeline) == len(docs), f"timeline events after a fault on {service}.{operation}"
        assert outcomes["dynamodb.TransactWriteItems"] >= 500 and outcomes["s3.PutObject"] >= 500, outcomes


# Feedback form --------------------------------------------------------------------------------


def test_form_submission_survives_a_fault_on_every_storage_operation(
    aws: Runtime, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with policy_env(monkeypatch, TOUCHPOINT_FEEDBACK_MIN_FILL_SECONDS="0"):
        _, _, fields = open_form(store.client, store.path)
        with recording(aws) as recorder:
            status, html = post_form(store.client, store.path, {**fields, "q_csat": "4"}, ip="203.0.113.1")
        assert status == 200, html
        operations = recorder.operations()
        comments: list[str] = []
        expected = 1
        outcomes: dict[str, int] = {}
        for round_no, (service, operation) in enumerate(operations, start=1):
            _, _, fields = open_form(store.client, store.path)
            form = {**fields, "q_csat": "5", "q_comment": f"round {round_no}"}
            ip = f"203.0.113.{round_no + 1}"
            forget_rules()  # the notification rules are cached per container: read them again this round
            with failing(aws, service, operation, ERRORS[round_no % len(ERRORS)]) as failed:
                status, html = post_form(store.client, store.path, form, ip=ip)
            assert failed[0] == 1, f"{service}.{operation} was not called again"
            assert status == 200 or _retryable(status), (operation, status, html[:300])
            outcomes[f"{service}.{operation}"] = status
            assert "Traceback" not in html
            if status != 200:
                status, html = post_form(store.client, store.path, form, ip=ip)  # the browser re-posts
                assert status == 200, f"re-post after a fault on {service}.{operation}: {status} {html[:300]}"
            expected += 1
            comments.append(f"round {round_no}")
            stored = form_responses(aws)
            assert len(stored) == expected, f"responses after a fault on {service}.{operation}"
            assert sorted(
                str(r.answers.get("comment")) for r in stored if r.answers.get("comment")
            ) == sorted(comments)
            assert len(lake_response_keys(aws)) == expected, f"lake copies after {service}.{operation}"
        assert any(status >= 500 for status in outcomes.values()), outcomes


# Rollup ---------------------------------------------------------------------------------------

DAY = date(2026, 3, 10)


def _results(aws: Runtime, tenant_id: str) -> tuple[list[list[str]], int]:
    csv_key, _ = export_keys(tenant_id, DAY)
    rows = sorted(csv.reader(io.StringIO(aws.lake.get_bytes(csv_key).decode("utf-8"))))
    items = aws.clients.dynamodb.scan(TableName=aws.settings.metrics_table)["Items"]
    return rows, len(items)


def _metric_values(aws: Runtime, tenant_id: str, metrics: set[str]) -> list[tuple[str, str, Any]]:
    return sorted(
        (m, repr(sorted(p.breakdown.items())), p.value)
        for m in metrics
        for p in aws.metrics.read(tenant_id, m, DAY, DAY)
    )


def test_rollup_after_a_fault_and_a_retry_equals_a_clean_run(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    load_days(
        aws, tenant.tenant_id, tmp_path / "gen", [DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)]
    )
    # the first run also compacts the settled days (its faults: the compaction test below); the
    # recorded run is what every later run of the day does
    build_service(aws).run_day(tenant.tenant_id, DAY)
    with recording(aws) as recorder:
        clean = build_service(aws).run_day(tenant.tenant_id, DAY)
    clean_rows, clean_items = _results(aws, tenant.tenant_id)
    metrics = {row[2] for row in clean_rows if row[2] != "metric"}
    clean_values = _metric_values(aws, tenant.tenant_id, metrics)
    assert clean_items == clean.points + 1  # the points and the run's manifest
    for round_no, (service, operation) in enumerate(recorder.operations()):
        # Any error fails the invocation and Lambda retries it (a tolerated one lets the run finish).
        error = ERRORS[round_no % len(ERRORS)]
        with failing(aws, service, operation, error) as failed, contextlib.suppress(Exception):
            build_service(aws).run_day(tenant.tenant_id, DAY)
        assert failed[0] == 1
        retried = build_service(aws).run_day(tenant.tenant_id, DAY)  # the Lambda's retry
        rows, items = _results(aws, tenant.tenant_id)
        assert retried.points == clean.points, f"after a fault on {service}.{operation}"
        assert rows == clean_rows, f"export after a fault on {service}.{operation}"
        assert _metric_values(aws, tenant.tenant_id, metrics) == clean_values, operation
        # A run that failed after storing its points leaves them behind, invisible to readers (they
        # follow the day's pointer), until a later run finds them older than ABANDONED_AFTER (1 h;
        # younger ones may belong to a concurrent invocation). Such a later run leaves exactly the
        # clean run's items: nothing is stored twice for good.
        assert items in (clean_items, 2 * clean_items), f"metric items after a fault on {service}.{operation}"
        later = build_service(aws)
        later._abandoned_after = timedelta(0)  # as if an hour had passed
        later.run_day(tenant.tenant_id, DAY)
        assert _results(aws, tenant.tenant_id) == (clean_rows, clean_items), operation


def test_a_compaction_after_a_fault_and_a_retry_holds_every_event_once(aws: Runtime, tmp_path: Path) -> None:
    def landed_tenant(name: str) -> tuple[str, set[str]]:
        keys = make_tenant(aws, name)
        data = load_days(aws, keys.tenant_id, tmp_path / name, [DAY], events=120, people=20)
        return keys.tenant_id, {
            e["messageId"] for e in data.events if e["timestamp"].startswith(DAY.isoformat())
        }

    def compactor() -> Compactor:
        return Compactor(aws.lake, aws.lake_maintenance, aws.identity.suppression_generation)

    def state(tenant_id: str) -> tuple[list[str], list[str]]:
        landed = [k for k in aws.lake.list_keys(f"raw/events/tenant={tenant_id}/dt={DAY}/")]
        compacted = [
            row["message_id"]
            for key in aws.lake.list_keys(compacted_prefix(tenant_id, DAY))
            for row in pq.read_table(io.BytesIO(aws.lake.get_bytes(key))).to_pylist()
        ]
        return landed, compacted

    tenant_id, sent = landed_tenant("clean")
    with recording(aws) as recorder:
        compactor().compact(tenant_id, DAY)
    landed, compacted = state(tenant_id)
    assert landed == [] and sorted(compacted) == sorted(sent)  # each event once
    for round_no, (service, operation) in enumerate(recorder.operations()):
        tenant_id, sent = landed_tenant(f"round-{round_no}")
        with (
            failing(aws, service, operation, ERRORS[round_no % len(ERRORS)]) as failed,
            contextlib.suppress(Exception),
        ):
            compactor().compact(tenant_id, DAY)
        assert failed[0] == 1, (service, operation)
        compactor().compact(tenant_id, DAY)  # the next run
        landed, compacted = state(tenant_id)
        # nothing is lost: every event is in a compacted file (duplicates between two files, after
        # a fault between writing the new file and deleting its inputs, are merged by the next
        # compaction and counted once by every reader meanwhile)
        assert landed == [] and set(compacted) == sent, f"after a fault on {service}.{operation}"
