"""The RollupService against moto: results, exports, idempotent re-runs, faults and late events."""

from __future__ import annotations

import io
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.conftest import TenantKeys
from tests.functional.rollup.support import load_days
from touchpoint.engine.inputs import EngineInputs
from touchpoint.models.metrics import MetricPoint
from touchpoint.models.tenants import TenantConfig
from touchpoint.rollup.service import DayNotOverError, RollupService, TenantNotFoundError
from touchpoint.rollup.wiring import build_service, engine_compute_day
from touchpoint.runtime import Runtime
from touchpoint.storage.lake_layout import export_keys
from touchpoint.storage.metrics import MetricsRepository
from touchpoint.storage.rollup_state import DIRTY, DONE, RUNNING

DAY = date(2026, 3, 10)


@pytest.fixture
def lake_days(aws: Runtime, tenant: TenantKeys, tmp_path: Path) -> None:
    load_days(
        aws, tenant.tenant_id, tmp_path / "gen", [DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)]
    )


def _service(runtime: Runtime, **overrides: Any) -> RollupService:
    service = build_service(runtime)
    for name, value in overrides.items():
        setattr(service, f"_{name}", value)
    return service


def _table_items(runtime: Runtime) -> list[dict[str, Any]]:
    return runtime.clients.dynamodb.scan(TableName=runtime.settings.metrics_table)["Items"]


def _values(runtime: Runtime, tenant_id: str, metric: str) -> dict[tuple[date, str], float | None]:
    points = runtime.metrics.read(tenant_id, metric, DAY - timedelta(days=5), DAY + timedelta(days=5))
    return {(p.day, repr(sorted(p.breakdown.items()))): p.value for p in points}


def _exports(runtime: Runtime, tenant_id: str) -> tuple[bytes, bytes]:
    csv_key, parquet_key = export_keys(tenant_id, DAY)
    return runtime.lake.get_bytes(csv_key), runtime.lake.get_bytes(parquet_key)


@pytest.mark.usefixtures("lake_days")
def test_a_day_is_rolled_up_stored_and_exported(aws: Runtime, tenant: TenantKeys) -> None:
    result = build_service(aws).run_day(tenant.tenant_id, DAY)
    assert result.status == DONE and result.points > 50 and result.previous_run_id is None
    assert result.input_objects > 3
    state = aws.rollup_state.day_state(tenant.tenant_id, DAY)
    assert state is not None and state.status == DONE and state.run_id == result.run_id
    sessions = aws.metrics.read(tenant.tenant_id, "sessions", DAY, DAY)
    totals = [p for p in sessions if not p.breakdown]
    assert len(totals) == 1 and totals[0].value is not None and totals[0].value > 0
    assert {"channel", "platform"} <= {k for p in sessions for k in p.breakdown}
    csv_bytes, parquet_bytes = _exports(aws, tenant.tenant_id)
    assert csv_bytes.startswith(b"tenant,date,metric,breakdown,value,extra\n")
    assert csv_bytes.count(b"\n") == result.points + 1
    table = pq.read_table(io.BytesIO(parquet_bytes))
    assert table.num_rows == result.points
    assert set(table.column("tenant").to_pylist()) == {tenant.tenant_id}
    assert len(_table_items(aws)) == result.points + 1  # the points and the run's manifest


@pytest.mark.usefixtures("lake_days")
def test_rolling_up_the_same_day_twice_gives_identical_results(aws: Runtime, tenant: TenantKeys) -> None:
    service = build_service(aws)
    first = service.run_day(tenant.tenant_id, DAY)
    metrics = ["sessions", "dau", "revenue", "nps", "top_products", "engagement_score", "clv"]
    before = {m: _values(aws, tenant.tenant_id, m) for m in metrics}
    exports_before = _exports(aws, tenant.tenant_id)
    second = service.run_day(tenant.tenant_id, DAY)
    assert second.run_id != first.run_id and second.previous_run_id == first.run_id
    assert second.removed_runs == [first.run_id] and second.points == first.points
    assert {m: _values(aws, tenant.tenant_id, m) for m in metrics} == before
    assert _exports(aws, tenant.tenant_id) == exports_before  # byte for byte
    items = _table_items(aws)
    assert len(items) == second.points + 1  # no double counting, nothing left of the first run
    assert {i["run_id"]["S"] for i in items} == {second.run_id}


class _FaultError(RuntimeError):
    pass


def _fail_after(items: int) -> Any:
    """A MetricsRepository._write_batch that raises once `items` have been written."""
    original = MetricsRepository._write_batch
    written = {"n": 0}
    lock = threading.Lock()

    def write_batch(self: MetricsRepository, batch: list[dict[str, Any]]) -> None:
        with lock:  # batches are written by several threads
            if written["n"] + len(batch) > items:
                raise _FaultError("DynamoDB went away mid-write")
            written["n"] += len(batch)
        original(self, batch)

    return write_batch


def test_a_crash_mid_write_leaves_the_previous_results_readable(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_days(aws, tenant.tenant_id, tmp_path / "gen", [DAY])
    service = build_service(aws)
    first = service.run_day(tenant.tenant_id, DAY)
    sessions_before = _values(aws, tenant.tenant_id, "sessions")
    exports_before = _exports(aws, tenant.tenant_id)
    # More data arrives (the day would change), then the re-run dies after 60 of its items.
    load_days(aws, tenant.tenant_id, tmp_path / "more", [DAY], events=300, people=40, seed=8, tag="more-")
    monkeypatch.setattr(MetricsRepository, "_write_batch", _fail_after(60))
    with pytest.raises(_FaultError):
        service.run_day(tenant.tenant_id, DAY)
    assert _values(aws, tenant.tenant_id, "sessions") == sessions_before
    assert _exports(aws, tenant.tenant_id) == exports_before
    state = aws.rollup_state.day_state(tenant.tenant_id, DAY)
    assert state is not None and state.status == DONE and state.run_id == first.run_id
    assert len(aws.metrics.manifests(tenant.tenant_id, DAY)) == 2  # the crashed run is findable
    # The next run succeeds, shows the new data and removes both older runs (the crashed one as
    # soon as it counts as abandoned).
    monkeypatch.undo()
    third = _service(aws, abandoned_after=timedelta(0)).run_day(tenant.tenant_id, DAY)
    assert len(third.removed_runs) == 2
    assert _values(aws, tenant.tenant_id, "sessions") != sessions_before
    assert {i["run_id"]["S"] for i in _table_items(aws)} == {third.run_id}


def test_a_young_run_of_another_invocation_is_not_removed(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    load_days(aws, tenant.tenant_id, tmp_path / "gen", [DAY])
    point = MetricPoint(metric="orders", date=DAY, value=1.0)
    aws.metrics.put_run(tenant.tenant_id, DAY, "20990101T000000-inflight", [point])  # still writing
    result = build_service(aws).run_day(tenant.tenant_id, DAY)
    assert result.removed_runs == []
    assert {m.run_id for m in aws.metrics.manifests(tenant.tenant_id, DAY)} == {
        result.run_id,
        "20990101T000000-inflight",
    }


def test_an_engine_failure_keeps_a_new_day_running_for_a_retry(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    load_days(aws, tenant.tenant_id, tmp_path / "gen", [DAY])

    def broken(inputs: EngineInputs, day: date, config: TenantConfig, **_: object) -> list[MetricPoint]:
        raise RuntimeError("engine bug")

    with pytest.raises(RuntimeError, match="engine bug"):
        _service(aws, compute_day=broken).run_day(tenant.tenant_id, DAY)
    state = aws.rollup_state.day_state(tenant.tenant_id, DAY)
    assert state is not None and state.status == RUNNING and state.run_id is None
    assert _table_items(aws) == []
    assert list(aws.lake.list_keys("exports/")) == []
    stale = aws.rollup_state.days_to_recompute(tenant.tenant_id, datetime.now(UTC) + timedelta(minutes=1))
    assert [s.day for s in stale] == [DAY]


def test_late_events_during_the_run_keep_the_day_dirty(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    load_days(aws, tenant.tenant_id, tmp_path / "gen", [DAY])
    engine = engine_compute_day({})

    def with_late_event(
        inputs: EngineInputs, day: date, config: TenantConfig, **_: object
    ) -> list[MetricPoint]:
        # Ingest stores a late event for the day while the engine runs (first run: day is running).
        assert aws.rollup_state.mark_dirty_if_done(tenant.tenant_id, [day]) == [day]
        return engine(inputs, day, config, **_)  # type: ignore[arg-type]

    result = _service(aws, compute_day=with_late_event).run_day(tenant.tenant_id, DAY)
    assert result.status == DIRTY
    state = aws.rollup_state.day_state(tenant.tenant_id, DAY)
    assert state is not None and state.status == DIRTY and state.run_id == result.run_id
    assert aws.metrics.read(tenant.tenant_id, "sessions", DAY, DAY)  # the new results are visible
    # The next run (no late events meanwhile) settles the day.
    assert build_service(aws).run_day(tenant.tenant_id, DAY).status == DONE
    assert aws.rollup_state.dirty_days(tenant.tenant_id) == []


def test_unknown_tenants_and_future_days_change_nothing(aws: Runtime, tenant: TenantKeys) -> None:
    service = build_service(aws)
    with pytest.raises(TenantNotFoundError, match="tenant 'nobody' not found"):
        service.run_day("nobody", DAY)
    tomorrow = datetime.now(UTC).date() + timedelta(days=2)
    with pytest.raises(DayNotOverError, match="has not begun yet in UTC"):
        service.run_day(tenant.tenant_id, tomorrow)
    assert aws.rollup_state.day_state(tenant.tenant_id, tomorrow) is None
    assert aws.rollup_state.day_state("nobody", DAY) is None
    assert _table_items(aws) == []


def test_a_day_without_data_stores_an_empty_run(aws: Runtime, tenant: TenantKeys) -> None:
    result = build_service(aws).run_day(tenant.tenant_id, DAY)
    assert result.points == 0 and result.input_objects == 0 and result.status == DONE
    csv_bytes, _ = _exports(aws, tenant.tenant_id)
    assert csv_bytes == b"tenant,date,metric,breakdown,value,extra\n"


def test_only_the_tenants_own_lake_partitions_are_read(
    aws: Runtime, tenant: TenantKeys, other_tenant: TenantKeys, tmp_path: Path
) -> None:
    load_days(aws, other_tenant.tenant_id, tmp_path / "gen", [DAY])
    seen: list[EngineInputs] = []

    def spy(inputs: EngineInputs, day: date, config: TenantConfig, **_: object) -> list[MetricPoint]:
        seen.append(inputs)
        return []

    result = _service(aws, compute_day=spy).run_day(tenant.tenant_id, DAY)
    assert result.input_objects == 0 and seen[0].event_files == [] and seen[0].response_files == []
    assert build_service(aws).run_day(other_tenant.tenant_id, DAY).input_objects > 0


def test_only_partitions_inside_the_window_are_downloaded(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    load_days(aws, tenant.tenant_id, tmp_path / "gen", [DAY, DAY + timedelta(days=3)])
    old_key = f"raw/events/tenant={tenant.tenant_id}/dt={(DAY - timedelta(days=400)).isoformat()}/x.jsonl.gz"
    aws.lake.put_jsonl(old_key, [{"type": "page", "anonymousId": "a", "messageId": "old"}])
    aws.lake.put_jsonl(f"raw/events/tenant={tenant.tenant_id}/dt={DAY.isoformat()}/notes.txt", [])
    seen: list[EngineInputs] = []

    def spy(inputs: EngineInputs, day: date, config: TenantConfig, **_: object) -> list[MetricPoint]:
        seen.append(inputs)
        assert all(Path(path).exists() for path in [*inputs.event_files, *inputs.response_files])
        return []

    _service(aws, compute_day=spy).run_day(tenant.tenant_id, DAY)
    # DAY's UTC partition was settled: its landed objects were compacted into one Parquet file
    landed = [
        k
        for k in aws.lake.list_keys(f"raw/events/tenant={tenant.tenant_id}/dt={DAY.isoformat()}/")
        if k.endswith(".gz")
    ]
    compacted = list(aws.lake.list_keys(f"raw/compacted/tenant={tenant.tenant_id}/dt={DAY.isoformat()}/"))
    assert landed == [] and len(compacted) == 1 and compacted[0].endswith(".parquet")
    assert len(seen[0].event_files) == 1 and Path(seen[0].event_files[0]).suffix == ".parquet"
