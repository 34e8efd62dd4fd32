"""The rollup of one tenant-day: load its inputs, run the metric engine, store results and exports.

Order of work, so that a run that fails at any point leaves the previous results readable:

1. `begin_run` in the state table (before the lake is read, so late events that arrive during
   the run mark the day dirty);
2. compact the settled UTC days of the day's raw window (`touchpoint.rollup.compaction`: sorted,
   deduplicated Parquet files, one per chunk of a tenant's UTC day, replacing the landed objects), then
   download the digests of earlier days and the recent lake objects into a temporary folder
   (`LakeInputLoader.load_day`), read the follow-up cases of D to D + 2 from the cases table
   (the loop metrics' `case_facts`, see `touchpoint.engine.loop`) and call `compute_day`, which
   also writes the day's digest (and those of any earlier days it had to read raw);
3. write every point under a new `run_id` (invisible to readers until step 5);
4. write the day's CSV and Parquet exports (metrics; per-person engagement scores under
   `exports/people/`) and its digests (deterministic keys, replaced in place);
5. `finish_run`: the day's pointer moves to the new run (`done`, or still `dirty` when late
   events arrived meanwhile);
6. remove the previous run's items (best effort: leftovers are invisible and are removed by a
   later run of the day).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from touchpoint.engine.backend import EngineName
from touchpoint.engine.calendar import local_midnight_utc
from touchpoint.engine.inputs import CaseFactRow, EngineInputs
from touchpoint.models.metrics import MetricPoint
from touchpoint.models.tenants import TenantConfig
from touchpoint.observability import logger
from touchpoint.rollup.compaction import Compactor, is_settled
from touchpoint.rollup.engine_choice import DEFAULT_SPARK_THRESHOLD_BYTES, EngineChoice, choose_engine
from touchpoint.rollup.exports import export_rows, render_csv, render_parquet
from touchpoint.rollup.inputs import LakeInputLoader, input_windows
from touchpoint.storage.lake import LakeRepository
from touchpoint.storage.lake_layout import digest_key, export_keys, people_export_keys
from touchpoint.storage.metrics import MetricsRepository, new_run_id
from touchpoint.storage.rollup_state import RollupStateRepository
from touchpoint.storage.tenants import TenantRepository

#: A run that started this long ago and is neither current nor previous has crashed.
ABANDONED_AFTER = timedelta(hours=1)


class ComputeDay(Protocol):
    """The engine's `compute_day` (writing digests into `digest_out`, person scores into `people_out`)."""

    def __call__(
        self,
        inputs: EngineInputs,
        day: date,
        config: TenantConfig,
        *,
        digest_out: Path | None = None,
        people_out: Path | None = None,
        engine: EngineName = "duckdb",
    ) -> list[MetricPoint]: ...


IdentityLinks = Callable[[str], list[tuple[str, str]]]
#: The cases table's facts: (tenant_id, start, end) -> the cases opened, first replied to or
#: resolved in `[start, end)` (aware UTC bounds).
CaseFacts = Callable[[str, datetime, datetime], Iterable[CaseFactRow]]
#: Local days after D whose replies still count for D (`closed_loop_rate`: 48 hours).
LOOP_DAYS_AFTER = 2
#: Called with (tenant_id, day) once a day's new results are current (alert evaluation).
AfterDay = Callable[[str, date], object]


class TenantNotFoundError(LookupError):
    """No tenant with that id."""


class DayNotOverError(ValueError):
    """The day has not begun yet in the tenant's time zone."""


@dataclass(frozen=True)
class RollupResult:
    """What one run did."""

    tenant_id: str
    day: date
    run_id: str
    status: str
    points: int
    previous_run_id: str | None
    removed_runs: list[str]
    input_objects: int
    input_bytes: int
    timings: dict[str, float] = field(default_factory=dict)
    raw_from: date | None = None
    digest_days_read: int = 0
    digests_written: int = 0
    days_compacted: list[date] = field(default_factory=list)
    engine: EngineName = "duckdb"

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (the worker's return value and the log line)."""
        return {
            "tenant_id": self.tenant_id,
            "date": self.day.isoformat(),
            "run_id": self.run_id,
            "status": self.status,
            "engine": self.engine,
            "points": self.points,
            "previous_run_id": self.previous_run_id,
            "removed_runs": self.removed_runs,
            "input_objects": self.input_objects,
            "input_bytes": self.input_bytes,
            "raw_from": self.raw_from.isoformat() if self.raw_from else None,
            "digest_days_read": self.digest_days_read,
            "days_compacted": [d.isoformat() for d in self.days_compacted],
            "digests_written": self.digests_written,
            "seconds": {k: round(v, 3) for k, v in self.timings.items()},
        }


def _default_compute_day() -> ComputeDay:
    from touchpoint.engine import compute_day  # imported on first use: it pulls in the engine

    return compute_day


class RollupService:
    """Rolls up one tenant-day at a time (see the module doc for the order of work)."""

    def __init__(
        self,
        *,
        tenants: TenantRepository,
        lake: LakeRepository,
        metrics: MetricsRepository,
        state: RollupStateRepository,
        identity_links: IdentityLinks,
        compute_day: ComputeDay | None = None,
        loader: LakeInputLoader | None = None,
        workdir: Path | None = None,
        abandoned_after: timedelta = ABANDONED_AFTER,
        after_day: AfterDay | None = None,
        compactor: Compactor | None = None,
        spark_threshold_bytes: int = DEFAULT_SPARK_THRESHOLD_BYTES,
        case_facts: CaseFacts | None = None,
    ) -> None:
        self._tenants = tenants
        self._lake = lake
        self._metrics = metrics
        self._state = state
        self._identity_links = identity_links
        self._compute_day = compute_day
        self._loader = loader or LakeInputLoader(lake)
        self._workdir = workdir
        self._abandoned_after = abandoned_after
        self._after_day = after_day
        self._compactor = compactor
        self._spark_threshold_bytes = spark_threshold_bytes
        self._case_facts = case_facts

    def config_of(self, tenant_id: str) -> TenantConfig:
        """The tenant's config (TenantNotFoundError if there is no such tenant)."""
        tenant = self._tenants.get_tenant(tenant_id)
        if tenant is None:
            raise TenantNotFoundError(f"tenant {tenant_id!r} not found")
        return tenant.config

    def run_day(
        self, tenant_id: str, day: date, *, now: datetime | None = None, engine: EngineChoice = "auto"
    ) -> RollupResult:
        """Compute, store and export every metric of tenant-local day `day`; replaces earlier results.

        `engine`: `duckdb`, `spark`, or `auto` (by the size of the raw input window, see
        `touchpoint.rollup.engine_choice`); both write the same points, digests and exports.
        """
        config = self.config_of(tenant_id)
        local_today = (now or datetime.now(UTC)).astimezone(ZoneInfo(config.timezone)).date()
        if day > local_today:
            raise DayNotOverError(f"{day} has not begun yet in {config.timezone} (today is {local_today})")
        timings: dict[str, float] = {}
        seen = self._state.begin_run(tenant_id, day)
        run_id = new_run_id()
        log = {"tenant_id": tenant_id, "date": day.isoformat(), "run_id": run_id}
        logger.info("rollup started", extra={**log, "state": seen.status})
        with tempfile.TemporaryDirectory(prefix="rollup-", dir=self._workdir) as tmp:
            workdir = Path(tmp)
            with _timed(timings, "compact"):
                compacted = self._compact(tenant_id, day, config.timezone, now or datetime.now(UTC))
            with _timed(timings, "load"):
                loaded = self._loader.load_day(
                    tenant_id, day, config.timezone, workdir / "inputs", self._identity_links(tenant_id)
                )
                inputs = replace(loaded.inputs, case_facts=self._facts(tenant_id, day, config.timezone))
            chosen = choose_engine(engine, loaded.raw_bytes, self._spark_threshold_bytes)
            with _timed(timings, "compute"):
                compute = self._compute_day or _default_compute_day()
                points = compute(
                    inputs,
                    day,
                    config,
                    digest_out=workdir / "digests",
                    people_out=workdir / "people",
                    engine=chosen,
                )
            with _timed(timings, "store"):
                self._metrics.put_run(tenant_id, day, run_id, points)
            with _timed(timings, "export"):
                self._export(tenant_id, day, points, workdir)
                self._export_people(tenant_id, day, workdir / "people")
                digests_written = self._upload_digests(tenant_id, workdir / "digests")
        with _timed(timings, "flip"):
            finished = self._state.finish_run(tenant_id, day, run_id, seen)
        with _timed(timings, "cleanup"):
            removed = self._remove_replaced(tenant_id, day, run_id, finished.previous_run_id)
        if self._after_day is not None:
            # e.g. alert evaluation: idempotent per tenant-day, so a retried run may call it again;
            # an error here fails the invocation and the Lambda retry evaluates again.
            with _timed(timings, "after"):
                self._after_day(tenant_id, day)
        result = RollupResult(
            tenant_id=tenant_id,
            day=day,
            run_id=run_id,
            status=finished.status,
            points=len(points),
            previous_run_id=finished.previous_run_id,
            removed_runs=removed,
            input_objects=loaded.objects,
            input_bytes=loaded.bytes,
            timings=timings,
            raw_from=loaded.raw_from,
            digest_days_read=loaded.digest_days,
            digests_written=digests_written,
            days_compacted=compacted,
            engine=chosen,
        )
        logger.info("rollup finished", extra=result.summary())
        return result

    def _facts(self, tenant_id: str, day: date, timezone: str) -> list[CaseFactRow]:
        """The cases opened, first replied to or resolved from the start of D to the end of D + 2."""
        if self._case_facts is None:
            return []
        start = local_midnight_utc(day, timezone).replace(tzinfo=UTC)
        end = local_midnight_utc(day + timedelta(days=LOOP_DAYS_AFTER + 1), timezone).replace(tzinfo=UTC)
        return list(self._case_facts(tenant_id, start, end))

    def _compact(self, tenant_id: str, day: date, timezone: str, now: datetime) -> list[date]:
        """Compact the settled UTC days of the run's raw window (D - 1 .. D + 1); returns those compacted."""
        if self._compactor is None:
            return []
        window = input_windows(day, timezone, raw_from=day).events
        done: list[date] = []
        utc_day = window.first
        while utc_day <= window.last:
            if is_settled(utc_day, now):
                result = self._compactor.compact(tenant_id, utc_day)
                if result.outcome != "nothing to do":
                    logger.info("partition compacted", extra={"tenant_id": tenant_id, **result.summary()})
                if result.keys:
                    done.append(utc_day)
            utc_day += timedelta(days=1)
        return done

    def _export(self, tenant_id: str, day: date, points: Sequence[MetricPoint], workdir: Path) -> None:
        rows = export_rows(tenant_id, points)
        csv_key, parquet_key = export_keys(tenant_id, day)
        self._lake.put_bytes(csv_key, render_csv(rows), content_type="text/csv; charset=utf-8")
        self._lake.put_bytes(
            parquet_key, render_parquet(rows, workdir), content_type="application/vnd.apache.parquet"
        )

    def _export_people(self, tenant_id: str, day: date, folder: Path) -> None:
        """Put the day's per-person scores (when the engine wrote them) under `exports/people/`."""
        csv_path, parquet_path = folder / "engagement.csv", folder / "engagement.parquet"
        if not csv_path.exists():
            return
        csv_key, parquet_key = people_export_keys(tenant_id, day)
        self._lake.put_bytes(csv_key, csv_path.read_bytes(), content_type="text/csv; charset=utf-8")
        self._lake.put_bytes(
            parquet_key, parquet_path.read_bytes(), content_type="application/vnd.apache.parquet"
        )

    def _upload_digests(self, tenant_id: str, folder: Path) -> int:
        """Put every `<folder>/<day>/<table>.parquet` the engine wrote, each table into its own area
        (`touchpoint.storage.lake_layout.digest_key`); returns the days written."""
        if not folder.is_dir():
            return 0
        uploads = [
            (digest_key(tenant_id, date.fromisoformat(day_dir.name), path.stem), path)
            for day_dir in sorted(folder.iterdir())
            for path in sorted(day_dir.glob("*.parquet"))
        ]
        with ThreadPoolExecutor(max_workers=8, thread_name_prefix="rollup-digests") as pool:
            list(
                pool.map(
                    lambda upload: self._lake.put_bytes(
                        upload[0], upload[1].read_bytes(), content_type="application/vnd.apache.parquet"
                    ),
                    uploads,
                )
            )
        return len({path.parent.name for _, path in uploads})

    def _remove_replaced(self, tenant_id: str, day: date, run_id: str, previous: str | None) -> list[str]:
        try:
            return self._metrics.remove_replaced_runs(tenant_id, day, run_id, previous, self._abandoned_after)
        except Exception:  # best effort: old items are invisible to readers, a later run retries
            logger.exception("removing replaced rollup runs failed", extra={"tenant_id": tenant_id})
            return []


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = time.perf_counter() - start
