"""Per-tenant behaviour: rate limits, the tracking plan's mode, late events and the metrics published."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import TenantKeys, function_client, make_tenant
from tests.functional.ingest.support import lake_events, quarantined, send, track
from touchpoint.models.tenants import TenantConfig
from touchpoint.observability import logger
from touchpoint.rollup.schedule import due_tenant_days
from touchpoint.runtime import Runtime, reset_runtime


def test_over_the_rate_is_429_with_retry_after_and_the_next_second_is_free(
    aws: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = make_tenant(aws, "busy", TenantConfig(rate_limit_per_second=2))
    clock = [1_800_000_000.2]
    monkeypatch.setattr(aws.rate_limits, "clock", lambda: clock[0])
    with function_client("ingest") as client:
        answers = [send(client, "/v1/batch", {"batch": [track(i)]}, keys.write_key) for i in range(3)]
        clock[0] += 1
        after = send(client, "/v1/batch", {"batch": [track(9)]}, keys.write_key)
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["Retry-After"] == "1" and json.loads(answers[2].body)["code"] == "rate_limited"
    assert after.status_code == 200
    assert sorted(e["messageId"] for e in lake_events(aws, "busy")) == ["msg-00000", "msg-00001", "msg-00009"]
    assert quarantined(aws, "busy") == []
    window = aws.clients.dynamodb.get_item(
        TableName=aws.settings.state_table, Key={"pk": {"S": "TENANT#busy#RATE"}, "sk": {"S": "S#1800000000"}}
    )["Item"]
    assert window["n"] == {"N": "2"} and int(window["expires_at"]["N"]) > 1_800_000_000


def test_rate_limiting_can_be_switched_off(aws: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = make_tenant(aws, "busy", TenantConfig(rate_limit_per_second=1))
    monkeypatch.setenv("TOUCHPOINT_RATE_LIMIT", "false")
    reset_runtime()
    with function_client("ingest") as client:
        answers = [
            send(client, "/v1/batch", {"batch": [track(i)]}, keys.write_key).status_code for i in range(3)
        ]
    assert answers == [200, 200, 200]


def test_lenient_tenants_store_plan_violations_and_are_told(aws: Runtime, tenant: TenantKeys) -> None:
    batch = [track(1, event="Review Posted", properties={"rating": "great"}), track(2, event="Store Visited")]
    with function_client("ingest") as client:
        response = send(client, "/v1/batch", {"batch": batch}, tenant.write_key)
    answer = json.loads(response.body)
    assert response.status_code == 200 and "rejected" not in answer
    assert [(w["index"], w["field"]) for w in answer["warnings"]] == [
        (0, "properties.rating"),
        (1, "properties.location_id"),
    ]
    assert len(lake_events(aws, tenant.tenant_id)) == 2


def test_strict_tenants_quarantine_plan_violations(aws: Runtime) -> None:
    keys = make_tenant(aws, "strict", TenantConfig(schema_mode="strict"))
    batch = [
        track(1, event="Foot Traffic Counted", properties={"location_id": "berlin", "count": -3}),
        track(2, event="Foot Traffic Counted", properties={"location_id": "berlin", "count": 40}),
        track(3, event="Custom Thing", properties={"anything": True}),
    ]
    with function_client("ingest") as client:
        response = send(client, "/v1/batch", {"batch": batch}, keys.write_key)
        single = send(client, "/v1/track", {**batch[0], "messageId": "s-1"}, keys.write_key)
    assert response.status_code == 200
    assert json.loads(response.body)["rejected"][0]["code"] == "tracking_plan_violation"
    assert single.status_code == 400 and json.loads(single.body)["field"] == "properties.count"
    assert [e["messageId"] for e in lake_events(aws, "strict")] == ["msg-00002", "msg-00003"]
    reasons = [line["reason"] for line in quarantined(aws, "strict")]
    assert reasons == ["tracking plan: properties.count: must be at least 0, got -3"] * 2


def test_late_events_mark_rolled_up_tenant_days_dirty(aws: Runtime) -> None:
    keys = make_tenant(aws, "late", TenantConfig(timezone="America/New_York"))
    aws.rollup_state.mark_done("late", date(2026, 11, 1), "run-1")
    aws.rollup_state.mark_done("late", date(2026, 11, 2), "run-1")
    # 2026-11-02T03:00Z is still Nov 1 in New York; the Nov 2 day gets no event
    with function_client("ingest") as client:
        send(client, "/v1/batch", {"batch": [track(1, timestamp="2026-11-02T03:00:00Z")]}, keys.write_key)
    assert aws.rollup_state.status("late", date(2026, 11, 1)) == "dirty"
    assert aws.rollup_state.status("late", date(2026, 11, 2)) == "done"


def test_metrics_and_logs_of_a_request(
    aws: Runtime, tenant: TenantKeys, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log_stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", log_stream)
    batch = [
        track(1),
        track(1),
        {"type": "track", "userId": "u"},
        track(3, context={"consent": {"analytics": False}}),
    ]
    with function_client("ingest") as client:
        send(client, "/v1/batch", {"batch": batch}, tenant.write_key, compress=True)
        send(client, "/v1/batch", {"batch": batch}, tenant.write_key)  # a retry
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Touchpoint"
    first, retry = emf
    assert (
        first["EventsReceived"] == [4.0]
        and first["EventsAccepted"] == [1.0]
        and first["EventsDuplicate"] == [1.0]
    )
    assert first["EventsQuarantined"] == [1.0] and first["EventsConsentDenied"] == [1.0]
    assert first["BytesReceived"][0] > 0 and first["BytesStored"][0] > 0 and first["tenant_id"] == "acme"
    # A retry is landed again (readers count each messageId once); ingest cannot tell it apart.
    assert (
        retry["EventsAccepted"] == [1.0]
        and retry["EventsDuplicate"] == [1.0]
        and retry["BytesStored"] == first["BytesStored"]
    )
    lines = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    logs = [line for line in lines if line["message"] == "request ingested"]
    assert len(logs) == 2 and {line["tenant_id"] for line in logs} == {"acme"}
    assert all(line["request_id"] for line in logs) and logs[0]["gzip"] is True


def test_events_of_the_tenants_today_leave_a_rolled_up_today_alone(aws: Runtime) -> None:
    # The nightly run of today starts after today has ended (02:00 tomorrow), whatever the day's
    # state, so today's events need no dirty mark; a late day still gets one.
    keys = make_tenant(aws, "today", TenantConfig(timezone="Europe/Berlin"))
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo("Europe/Berlin")).date()
    yesterday = today - timedelta(days=1)
    aws.rollup_state.mark_done("today", today, "run-1")
    aws.rollup_state.mark_done("today", yesterday, "run-1")
    noon_yesterday = datetime.combine(yesterday, time(12), tzinfo=ZoneInfo("Europe/Berlin"))
    batch = [
        track(1, timestamp=now.isoformat()),
        track(2, timestamp=noon_yesterday.isoformat()),
    ]
    with function_client("ingest") as client:
        assert send(client, "/v1/batch", {"batch": batch}, keys.write_key).status_code == 200
    assert len(lake_events(aws, "today")) == 2
    assert aws.rollup_state.status("today", today) == "done"
    assert aws.rollup_state.status("today", yesterday) == "dirty"
    # ... and the run at 02:00 tomorrow (Berlin) rolls today up although today is `done`
    tomorrow_night = datetime.combine(today + timedelta(days=1), time(2), tzinfo=ZoneInfo("Europe/Berlin"))
    tenant = aws.tenants.get_tenant("today")
    assert tenant is not None
    due = due_tenant_days(tomorrow_night, [tenant], aws.rollup_state)
    assert [(d.day, d.reason) for d in due] == [(yesterday, "dirty"), (today, "nightly")]


def test_the_rate_lease_counts_every_request_in_the_shared_window_with_few_calls(
    aws: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = make_tenant(aws, "steady", TenantConfig(rate_limit_per_second=1_000))
    clock = [1_800_000_000.0]
    monkeypatch.setattr(aws.rate_limits, "clock", lambda: clock[0])
    claims: list[Any] = []
    aws.clients.dynamodb.meta.events.register(
        "provide-client-params.dynamodb.UpdateItem",
        lambda params, **_: claims.append(params) if "#RATE" in params["Key"]["pk"]["S"] else None,
    )
    with function_client("ingest") as client:
        answers = [send(client, "/v1/batch", {"batch": [track(i)]}, keys.write_key) for i in range(40)]
    assert [a.status_code for a in answers] == [200] * 40
    assert len(claims) < 10  # leases of 1, 2, 4, 8, 16, 32: six claims for 40 requests
    window = aws.clients.dynamodb.get_item(
        TableName=aws.settings.state_table,
        Key={"pk": {"S": "TENANT#steady#RATE"}, "sk": {"S": "S#1800000000"}},
    )["Item"]
    assert 40 <= int(window["n"]["N"]) <= 63  # every admitted request is counted (and leased ones)
