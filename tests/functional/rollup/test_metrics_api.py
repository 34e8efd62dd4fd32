"""`GET /v1/metrics` of the insights function: keys, validation, tenant isolation, current runs only."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tests.conftest import TenantKeys, bearer, function_client
from touchpoint.models.metrics import MetricPoint
from touchpoint.runtime import Runtime
from touchpoint.storage.rollup_state import DayState

D1, D2 = date(2026, 3, 1), date(2026, 3, 2)


def _store(runtime: Runtime, tenant_id: str, day: date, points: list[MetricPoint], run_id: str) -> None:
    """Write a run and make it current, as the rollup does."""
    seen = runtime.rollup_state.begin_run(tenant_id, day)
    runtime.metrics.put_run(tenant_id, day, run_id, points)
    runtime.rollup_state.finish_run(tenant_id, day, run_id, seen)


def _seed(runtime: Runtime, tenant_id: str) -> None:
    for day, base in ((D1, 10.0), (D2, 20.0)):
        _store(
            runtime,
            tenant_id,
            day,
            [
                MetricPoint(metric="sessions", date=day, value=base),
                MetricPoint(metric="sessions", date=day, value=base - 4, breakdown={"channel": "web"}),
                MetricPoint(metric="sessions", date=day, value=4.0, breakdown={"channel": "email"}),
                MetricPoint(metric="sessions", date=day, value=base - 1, breakdown={"platform": "ios"}),
                MetricPoint(metric="nps", date=day, value=12.5, extra={"responses": 8}),
            ],
            f"20260303T000000-{day.day:08d}",
        )


def _get(key: str | None, query: str) -> tuple[int, Any]:
    headers = bearer(key) if key else {}
    with function_client("insights") as client:
        response = client.http.get(f"/v1/metrics?{query}", headers=headers)
    return response.status_code, json.loads(response.body)


def test_totals_by_date_for_read_and_admin_keys(aws: Runtime, tenant: TenantKeys) -> None:
    _seed(aws, tenant.tenant_id)
    for key in (tenant.read_key, tenant.admin_key):
        status, body = _get(key, "metric=sessions&from=2026-03-01&to=2026-03-31")
        assert status == 200
        assert body == {
            "metric": "sessions",
            "points": [
                {"date": "2026-03-01", "value": 10.0, "breakdown": {}, "extra": {}},
                {"date": "2026-03-02", "value": 20.0, "breakdown": {}, "extra": {}},
            ],
        }
    _, nps = _get(tenant.read_key, "metric=nps&from=2026-03-02&to=2026-03-02")
    assert nps["points"] == [
        {"date": "2026-03-02", "value": 12.5, "breakdown": {}, "extra": {"responses": 8}}
    ]


def test_a_breakdown_returns_its_rows_sorted_by_date_then_value(aws: Runtime, tenant: TenantKeys) -> None:
    _seed(aws, tenant.tenant_id)
    status, body = _get(tenant.read_key, "metric=sessions&from=2026-03-01&to=2026-03-02&breakdown=channel")
    assert status == 200
    assert [(p["date"], p["breakdown"], p["value"]) for p in body["points"]] == [
        ("2026-03-01", {"channel": "email"}, 4.0),
        ("2026-03-01", {"channel": "web"}, 6.0),
        ("2026-03-02", {"channel": "email"}, 4.0),
        ("2026-03-02", {"channel": "web"}, 16.0),
    ]


def test_metrics_without_data_give_no_points(aws: Runtime, tenant: TenantKeys) -> None:
    _seed(aws, tenant.tenant_id)
    assert _get(tenant.read_key, "metric=revenue&from=2026-03-01&to=2026-03-02") == (
        200,
        {"metric": "revenue", "points": []},
    )
    assert _get(tenant.read_key, "metric=sessions&from=2025-01-01&to=2025-01-31")[1]["points"] == []


def test_only_the_current_run_of_a_day_is_read(aws: Runtime, tenant: TenantKeys) -> None:
    _seed(aws, tenant.tenant_id)
    # A re-run that has written its items but not yet moved the pointer (or crashed): invisible.
    aws.metrics.put_run(
        tenant.tenant_id,
        D1,
        "20260304T000000-crashed0",
        [MetricPoint(metric="sessions", date=D1, value=99.0)],
    )
    _, body = _get(tenant.read_key, "metric=sessions&from=2026-03-01&to=2026-03-01")
    assert [p["value"] for p in body["points"]] == [10.0]
    # Once the pointer moves, the new run replaces the old one entirely.
    aws.rollup_state.finish_run(tenant.tenant_id, D1, "20260304T000000-crashed0", DayState(D1, "done"))
    _, body = _get(tenant.read_key, "metric=sessions&from=2026-03-01&to=2026-03-01&breakdown=channel")
    assert body["points"] == []
    _, body = _get(tenant.read_key, "metric=sessions&from=2026-03-01&to=2026-03-01")
    assert [p["value"] for p in body["points"]] == [99.0]


def test_tenants_see_only_their_own_metrics(
    aws: Runtime, tenant: TenantKeys, other_tenant: TenantKeys
) -> None:
    _seed(aws, tenant.tenant_id)
    status, body = _get(other_tenant.read_key, "metric=sessions&from=2026-03-01&to=2026-03-31")
    assert status == 200 and body["points"] == []


@pytest.mark.parametrize(
    ("kind", "status"),
    [(None, 401), ("write", 403)],
)
def test_missing_and_write_keys_are_refused(
    aws: Runtime, tenant: TenantKeys, kind: str | None, status: int
) -> None:
    key = tenant.write_key if kind == "write" else None
    code, body = _get(key, "metric=sessions&from=2026-03-01&to=2026-03-31")
    assert code == status and body["code"] in ("unauthorized", "forbidden")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-03-01&to=2026-03-02", "metric"),
        ("metric=sessionz&from=2026-03-01&to=2026-03-02", "metric"),
        ("metric=sessions&from=2026-3-1&to=2026-03-02", "from"),
        ("metric=sessions&from=2026-03-01", "to"),
        ("metric=sessions&from=2026-03-05&to=2026-03-02", "from"),
        ("metric=sessions&from=2024-03-01&to=2026-03-02", "to"),
        ("metric=sessions&from=2026-03-01&to=2026-03-02&breakdown=colour", "breakdown"),
    ],
)
def test_bad_queries_are_400_naming_the_field(
    aws: Runtime, tenant: TenantKeys, query: str, field: str
) -> None:
    status, body = _get(tenant.read_key, query)
    assert status == 400
    assert body["field"] == field and body["code"] == "invalid_request" and body["message"]
