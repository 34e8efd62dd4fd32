"""`DELETE /v1/people/{id}` and `GET /v1/erasures/{id}`: access, bad input, tenants, pending work.

Every refused request leaves storage exactly as it was (no audit entry, no suppression, no job).
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

from tests.conftest import TenantKeys, basic_auth, function_client
from tests.functional.privacy.support import (
    api,
    everything_stored,
    finish_rechecks,
    recheck_jobs,
    send_batch,
    traces,
    track,
)
from touchpoint.models.tenants import KeyKind
from touchpoint.observability import logger
from touchpoint.privacy.subjects import subject_hash
from touchpoint.runtime import Runtime
from touchpoint.storage.lake_maintenance import LakeMaintenanceRepository
from touchpoint_cli.apps import function_module, load_app

DAY = date(2026, 3, 10)


def _snapshot(runtime: Runtime) -> list[tuple[str, str]]:
    return sorted((s.where, s.text) for s in everything_stored(runtime))


@pytest.fixture
def seeded(aws: Runtime, tenant: TenantKeys) -> None:
    """Erin (user + web id) and Kim in the lake of `acme`."""
    with function_client("ingest") as ingest:
        send_batch(
            ingest,
            tenant.write_key,
            [
                track("e1", DAY, user="erin", anon="erin-web"),
                track("e2", DAY, anon="erin-web"),
                track("k1", DAY, user="kim"),
            ],
        )


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("path", "code", "field"),
    [
        ("/v1/people/" + "x" * 257, "invalid_person_id", "person_id"),
        ("/v1/people/%20%20", "invalid_person_id", "person_id"),
        ("/v1/people/erin%00", "invalid_person_id", "person_id"),
        ("/v1/people/%FF%FE", "invalid_person_id", "person_id"),
    ],
)
def test_a_malformed_person_id_is_refused_and_nothing_is_written(
    aws: Runtime, tenant: TenantKeys, path: str, code: str, field: str
) -> None:
    before = _snapshot(aws)
    with function_client("surveys") as client:
        status, body, _ = api(client, "DELETE", path, tenant.admin_key)
    assert status == 400 and body["code"] == code and body["field"] == field
    assert _snapshot(aws) == before


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("kind", [KeyKind.WRITE, KeyKind.READ, None])
def test_only_an_admin_key_may_erase_and_a_refusal_writes_nothing(
    aws: Runtime, tenant: TenantKeys, kind: KeyKind | None
) -> None:
    before = _snapshot(aws)
    with function_client("surveys") as client:
        if kind is None:
            response = client.http.delete("/v1/people/erin")
            status = response.status_code
        else:
            status, _, _ = api(client, "DELETE", "/v1/people/erin", tenant.key(kind))
            assert api(client, "GET", "/v1/people/erin/export", tenant.key(kind))[0] == 403
    assert status == (401 if kind is None else 403)
    assert _snapshot(aws) == before


@pytest.mark.usefixtures("seeded")
def test_an_unknown_person_is_suppressed_with_zero_counts_like_anyone_else(
    aws: Runtime, tenant: TenantKeys
) -> None:
    before_lake = [s for s in _snapshot(aws) if s[0].startswith("s3:")]
    with function_client("surveys") as client:
        status, body, _ = api(client, "DELETE", "/v1/people/nobody%40example.com", tenant.admin_key)
    assert status == 200 and body["status"] == "completed"
    assert body["suppressedIds"] == 1 and set(body["removed"].values()) == {0}
    assert body["cost"]["objectsRead"] >= 1  # the lake was searched all the same
    assert aws.identity.is_suppressed(tenant.tenant_id, ["nobody@example.com"]) == {"nobody@example.com"}
    assert [s for s in _snapshot(aws) if s[0].startswith("s3:")] == before_lake


@pytest.mark.usefixtures("seeded")
def test_another_tenant_sees_and_erases_nothing_of_this_tenant(
    aws: Runtime, tenant: TenantKeys, other_tenant: TenantKeys
) -> None:
    acme_before = [s for s in _snapshot(aws) if "acme" in s[0]]
    with function_client("surveys") as client:
        status, erased, _ = api(client, "DELETE", "/v1/people/erin", other_tenant.admin_key)
        assert status == 200 and set(erased["removed"].values()) == {0}
        assert erased["cost"]["objectsRead"] == 0  # globex has no lake objects
        status, exported, _ = api(client, "GET", "/v1/people/erin/export", other_tenant.admin_key)
        assert status == 200
        assert exported["ids"] == ["erin"] and exported["events"] == [] and exported["identityLinks"] == []
        # the erasure of one tenant is invisible to the other
        assert api(client, "GET", f"/v1/erasures/{erased['erasureId']}", tenant.admin_key)[0] == 404
    assert [s for s in _snapshot(aws) if "acme" in s[0]] == acme_before
    assert aws.identity.is_suppressed(tenant.tenant_id, ["erin"]) == frozenset()
    assert aws.identity.is_suppressed(other_tenant.tenant_id, ["erin"]) == {"erin"}


@pytest.mark.usefixtures("seeded")
def test_erasure_status_is_kept_without_the_id(aws: Runtime, tenant: TenantKeys) -> None:
    with function_client("surveys") as client:
        _, erased, _ = api(client, "DELETE", "/v1/people/erin-web", tenant.admin_key)
        status, shown, _ = api(client, "GET", f"/v1/erasures/{erased['erasureId']}", tenant.admin_key)
        assert status == 200 and shown["status"] == "completed"
        assert shown["removed"] == erased["removed"] and shown["suppressedIds"] == 2
        assert api(client, "GET", "/v1/erasures/er0000000000000000000000", tenant.admin_key)[0] == 404
        bad = api(client, "GET", "/v1/erasures/..%2F..", tenant.admin_key)
        assert bad[0] == 400 and bad[1]["code"] == "invalid_erasure_id"
        assert api(client, "GET", f"/v1/erasures/{erased['erasureId']}", tenant.read_key)[0] == 403
    [entry] = aws.privacy_state.list_audit(tenant.tenant_id)
    assert entry.subject_hash == subject_hash(aws.settings.key_pepper, tenant.tenant_id, "erin-web")
    assert "erin" not in repr(entry).replace(entry.subject_hash, "")


def _invoke_sweep(event: dict[str, Any]) -> Any:
    with Client(load_app("rollup")) as client:
        return client.lambda_.invoke("retention", event).payload


@pytest.mark.usefixtures("seeded")
def test_a_request_out_of_time_answers_202_and_the_daily_run_finishes_the_erasure(
    aws: Runtime, tenant: TenantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = function_module("surveys", "chalicelib.people")
    monkeypatch.setattr(people, "HTTP_BUDGET_SECONDS", 0.0)
    with function_client("surveys") as client:
        status, body, headers = api(client, "DELETE", "/v1/people/erin", tenant.admin_key)
        assert status == 202 and body["status"] == "pending" and body["completedAt"] is None
        assert headers["Location"] == f"/v1/erasures/{body['erasureId']}"
        # immediate: suppressed and the links are gone; the lake lines wait for the scan
        assert aws.identity.is_suppressed(tenant.tenant_id, ["erin", "erin-web"]) == {"erin", "erin-web"}
        assert aws.identity.get_link(tenant.tenant_id, "erin-web") is None
        assert any(w.startswith("s3:raw/events/") for w in traces(aws, ["erin"]))
        [job] = aws.privacy_state.pending_jobs()
        assert job.erasure_id == body["erasureId"] and job.cursor == {"area": 0}  # DB part done, lake not

        result = _invoke_sweep({"time": "2026-11-24T03:30:00Z"})
        assert result["erasures"] == [{"erasure_id": body["erasureId"], "status": "completed"}]
        status, shown, _ = api(client, "GET", f"/v1/erasures/{body['erasureId']}", tenant.admin_key)
    assert status == 200 and shown["status"] == "completed" and shown["removed"]["eventsRemoved"] == 2
    # the job waits for its recheck (late-landing events), then goes with the ids it holds
    assert [j.recheck_after is not None for j in aws.privacy_state.pending_jobs()] == [True]
    finish_rechecks(aws)
    left = traces(aws, ["erin", "erin-web"])
    assert all(":TENANT#acme#SUPPRESS#" in w for w in left)


@pytest.mark.usefixtures("seeded")
def test_a_storage_failure_answers_503_and_the_erasure_is_finished_by_a_retry(
    aws: Runtime, tenant: TenantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = LakeMaintenanceRepository.replace
    calls = {"n": 0}

    def failing(self: LakeMaintenanceRepository, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, "PutObject")
        original(self, *args, **kwargs)

    monkeypatch.setattr(LakeMaintenanceRepository, "replace", failing)
    with function_client("surveys") as client:
        status, body, _ = api(client, "DELETE", "/v1/people/erin", tenant.admin_key)
        assert status == 503 and body["code"] == "storage_unavailable"
        [job] = aws.privacy_state.pending_jobs()  # the work order survives the failure
        status, body, _ = api(client, "DELETE", "/v1/people/erin", tenant.admin_key)
    assert status == 200 and body["status"] == "completed"
    # the interrupted job still holds the ids (its work order) until the daily run completes it;
    # the completed one until its recheck
    assert sorted(
        w for w in traces(aws, ["erin", "erin-web"]) if ":TENANT#acme#SUPPRESS#" not in w
    ) == sorted([f"{aws.settings.state_table}:PRIVACY#JOBS|acme#{job.erasure_id}", *recheck_jobs(aws)])
    result = _invoke_sweep({})
    assert result["erasures"] == [{"erasure_id": job.erasure_id, "status": "completed"}]
    finish_rechecks(aws)
    assert all(":TENANT#acme#SUPPRESS#" in w for w in traces(aws, ["erin", "erin-web"]))


def test_erased_ids_written_with_percent_encoding_are_the_decoded_ids(
    aws: Runtime, tenant: TenantKeys
) -> None:
    with function_client("ingest") as ingest:
        send_batch(ingest, tenant.write_key, [track("j1", DAY, user="jane+1@example.com")])
    with function_client("surveys") as client:
        status, body, _ = api(client, "DELETE", "/v1/people/jane%2B1%40example.com", tenant.admin_key)
    assert status == 200 and body["removed"]["eventsRemoved"] == 1
    finish_rechecks(aws)
    assert traces(aws, ["jane+1@example.com"]) == [
        f"{aws.settings.people_table}:TENANT#acme#SUPPRESS#jane+1@example.com|SUPPRESS"
    ]


def test_a_single_event_of_an_erased_person_is_not_stored(aws: Runtime, tenant: TenantKeys) -> None:
    with function_client("surveys") as client:
        assert api(client, "DELETE", "/v1/people/erin", tenant.admin_key)[0] == 200
    with function_client("ingest") as ingest:
        response = ingest.http.post(
            "/v1/track",
            headers={"Content-Type": "application/json", **basic_auth(tenant.write_key)},
            body=json.dumps(track("late", DAY, user="erin")),
        )
    assert response.status_code == 200
    finish_rechecks(aws)
    assert traces(aws, ["erin"]) == [f"{aws.settings.people_table}:TENANT#acme#SUPPRESS#erin|SUPPRESS"]


@pytest.mark.usefixtures("seeded")
def test_erasure_and_export_log_their_cost_but_never_the_ids(
    aws: Runtime, tenant: TenantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", log_stream)
    level = logger.log_level
    logger.setLevel("INFO")  # the CLI tests quieten the process-wide logger
    try:
        with function_client("surveys") as client:
            assert api(client, "GET", "/v1/people/erin/export", tenant.admin_key)[0] == 200
            assert api(client, "DELETE", "/v1/people/erin", tenant.admin_key)[0] == 200
    finally:
        logger.setLevel(level)
    lines = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    [scan] = [line for line in lines if line["message"] == "erasure lake scan"]
    assert scan["objects_read"] == 1 and scan["objects_rewritten"] == 1 and scan["complete"] is True
    assert any(line["message"] == "erasure completed" for line in lines)
    assert "erin" not in log_stream.getvalue()


def test_days_changed_before_a_failure_are_still_marked_dirty_when_the_erasure_completes(
    aws: Runtime, tenant: TenantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = date(2026, 3, 10), date(2026, 3, 12)
    with function_client("ingest") as ingest:
        send_batch(
            ingest,
            tenant.write_key,
            [track("e1", first, user="erin"), track("k1", first, user="kim")],
        )
        send_batch(
            ingest, tenant.write_key, [track("e2", second, user="erin"), track("k2", second, user="kim")]
        )
    for day in (first, second):
        aws.rollup_state.mark_done(tenant.tenant_id, day, "run-1")
    original = LakeMaintenanceRepository.replace
    calls = {"n": 0}

    def second_write_fails(self: LakeMaintenanceRepository, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "PutObject")
        original(self, *args, **kwargs)

    monkeypatch.setattr(LakeMaintenanceRepository, "replace", second_write_fails)
    with function_client("surveys") as client:
        assert api(client, "DELETE", "/v1/people/erin", tenant.admin_key)[0] == 503
    [job] = aws.privacy_state.pending_jobs()
    assert job.first_day == first.isoformat() and job.counts["eventsRemoved"] == 1
    result = _invoke_sweep({})
    assert result["erasures"] == [{"erasure_id": job.erasure_id, "status": "completed"}]
    for day in (first, second):
        state = aws.rollup_state.day_state(tenant.tenant_id, day)
        assert state is not None and state.status == "dirty", day
    [entry] = aws.privacy_state.list_audit(tenant.tenant_id)
    assert entry.status == "completed" and entry.counts["eventsRemoved"] == 2


@pytest.mark.usefixtures("seeded")
def test_the_status_location_keeps_the_path_prefix_the_request_came_in_under(
    aws: Runtime, tenant: TenantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = function_module("surveys", "chalicelib.people")
    monkeypatch.setattr(people, "HTTP_BUDGET_SECONDS", 0.0)
    headers = {"Authorization": f"Bearer {tenant.admin_key}", "X-Forwarded-Prefix": "/api"}
    with function_client("surveys") as client:
        response = client.http.delete("/v1/people/erin", headers=headers)
    body = json.loads(response.body)
    assert response.status_code == 202
    assert response.headers["Location"] == body["location"] == f"/api/v1/erasures/{body['erasureId']}"
