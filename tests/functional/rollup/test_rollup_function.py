"""The rollup Lambda handlers through chalice.test.Client: the hourly dispatcher and the worker."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from tests.conftest import EVENTS_DIR, TenantKeys, make_tenant
from tests.functional.rollup.support import load_days
from touchpoint.models.tenants import TenantConfig
from touchpoint.rollup.schedule import TenantDay
from touchpoint.runtime import Runtime
from touchpoint.settings import Settings
from touchpoint.storage.rollup_state import DIRTY, DONE
from touchpoint_cli.apps import function_module, load_app

DAY = date(2026, 3, 10)


def _invoke(name: str, event: dict[str, Any]) -> Any:
    with Client(load_app("rollup")) as client:
        return client.lambda_.invoke(name, event).payload


def test_nightly_rolls_up_the_tenants_at_2am_local_in_process(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    make_tenant(aws, "berlin", TenantConfig(timezone="Europe/Berlin"))
    load_days(aws, tenant.tenant_id, tmp_path / "gen", [DAY])
    # 02:00 UTC on D+1: acme (UTC) is due for D; Berlin (03:00 local) is not.
    result = _invoke("nightly", {"time": "2026-03-11T02:00:00Z"})
    assert result["scheduled_at"] == "2026-03-11T02:00:00Z"
    assert result["started"] == [
        {"tenant_id": tenant.tenant_id, "date": DAY.isoformat(), "reason": "nightly", "generation": "nightly"}
    ]
    assert result["failed"] == []
    state = aws.rollup_state.day_state(tenant.tenant_id, DAY)
    assert state is not None and state.status == DONE
    assert aws.metrics.read(tenant.tenant_id, "sessions", DAY, DAY)
    assert aws.rollup_state.day_state("berlin", DAY) is None
    # An hour earlier it is 02:00 in Berlin.
    assert [s["tenant_id"] for s in _invoke("nightly", {"time": "2026-03-11T01:00:00Z"})["started"]] == [
        "berlin"
    ]


def test_nightly_recomputes_dirty_days(aws: Runtime, tenant: TenantKeys, tmp_path: Path) -> None:
    load_days(aws, tenant.tenant_id, tmp_path / "gen", [DAY])
    _invoke("worker", {"tenant_id": tenant.tenant_id, "date": DAY.isoformat()})
    before = aws.rollup_state.day_state(tenant.tenant_id, DAY)
    assert before is not None and before.status == DONE
    assert aws.rollup_state.mark_dirty_if_done(tenant.tenant_id, [DAY]) == [DAY]
    dirty = aws.rollup_state.day_state(tenant.tenant_id, DAY)
    assert dirty is not None and dirty.status == DIRTY
    result = _invoke("nightly", {"time": "2026-03-11T05:00:00Z"})  # not 02:00 anywhere relevant
    assert result["started"] == [
        {
            "tenant_id": tenant.tenant_id,
            "date": DAY.isoformat(),
            "reason": "dirty",
            "generation": f"dirty:{dirty.dirtied_at}",
        }
    ]
    after = aws.rollup_state.day_state(tenant.tenant_id, DAY)
    assert after is not None and after.status == DONE and after.run_id != before.run_id


def test_a_failing_tenant_day_does_not_stop_the_others(
    aws: Runtime, tenant: TenantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tenant(aws, "zeta")
    worker = function_module("rollup", "chalicelib.worker")
    original = worker.run_tenant_day

    def flaky(tenant_day: TenantDay, engine: str = "duckdb") -> dict[str, Any]:
        if tenant_day.tenant_id == tenant.tenant_id:
            raise RuntimeError("boom")
        result: dict[str, Any] = original(tenant_day, engine)
        return result

    dispatch = function_module("rollup", "chalicelib.dispatch")
    monkeypatch.setattr(dispatch, "run_tenant_day", flaky)
    result = _invoke("nightly", {"time": "2026-03-11T02:00:00Z"})
    assert [s["tenant_id"] for s in result["started"]] == ["zeta"]
    assert [s["tenant_id"] for s in result["failed"]] == [tenant.tenant_id]


def test_worker_is_idempotent_per_generation(aws: Runtime, tenant: TenantKeys, tmp_path: Path) -> None:
    load_days(aws, tenant.tenant_id, tmp_path / "gen", [DAY])
    request = {
        "tenant_id": tenant.tenant_id,
        "date": DAY.isoformat(),
        "reason": "nightly",
        "generation": "nightly",
    }
    first = _invoke("worker", request)
    assert first["status"] == DONE and first["points"] > 0 and first["reason"] == "nightly"
    duplicate = _invoke("worker", request)  # a duplicated scheduled event: the stored result
    assert duplicate == first
    state = aws.rollup_state.day_state(tenant.tenant_id, DAY)
    assert state is not None and state.run_id == first["run_id"]
    newer = _invoke("worker", {**request, "reason": "dirty", "generation": "dirty:2026-03-12T00:00:00+00:00"})
    assert newer["run_id"] != first["run_id"] and newer["previous_run_id"] == first["run_id"]


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"date": "2026-03-10"}, "tenant_id: a non-empty string is required"),
        ({"tenant_id": "acme", "date": "March 10"}, "date: not a YYYY-MM-DD date"),
        ({"tenant_id": "nobody", "date": "2026-03-10"}, "tenant 'nobody' not found"),
    ],
)
def test_worker_refuses_requests_that_cannot_succeed(
    aws: Runtime, tenant: TenantKeys, event: dict[str, Any], message: str
) -> None:
    result = _invoke("worker", event)
    assert message in result["error"]
    assert aws.clients.dynamodb.scan(TableName=aws.settings.state_table)["Items"] == []
    assert aws.clients.dynamodb.scan(TableName=aws.settings.metrics_table)["Items"] == []


def test_worker_refuses_a_day_that_has_not_begun(aws: Runtime, tenant: TenantKeys) -> None:
    future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    result = _invoke("worker", {"tenant_id": tenant.tenant_id, "date": future})
    assert "has not begun yet" in result["error"]
    assert aws.clients.dynamodb.scan(TableName=aws.settings.state_table)["Items"] == []


def test_on_aws_stages_the_dispatcher_invokes_the_worker_lambda(aws: Runtime) -> None:
    invoker = function_module("rollup", "chalicelib.invoker")
    prod = Runtime(
        Settings(stage="prod", resource_prefix="touchpoint-prod", key_pepper="p" * 16), aws.clients
    )
    hour = datetime(2026, 3, 11, 2, tzinfo=UTC)
    built = invoker.build_invoker(
        prod, "touchpoint-rollup-prod-nightly", lambda *_: None, hour=hour, timezones={}
    )
    assert isinstance(built.duckdb, invoker.LambdaInvoker)
    assert built.duckdb.function_name == "touchpoint-rollup-prod-worker"
    assert isinstance(built.spark, invoker.LazySparkInvoker)
    local = invoker.build_invoker(aws, "nightly", lambda *_: None, hour=hour, timezones={})
    assert isinstance(local.duckdb, invoker.InProcessInvoker) and isinstance(
        local.spark, invoker.InProcessInvoker
    )


def test_the_sample_events_are_handled(aws: Runtime) -> None:
    make_tenant(aws, "demo", TenantConfig(timezone="Europe/Berlin"))
    scheduled = json.loads((EVENTS_DIR / "rollup" / "scheduled.json").read_text())
    started = _invoke("nightly", scheduled)["started"]  # 01:00 UTC is 02:00 in Berlin
    assert started == [
        {"tenant_id": "demo", "date": "2026-11-22", "reason": "nightly", "generation": "nightly"}
    ]
    worker = json.loads((EVENTS_DIR / "rollup" / "worker.json").read_text())
    result = _invoke("worker", {**worker, "generation": "sample"})
    assert result["tenant_id"] == "demo" and result["date"] == "2026-11-22" and result["status"] == "done"


def test_the_dispatcher_counts_the_tenant_days_overdue_at_0600_local(
    aws: Runtime, tenant: TenantKeys, capsys: pytest.CaptureFixture[str]
) -> None:
    created = aws.tenants.get_tenant(tenant.tenant_id)
    assert created is not None
    day = created.created_at.astimezone(UTC).date()  # the tenant's first (UTC) day
    at_seven = f"{(day + timedelta(days=1)).isoformat()}T07:00:00Z"
    result = _invoke("nightly", {"time": at_seven})
    assert result["overdue"] == [{"tenant_id": tenant.tenant_id, "date": day.isoformat()}]
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [doc["RollupsOverdue"] for doc in emitted if "RollupsOverdue" in doc] == [[1.0]]
    aws.rollup_state.mark_done(tenant.tenant_id, day, "run-1")
    assert _invoke("nightly", {"time": at_seven})["overdue"] == []
