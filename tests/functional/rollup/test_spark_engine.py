"""Through the service: a tenant-day rolled up on Spark stores and exports what DuckDB does.

The same lake (moto), the same RollupService; only the engine differs. Spark runs in local mode
(one session per test process), so these tests are few and share an xdist group.
"""

from __future__ import annotations

import io
import logging
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from tests.conftest import TenantKeys
from tests.functional.rollup.support import load_days
from touchpoint.engine import METRIC_NAMES
from touchpoint.observability import logger
from touchpoint.rollup.service import RollupResult
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import Runtime
from touchpoint.storage.lake_layout import DIGEST_TABLE_NAMES, digest_key, export_keys, people_export_keys
from touchpoint_cli.main import cli

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

DAY = date(2026, 3, 10)


def _stored(runtime: Runtime, tenant_id: str) -> dict[tuple[str, str], tuple[Any, ...]]:
    """Every stored point of D: (metric, breakdown) -> (value, extra)."""
    return {
        (point.metric, repr(sorted(point.breakdown.items()))): (point.value, point.extra)
        for metric in METRIC_NAMES
        for point in runtime.metrics.read(tenant_id, metric, DAY, DAY)
    }


def _table_rows(data: bytes, drop: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    table = pq.read_table(io.BytesIO(data))
    table = table.drop_columns([c for c in drop if c in table.column_names])
    return sorted((tuple(row.values()) for row in table.to_pylist()), key=repr)


def _outputs(runtime: Runtime, tenant_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """The run's exports (metrics, people) and digests, as sorted rows (the run id column left out)."""
    lake = runtime.lake
    found = {
        "metrics": _table_rows(lake.get_bytes(export_keys(tenant_id, DAY)[1]), drop=("run_id",)),
        "people": _table_rows(lake.get_bytes(people_export_keys(tenant_id, DAY)[1]), drop=("run_id",)),
    }
    for table in DIGEST_TABLE_NAMES:
        key = digest_key(tenant_id, DAY, table)
        found[key.rsplit("/", 1)[-1]] = sorted(
            (tuple(sorted(map(repr, v)) if isinstance(v, list) else v for v in row) for row in _table_rows(lake.get_bytes(key))),
            key=repr,
        )  # fmt: skip
    return found


def _run(runtime: Runtime, tenant_id: str, engine: str, **settings: Any) -> RollupResult:
    service = build_service(runtime)
    for name, value in settings.items():
        setattr(service, f"_{name}", value)
    return service.run_day(tenant_id, DAY, engine=engine)  # type: ignore[arg-type]


def test_spark_and_duckdb_store_and_export_the_same(aws: Runtime, tenant: TenantKeys, tmp_path: Path) -> None:
    days = [DAY - timedelta(days=2), DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)]
    load_days(aws, tenant.tenant_id, tmp_path / "gen", days, events=400, people=50)
    duck = _run(aws, tenant.tenant_id, "duckdb")
    duck_points, duck_outputs = _stored(aws, tenant.tenant_id), _outputs(aws, tenant.tenant_id)

    spark = _run(aws, tenant.tenant_id, "spark")
    assert (duck.engine, spark.engine) == ("duckdb", "spark")
    assert spark.previous_run_id == duck.run_id and spark.removed_runs == [duck.run_id]
    assert spark.points == duck.points > 50
    assert _stored(aws, tenant.tenant_id) == duck_points
    spark_outputs = _outputs(aws, tenant.tenant_id)
    assert spark_outputs.keys() == duck_outputs.keys() and len(spark_outputs) >= 8
    for name, rows in duck_outputs.items():
        assert spark_outputs[name] == rows, name


def test_auto_sends_a_day_above_the_threshold_to_spark(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    load_days(aws, tenant.tenant_id, tmp_path / "gen", [DAY], events=200, people=30)
    small = _run(aws, tenant.tenant_id, "auto")
    assert small.engine == "duckdb"
    big = _run(aws, tenant.tenant_id, "auto", spark_threshold_bytes=1)
    assert big.engine == "spark" and big.points == small.points


def test_the_cli_runs_the_engine_it_is_asked_for(aws: Runtime, tenant: TenantKeys, tmp_path: Path) -> None:
    load_days(aws, tenant.tenant_id, tmp_path / "gen", [DAY], events=200, people=30)
    level = logger.log_level
    try:
        args = ["rollup", "--tenant", tenant.tenant_id, "--date", DAY.isoformat(), "--aws", "--engine"]
        duck = CliRunner().invoke(cli, [*args, "duckdb"])
        wrong = CliRunner().invoke(cli, [*args, "postgres"])
    finally:
        logger.setLevel(level or logging.INFO)
    assert duck.exit_code == 0 and "engine duckdb" in duck.output, duck.output
    assert wrong.exit_code == 2 and "'postgres' is not one of 'auto', 'duckdb', 'spark'" in wrong.output
    state = aws.rollup_state.day_state(tenant.tenant_id, DAY)
    assert state is not None and str(state.run_id) in duck.output  # the refused call changed nothing
