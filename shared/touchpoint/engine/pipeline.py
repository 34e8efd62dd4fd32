"""`compute_day`: load the inputs once into an in-memory DuckDB, derive shared tables, compute.

Order of work (each step is one or a few SQL statements over the whole day, no per-event Python):
load events (`ev`), responses (`resp_raw`) and case facts (`case_facts`) -> identity stitching (`idmap`, `evp`, `resp`,
`answers`, `comments`) -> activity and sessions (`act`, `sess`) -> orders -> metric groups
(digital, feedback, closing the loop, commerce, retention/CLV, in store, engagement score) -> `north_star`.

`north_star` repeats the tenant total of the metric named by `TenantConfig.north_star` with
`extra = {"metric": name}`; it is absent when that metric is (or is not a catalog metric).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from touchpoint.engine.backend import DuckDBBackend, DuckDBConfig, EngineName, SqlBackend
from touchpoint.engine.calendar import DayWindow
from touchpoint.engine.catalog import METRIC_ORDER
from touchpoint.engine.commerce import build_orders, compute_commerce
from touchpoint.engine.context import EngineContext
from touchpoint.engine.digital import compute_digital
from touchpoint.engine.feedback import compute_feedback
from touchpoint.engine.history import build_history, digest_days, write_digest
from touchpoint.engine.identity import build_identity, build_plan_events
from touchpoint.engine.inputs import EngineInputs
from touchpoint.engine.instore import compute_instore
from touchpoint.engine.loading import load_events, load_responses, prune_old_events, skipped_values
from touchpoint.engine.loop import compute_loop, load_case_facts
from touchpoint.engine.retention_metrics import compute_retention
from touchpoint.engine.scoring import (
    build_day_scores,
    build_feedback_table,
    compute_scores,
    person_scores,
    write_person_scores,
)
from touchpoint.engine.sessionize import build_sessions
from touchpoint.models.metrics import MetricPoint
from touchpoint.models.tenants import TenantConfig

_log = logging.getLogger(__name__)

#: Activity older than this many days before D is not loaded (90-day score window at D-30).
HORIZON_DAYS = 120

_GROUPS: tuple[Callable[[EngineContext], list[MetricPoint]], ...] = (
    compute_digital,
    compute_feedback,
    compute_loop,
    compute_commerce,
    compute_retention,
    compute_instore,
    compute_scores,
)


@dataclass(frozen=True)
class DayResult:
    """Everything one run computes: the metric points and the per-person engagement scores.

    `skipped_values`: numbers in the events read that the metrics could not use (a revenue of
    1e300, a count of -5, a string where a number belongs; see `touchpoint.engine.loading`).
    They were left out, the rest of the day is exact.
    """

    points: list[MetricPoint]
    person_scores: dict[str, float]
    skipped_values: int = 0


def _backend(engine: EngineName, duckdb_config: DuckDBConfig | None) -> SqlBackend:
    if engine == "spark":
        from touchpoint.engine.spark_backend import SparkBackend  # lazily: pyspark is optional

        return SparkBackend()
    return DuckDBBackend(duckdb_config)


def _prepare(backend: SqlBackend, inputs: EngineInputs, day: date, config: TenantConfig) -> EngineContext:
    window = DayWindow(day, config.timezone)
    horizon_start = window.start(-HORIZON_DAYS)
    load_events(backend, [str(name) for name in inputs.event_files], horizon_start, window.end(1))
    if inputs.raw_from is not None:  # older days come from digests
        backend.execute(
            "DELETE FROM ev WHERE ts < $floor", {"floor": window.start((inputs.raw_from - day).days - 1)}
        )
    load_responses(backend, [str(name) for name in inputs.response_files], window.end(0))
    load_case_facts(backend, inputs.case_facts)
    ctx = EngineContext(backend=backend, window=window, config=config)
    build_identity(ctx, list(inputs.identity_links))
    prune_old_events(backend, horizon_start)
    build_plan_events(ctx)
    build_sessions(ctx)
    build_orders(ctx)
    build_feedback_table(ctx)
    build_history(ctx, inputs.digests, inputs.raw_from)
    build_day_scores(ctx)
    tracked = ctx.rows("SELECT event FROM tracked")
    ctx.tracked_events = frozenset(str(row[0]) for row in tracked)
    ctx.day_has_events = bool(
        ctx.scalar("SELECT EXISTS (SELECT 1 FROM ev WHERE ts >= $d_start AND ts < $d_end)")
    )
    return ctx


def _sort_key(point: MetricPoint) -> tuple[int, int, int, str]:
    rank = int(point.breakdown.get("rank", "0")) if point.breakdown.get("rank", "").isdigit() else 0
    return (
        METRIC_ORDER.get(point.metric, len(METRIC_ORDER)),
        1 if point.breakdown else 0,
        rank,
        point.breakdown_key,
    )


def _north_star(ctx: EngineContext, points: list[MetricPoint]) -> list[MetricPoint]:
    name = ctx.config.north_star
    for point in points:
        if point.metric == name and not point.breakdown and point.value is not None:
            return [ctx.point("north_star", point.value, None, {"metric": name})]
    return []


def _run(
    inputs: EngineInputs,
    day: date,
    config: TenantConfig,
    duckdb_config: DuckDBConfig | None,
    with_points: bool,
    digest_out: Path | None = None,
    people_out: Path | None = None,
    engine: EngineName = "duckdb",
) -> DayResult:
    backend = _backend(engine, duckdb_config)
    try:
        ctx = _prepare(backend, inputs, day, config)
        skipped = skipped_values(backend)
        if skipped:
            _log.warning("unusable values skipped", extra={"day": day.isoformat(), "skipped_values": skipped})
        if people_out is not None:
            write_person_scores(ctx, people_out)
        if digest_out is not None:
            for digest_day in digest_days(day, inputs.raw_from):
                write_digest(ctx, digest_out / digest_day.isoformat(), digest_day)
        points: list[MetricPoint] = []
        if with_points:
            for group in _GROUPS:
                points += group(ctx)
            points += _north_star(ctx, points)
            points.sort(key=_sort_key)
        return DayResult(points=points, person_scores=person_scores(ctx), skipped_values=skipped)
    finally:
        backend.close()


def compute_day_result(
    inputs: EngineInputs,
    day: date,
    config: TenantConfig,
    *,
    duckdb_config: DuckDBConfig | None = None,
    digest_out: Path | None = None,
    people_out: Path | None = None,
    engine: EngineName = "duckdb",
) -> DayResult:
    """Metric points and per-person engagement scores of tenant-local day `day`, in one pass.

    With `digest_out`, the day's digest (see `touchpoint.engine.history`) is written into the
    sub-folder `<digest_out>/<YYYY-MM-DD>`, for later runs to read instead of this day's raw
    events; with `inputs.raw_from` earlier than `day`, so are the digests of the days read raw.
    With `people_out`, every person's score on the day is written there as `engagement.csv` and
    `engagement.parquet` (`touchpoint.engine.scoring.write_person_scores`). `engine`: where the
    SQL runs (`duckdb` in process, or `spark`: the local SparkSession, see
    `touchpoint.engine.spark_backend`); both give the same points.
    """
    return _run(
        inputs,
        day,
        config,
        duckdb_config,
        with_points=True,
        digest_out=digest_out,
        people_out=people_out,
        engine=engine,
    )


def compute_day(
    inputs: EngineInputs,
    day: date,
    config: TenantConfig,
    *,
    duckdb_config: DuckDBConfig | None = None,
    digest_out: Path | None = None,
    people_out: Path | None = None,
    engine: EngineName = "duckdb",
) -> list[MetricPoint]:
    """Every metric of docs/METRICS.md for tenant-local day `day`, totals and breakdowns.

    Metrics without data are absent. `duckdb_config` is passed to `duckdb.connect` (e.g.
    `{"threads": 1, "memory_limit": "1GB", "temp_directory": "/tmp/duckdb"}`); by default DuckDB
    picks its thread count and memory limit itself. `digest_out`, `people_out`: see
    `compute_day_result`.
    """
    result = compute_day_result(
        inputs,
        day,
        config,
        duckdb_config=duckdb_config,
        digest_out=digest_out,
        people_out=people_out,
        engine=engine,
    )
    return result.points


def compute_person_scores(
    inputs: EngineInputs,
    day: date,
    config: TenantConfig,
    *,
    duckdb_config: DuckDBConfig | None = None,
    engine: EngineName = "duckdb",
) -> dict[str, float]:
    """Person id (stitched userId, else anonymousId) -> engagement score in [0, 100] on `day`."""
    return _run(inputs, day, config, duckdb_config, with_points=False, engine=engine).person_scores
