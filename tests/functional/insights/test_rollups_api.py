"""`GET /v1/rollups`, `POST /v1/rollups/backfill`, `POST /v1/rollups/{date}/rerun`: day states and re-runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client, make_tenant, team_session
from touchpoint.models.tenants import TenantConfig
from touchpoint.rollup.schedule import due_tenant_days
from touchpoint.runtime import Runtime
from touchpoint.storage.dynamo import to_item

TODAY = datetime.now(UTC).date()


@pytest.fixture
def api(aws: Runtime, tenant: TenantKeys) -> Iterator[Client]:
    with function_client("insights") as client:
        yield client


def _state_item(aws: Runtime, tenant_id: str, day: date, **values: str) -> None:
    aws.clients.dynamodb.put_item(
        TableName=aws.settings.state_table,
        Item=to_item({"pk": f"TENANT#{tenant_id}", "sk": f"DAY#{day.isoformat()}", **values}),
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _states(aws: Runtime, tenant_id: str, first: date, last: date) -> dict[date, str]:
    return {s.day: s.status for s in aws.rollup_state.states_between(tenant_id, first, last)}


def _post(api: Client, path: str, headers: dict[str, str], body: Any = None) -> Any:
    return api.http.post(
        path,
        headers={**headers, "Content-Type": "application/json"},
        body=json.dumps(body) if body is not None else "",
    )


def test_each_days_state_newest_first(aws: Runtime, tenant: TenantKeys, api: Client) -> None:
    now = datetime.now(UTC)
    day = [TODAY - timedelta(days=n) for n in range(6)]
    _state_item(aws, tenant.tenant_id, day[1], status="done", rolled_up_at=_iso(now - timedelta(hours=20)),
                started_at=_iso(now - timedelta(hours=21)), run_id="r1")  # fmt: skip
    _state_item(aws, tenant.tenant_id, day[2], status="dirty", rolled_up_at=_iso(now - timedelta(days=2)),
                started_at=_iso(now - timedelta(days=2, minutes=5)), dirtied_at=_iso(now - timedelta(hours=3)))  # fmt: skip
    # a first run started 10 minutes ago: running; one started 3 hours ago and never finished: failed
    _state_item(aws, tenant.tenant_id, day[3], status="running", started_at=_iso(now - timedelta(minutes=10)))
    _state_item(aws, tenant.tenant_id, day[4], status="running", started_at=_iso(now - timedelta(hours=3)))
    # a re-run of a done day that crashed two hours ago: failed (the old results stay readable)
    _state_item(aws, tenant.tenant_id, day[5], status="done", rolled_up_at=_iso(now - timedelta(days=4)),
                started_at=_iso(now - timedelta(hours=2)), run_id="r0")  # fmt: skip

    response = api.http.get(
        f"/v1/rollups?from={day[5].isoformat()}&to={day[0].isoformat()}", headers=bearer(tenant.read_key)
    )
    assert response.status_code == 200, response.body
    body = json.loads(response.body)
    assert [(d["date"], d["state"]) for d in body["days"]] == [
        (day[0].isoformat(), "never"),
        (day[1].isoformat(), "done"),
        (day[2].isoformat(), "dirty"),
        (day[3].isoformat(), "running"),
        (day[4].isoformat(), "failed"),
        (day[5].isoformat(), "failed"),
    ]
    assert body["counts"] == {"done": 1, "dirty": 1, "running": 1, "failed": 2, "never": 1}
    assert body["days"][1]["rolled_up_at"] is not None


def test_the_default_listing_is_the_last_30_days_in_the_tenants_zone(aws: Runtime, api: Client) -> None:
    far_east = make_tenant(aws, "kiwi", TenantConfig(timezone="Pacific/Kiritimati"))  # UTC+14
    body = json.loads(api.http.get("/v1/rollups", headers=bearer(far_east.read_key)).body)
    local_today = datetime.now(UTC).astimezone(ZoneInfo("Pacific/Kiritimati")).date()
    assert body["to"] == local_today.isoformat()
    assert len(body["days"]) == 30 and body["counts"]["never"] == 30


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
        (f"from={TODAY.isoformat()}&to={(TODAY - timedelta(days=1)).isoformat()}", "from"),
        (f"to={(TODAY + timedelta(days=3)).isoformat()}", "to"),
        (f"from={(TODAY - timedelta(days=400)).isoformat()}", "from"),
    ],
)
def test_a_bad_range_is_refused(tenant: TenantKeys, api: Client, query: str, field: str) -> None:
    response = api.http.get(f"/v1/rollups?{query}", headers=bearer(tenant.read_key))
    assert response.status_code == 400
    assert json.loads(response.body)["field"] == field


def test_a_backfill_marks_the_days_dirty_and_the_dispatcher_runs_them(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    first, last = TODAY - timedelta(days=9), TODAY - timedelta(days=7)
    _state_item(
        aws, tenant.tenant_id, first, status="done", rolled_up_at=_iso(datetime.now(UTC)), run_id="r1"
    )
    response = _post(
        api,
        "/v1/rollups/backfill",
        bearer(tenant.admin_key),
        {"from": first.isoformat(), "to": last.isoformat()},
    )
    assert response.status_code == 202, response.body
    assert json.loads(response.body)["days_marked"] == 3
    # done and never-rolled-up days alike
    assert _states(aws, tenant.tenant_id, first, last) == dict.fromkeys(
        [first, first + timedelta(days=1), last], "dirty"
    )
    tenant_record = aws.tenants.get_tenant(tenant.tenant_id)
    assert tenant_record is not None
    due = due_tenant_days(datetime.now(UTC), [tenant_record], aws.rollup_state)
    assert {(t.day, t.reason) for t in due} >= {
        (d, "dirty") for d in (first, first + timedelta(days=1), last)
    }
    entries = aws.audit.list(tenant.tenant_id, date(2000, 1, 1), TODAY + timedelta(days=1))
    assert [(e.action, e.detail["days"]) for e in entries] == [("rollups.backfill", 3)]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"from": "2026-01-01"}, 400, "to"),
        ({"to": "2026-01-01"}, 400, "from"),
        ({"from": 20260101, "to": "2026-01-02"}, 400, "from"),
        ({"from": "2026-01-05", "to": "2026-01-01"}, 400, "from"),
        ({"from": (TODAY - timedelta(days=500)).isoformat(), "to": TODAY.isoformat()}, 400, "from"),
        ({"from": TODAY.isoformat(), "to": (TODAY + timedelta(days=2)).isoformat()}, 400, "to"),
        ({"from": "2026-01-01", "to": "2026-01-02", "engine": "spark"}, 400, "engine"),
        (None, 400, "body"),
    ],
)
def test_a_bad_backfill_is_refused_and_marks_nothing(
    aws: Runtime, tenant: TenantKeys, api: Client, body: Any, status: int, field: str
) -> None:
    response = _post(api, "/v1/rollups/backfill", bearer(tenant.admin_key), body)
    assert response.status_code == status, response.body
    assert json.loads(response.body)["field"] == field
    assert _states(aws, tenant.tenant_id, date(2000, 1, 1), TODAY + timedelta(days=5)) == {}
    assert aws.audit.list(tenant.tenant_id, date(2000, 1, 1), TODAY + timedelta(days=1)) == []


def test_a_rerun_marks_one_day_dirty(aws: Runtime, tenant: TenantKeys, api: Client) -> None:
    day = TODAY - timedelta(days=1)
    admin = team_session(aws, tenant.tenant_id, "admin", email="chefin@acme.example")
    response = _post(api, f"/v1/rollups/{day.isoformat()}/rerun", admin)
    assert response.status_code == 202, response.body
    assert json.loads(response.body)["state"] == "dirty"
    assert _states(aws, tenant.tenant_id, day, day) == {day: "dirty"}
    entries = aws.audit.list(tenant.tenant_id, date(2000, 1, 1), TODAY + timedelta(days=1))
    assert [(e.action, e.actor, e.target) for e in entries] == [
        ("rollups.rerun", "user:chefin@acme.example", f"day:{day.isoformat()}")
    ]


@pytest.mark.parametrize("raw", ["2026-02-30", "tomorrow", (TODAY + timedelta(days=2)).isoformat()])
def test_a_bad_rerun_day_is_refused(aws: Runtime, tenant: TenantKeys, api: Client, raw: str) -> None:
    response = _post(api, f"/v1/rollups/{raw}/rerun", bearer(tenant.admin_key))
    assert response.status_code == 400
    assert json.loads(response.body)["field"] == "date"
    assert _states(aws, tenant.tenant_id, date(2000, 1, 1), TODAY + timedelta(days=5)) == {}


def test_only_admins_backfill_and_rerun_and_team_members_read(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    day = (TODAY - timedelta(days=1)).isoformat()
    backfill = {"from": day, "to": day}
    for role in ("viewer", "editor"):
        headers = team_session(aws, tenant.tenant_id, role)
        assert api.http.get("/v1/rollups", headers=headers).status_code == 200
        assert _post(api, "/v1/rollups/backfill", headers, backfill).status_code == 403
        assert _post(api, f"/v1/rollups/{day}/rerun", headers).status_code == 403
    read = bearer(tenant.read_key)
    assert _post(api, "/v1/rollups/backfill", read, backfill).status_code == 403
    assert _post(api, f"/v1/rollups/{day}/rerun", read).status_code == 403
    assert api.http.get("/v1/rollups").status_code == 401
    assert _states(aws, tenant.tenant_id, date(2000, 1, 1), TODAY + timedelta(days=5)) == {}


def test_another_tenants_days_are_never_listed_or_marked(
    aws: Runtime, tenant: TenantKeys, other_tenant: TenantKeys, api: Client
) -> None:
    day = TODAY - timedelta(days=1)
    _state_item(
        aws, other_tenant.tenant_id, day, status="done", rolled_up_at=_iso(datetime.now(UTC)), run_id="x"
    )
    body = json.loads(api.http.get("/v1/rollups", headers=bearer(tenant.read_key)).body)
    assert body["counts"]["never"] == 30
    assert _post(api, f"/v1/rollups/{day.isoformat()}/rerun", bearer(tenant.admin_key)).status_code == 202
    assert _states(aws, other_tenant.tenant_id, day, day) == {day: "done"}
