"""Both engines on one big tenant-day: landed as ingest lands it, compacted, rolled up by DuckDB and Spark.

    .venv/bin/python -m bench.engines [--events 2000000] [--people N] [--single-share 0.5]
                                      [--spark-driver-memory 6g] [--workdir DIR]

In-process, no HTTP, no AWS, everything on the local disk:

1. `touchpoint_testkit.synthetic.generate_day` writes one Europe/Berlin day of `--events` events
   (1 % duplicates, survey responses beside them);
2. landing: every event goes through `touchpoint.storage.landing.EventLanding.land`, the code
   ingest calls, `--single-share` of them one event per call (as analytics.js sends) and the rest
   100 per call (analytics-python's batches). Its Firehose client is `LocalFirehose` below: it
   buffers records per partition and writes an object whenever a partition's buffer reaches the
   stream's `SizeInMBs` (128 MiB, read from `infra/template.yaml`), cut and named by
   `touchpoint_cli.moto_firehose.deliver` with the stream's own destination settings (the
   partitioning the local stack uses: `raw/events/tenant=<t>/dt=<UTC day>/...jsonl.gz`). Not
   emulated: the 900 s interval flush (it adds objects, about 96 a day, not events);
3. compaction: each UTC-day partition through `touchpoint.rollup.compaction.compact_files` into
   one `raw/compacted/.../events-<ms>-<tag>.parquet`, as the rollup's compactor writes it;
4. timed: `touchpoint.engine.compute_day_result` on the compacted files and the responses,
   with digests and person files written as the worker writes them, once with
   `engine="duckdb"` (in process) and once with `engine="spark"` (the local-mode SparkSession of
   `touchpoint.engine.spark_backend`, `local[2]`); the two must give the same points (metric,
   breakdown, value, extra), the same person scores and the same count of skipped values, or the
   run exits 1;
5. references on the same compacted files: a bare read of each engine (the engine's own reader,
   `json_source` with the event column spec, then `count(*)`, `count(type)`, `count(context)`,
   `count(properties)`: every record parsed, nothing computed), and the ratio engine / reference.

Memory: DuckDB's figure is the process's peak RSS (Linux `VmHWM`, reset before the phase). For
Spark it is the Python process's peak plus the peak of every descendant process (the JVM that
pyspark starts; each `VmHWM` reset before the phase): the sum of two peaks, an upper bound of the
moment both were highest. The JVM's heap is `--spark-driver-memory` (`PYSPARK_SUBMIT_ARGS`; local
mode runs driver and executor in that one JVM). CPU: the Python process's own CPU time, and for
Spark also the JVM's (`/proc/<pid>/stat`), so the per-core rate can be read both by wall clock
times cores and by CPU seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import itertools
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import duckdb

from touchpoint.engine import DayResult, EngineInputs, EngineName, compute_day_result
from touchpoint.engine.backend import DuckDBBackend, SqlBackend
from touchpoint.engine.loading import EVENT_COLUMNS
from touchpoint.models.tenants import TenantConfig
from touchpoint.rollup.compaction import compact_files
from touchpoint.storage.lake_layout import EVENTS_AREA, compacted_key, partition_date, partition_prefix
from touchpoint.storage.landing import EventLanding
from touchpoint_cli.cfn import load_template
from touchpoint_cli.moto_firehose import deliver, parse_query, partition_keys
from touchpoint_testkit.synthetic import SyntheticDay, generate_day

if TYPE_CHECKING:
    from mypy_boto3_firehose import FirehoseClient

TENANT = "bench"
TIMEZONE = "Europe/Berlin"
DAY = date(2026, 3, 10)
BATCH_SIZE = 100
GB = 1024**3
MIB = 1024**2
_T = TypeVar("_T")


def stream_destination() -> dict[str, Any]:
    """`ExtendedS3DestinationConfiguration` of `EventsDeliveryStream` in `infra/template.yaml`."""
    resource = load_template()["Resources"]["EventsDeliveryStream"]
    return cast(dict[str, Any], resource["Properties"]["ExtendedS3DestinationConfiguration"])


class LocalFirehose:
    """`put_record_batch` of the events stream, delivered to a local folder (see the module doc).

    Buffers each partition's records and flushes it at the stream's buffer size; `flush()` writes
    what is left (the end of the day). `deliver` (the local stack's Firehose partitioning) names
    and gzips each object.
    """

    def __init__(self, root: Path, destination: dict[str, Any], buffer_bytes: int | None = None) -> None:
        self.root = root
        self._destination = destination
        self._fields = parse_query(
            next(
                p["ParameterValue"]
                for processor in destination["ProcessingConfiguration"]["Processors"]
                for p in processor["Parameters"]
                if p["ParameterName"] == "MetadataExtractionQuery"
            )
        )
        hints = destination.get("BufferingHints", {})
        self.buffer_bytes = buffer_bytes or int(hints.get("SizeInMBs", 5)) * MIB
        self._buffers: dict[tuple[tuple[str, str], ...], list[bytes]] = {}
        self._sizes: dict[tuple[tuple[str, str], ...], int] = {}
        self.calls = 0
        self.objects: list[Path] = []

    def put_record_batch(self, *, DeliveryStreamName: str, Records: list[dict[str, bytes]]) -> dict[str, Any]:  # noqa: N803 - boto3's names
        """Take the records (none is refused), flushing every partition whose buffer is full."""
        self.calls += 1
        for record in Records:
            keys = partition_keys(record["Data"], self._fields)
            partition = tuple(sorted((keys or {}).items()))
            self._buffers.setdefault(partition, []).append(record["Data"])
            self._sizes[partition] = self._sizes.get(partition, 0) + len(record["Data"])
            if self._sizes[partition] >= self.buffer_bytes:
                self._flush(partition, DeliveryStreamName)
        return {"FailedPutCount": 0, "RequestResponses": [{"RecordId": "local"} for _ in Records]}

    def _flush(self, partition: tuple[tuple[str, str], ...], stream: str) -> None:
        records = [{"Data": data} for data in self._buffers.pop(partition, [])]
        self._sizes.pop(partition, None)
        for key, body in deliver(stream, "1", self._destination, records).items():
            path = self.root / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            self.objects.append(path)

    def flush(self, stream: str) -> None:
        """Deliver every partition's buffer (the stream's flush at the end of its interval)."""
        for partition in list(self._buffers):
            self._flush(partition, stream)


def _events(files: list[Path]) -> Iterator[dict[str, Any]]:
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                yield json.loads(line)


@dataclass(frozen=True)
class Landing:
    """What the landing did: calls, objects and seconds of each request kind."""

    single_events: int
    batch_events: int
    single_seconds: float
    batch_seconds: float
    calls: int
    objects: list[Path]


def land(day: SyntheticDay, root: Path, single_share: float) -> Landing:
    """Land the day's events through `EventLanding` (see the module doc); objects under `root`."""
    destination = stream_destination()
    stream = "touchpoint-bench-events"
    firehose = LocalFirehose(root, destination)
    landing = EventLanding(cast("FirehoseClient", firehose), stream)
    events = _events(day.event_files)
    singles = round(day.event_lines * single_share)
    started = time.perf_counter()
    for event in itertools.islice(events, singles):
        landing.land(TENANT, [event])
    single_seconds = time.perf_counter() - started
    started = time.perf_counter()
    batched = 0
    while batch := list(itertools.islice(events, BATCH_SIZE)):
        landing.land(TENANT, batch)
        batched += len(batch)
    firehose.flush(stream)
    batch_seconds = time.perf_counter() - started
    return Landing(singles, batched, single_seconds, batch_seconds, firehose.calls, firehose.objects)


def compact(landing: Landing, root: Path) -> list[Path]:
    """One compacted Parquet file per UTC-day partition of the landed objects."""
    by_day: dict[date, list[Path]] = {}
    for path in landing.objects:
        utc_day = partition_date(path.parent.relative_to(root).as_posix() + "/")
        if utc_day is None or not path.parent.relative_to(root).as_posix().startswith(
            partition_prefix(EVENTS_AREA, TENANT).rstrip("/")
        ):
            raise RuntimeError(f"an object outside the tenant's partitions: {path}")
        by_day.setdefault(utc_day, []).append(path)
    stamp = int(datetime.now(UTC).timestamp() * 1000)
    targets = []
    for utc_day, paths in sorted(by_day.items()):
        target = root / compacted_key(TENANT, utc_day, stamp, "bench")
        target.parent.mkdir(parents=True, exist_ok=True)
        compact_files(paths, [], target)
        targets.append(target)
    return targets


def bare_read(backend: SqlBackend, files: list[str]) -> tuple[int, ...]:
    """The engine's reader over the compacted files, every record parsed, then counted."""
    source, params = backend.json_source([], files, EVENT_COLUMNS)
    row = backend.fetch(
        f"SELECT count(*), count(type), count(context), count(properties) FROM {source} AS src",
        params,
    )[0]
    return tuple(int(value) for value in row)


# ---- processes -------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (the JVM pyspark starts, through its launcher)."""
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@dataclass(frozen=True)
class Phase:
    """One timed phase: wall seconds, CPU seconds (this process + children) and peak memory."""

    seconds: float
    cpu_seconds: float
    child_cpu_seconds: float
    python_peak: float
    child_peak: float

    @property
    def peak(self) -> float:
        """Python's peak plus the children's (bytes)."""
        return self.python_peak + self.child_peak


def phase(fn: Callable[[], _T]) -> tuple[_T, Phase]:
    """Run `fn` measuring this process and its descendants (peaks reset before)."""
    me = os.getpid()
    children = descendants(me)
    for pid in (me, *children):
        with contextlib.suppress(OSError):
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # peak RSS := current RSS (Linux >= 4.0)
    child_cpu = sum(_cpu_seconds(pid) for pid in children)
    cpu, start = time.process_time(), time.perf_counter()
    result = fn()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    children = descendants(me)
    child_cpu = sum(_cpu_seconds(pid) for pid in children) - child_cpu
    child_peak = sum(_status_kb(pid, "VmHWM") for pid in children) * 1024.0
    return result, Phase(seconds, cpu, child_cpu, _status_kb(me, "VmHWM") * 1024.0, child_peak)


# ---- the run ---------------------------------------------------------------------------------


def _points(result: DayResult) -> dict[tuple[str, str], tuple[float | None, dict[str, Any]]]:
    return {(p.metric, p.breakdown_key): (p.value, p.extra) for p in result.points}


def differences(duck: DayResult, spark: DayResult) -> list[str]:
    """What differs between the two engines' results (empty when they agree)."""
    found: list[str] = []
    a, b = _points(duck), _points(spark)
    for key in sorted(a.keys() | b.keys()):
        if a.get(key) != b.get(key):
            found.append(f"{key}: duckdb {a.get(key)} / spark {b.get(key)}")
    if duck.person_scores.keys() != spark.person_scores.keys():
        found.append(f"person ids: {len(duck.person_scores)} / {len(spark.person_scores)}")
    else:
        gaps = {p: abs(spark.person_scores[p] - s) for p, s in duck.person_scores.items()}
        off = [p for p, gap in gaps.items() if gap > 1e-9]
        if off:
            found.append(
                f"{len(off)} person scores differ, e.g. {off[0]}, by at most {max(gaps.values()):.3g}"
            )
    if duck.skipped_values != spark.skipped_values:
        found.append(f"skipped values {duck.skipped_values} / {spark.skipped_values}")
    return found


def _gb(value: float) -> str:
    return f"{value / GB:.2f} GB"


def main(argv: list[str] | None = None) -> int:
    """Generate, land, compact, run both engines and their references, compare and print."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000, help="distinct events of the tenant-day")
    parser.add_argument("--people", type=int, default=0, help="people (default: events / 20)")
    parser.add_argument("--single-share", type=float, default=0.5, help="share landed one event per call")
    parser.add_argument("--spark-driver-memory", default="6g", help="heap of the local Spark JVM")
    parser.add_argument("--workdir", type=Path, default=None, help="kept when given (else a temp dir)")
    args = parser.parse_args(argv)
    if args.events < 1 or not 0.0 <= args.single_share <= 1.0:
        parser.error("--events must be positive and --single-share within 0..1")
    os.environ["PYSPARK_SUBMIT_ARGS"] = f"--driver-memory {args.spark_driver_memory} pyspark-shell"
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-engines-"))
    cores = os.cpu_count() or 1
    started = time.perf_counter()
    print(
        f"{cores} CPUs, load average {os.getloadavg()[0]:.1f} at the start; {args.events:,} events, "
        f"{TIMEZONE} day {DAY}; workdir {workdir}",
        flush=True,
    )

    generated, gen_s = timed(
        lambda: generate_day(
            workdir / "generated",
            DAY,
            events=args.events,
            people=args.people or max(1_000, args.events // 20),
            timezone=TIMEZONE,
        )
    )
    print(
        f"generated: {generated.event_lines:,} event lines, {generated.response_lines:,} responses "
        f"({gen_s:.0f} s)",
        flush=True,
    )
    lake = workdir / "lake"
    landing = land(generated, lake, args.single_share)
    landed_bytes = sum(p.stat().st_size for p in landing.objects)
    print(
        f"landed through EventLanding: {landing.single_events:,} events one per call "
        f"({landing.single_seconds:.1f} s, {landing.single_events / landing.single_seconds:,.0f} events/s), "
        f"{landing.batch_events:,} in calls of {BATCH_SIZE} ({landing.batch_seconds:.1f} s, "
        f"{landing.batch_events / max(landing.batch_seconds, 1e-9):,.0f} events/s); {landing.calls:,} "
        f"PutRecordBatch calls, {len(landing.objects)} objects, {landed_bytes / MIB:.1f} MiB gzip",
        flush=True,
    )
    compacted, compaction = phase(lambda: compact(landing, lake))
    files = [str(p) for p in compacted]
    with duckdb.connect() as con:
        rows = con.execute("SELECT count(*) FROM read_parquet($f)", {"f": files}).fetchone()
    events_read = int(rows[0]) if rows else 0
    print(
        f"compacted: {len(compacted)} Parquet files (one per UTC day), {events_read:,} distinct events, "
        f"{sum(p.stat().st_size for p in compacted) / MIB:.1f} MiB; {compaction.seconds:.1f} s, "
        f"peak {_gb(compaction.python_peak)}",
        flush=True,
    )
    for path in landing.objects:
        path.unlink()
    inputs = EngineInputs(event_files=files, response_files=[str(p) for p in generated.response_files])
    config = TenantConfig(timezone=TIMEZONE)

    def engine_run(engine: EngineName) -> DayResult:
        out = workdir / engine
        return compute_day_result(
            inputs, DAY, config, digest_out=out / "digests", people_out=out / "people", engine=engine
        )

    duck, duck_phase = phase(lambda: engine_run("duckdb"))
    duck_backend = DuckDBBackend()
    try:
        duck_counts, duck_ref = phase(lambda: bare_read(duck_backend, files))
    finally:
        duck_backend.close()
    print(
        f"duckdb engine: {duck_phase.seconds:.1f} s, {duck_phase.cpu_seconds:.1f} CPU-s, peak RSS "
        f"{_gb(duck_phase.python_peak)}, {len(duck.points)} points; bare read {duck_ref.seconds:.1f} s "
        f"(peak {_gb(duck_ref.python_peak)}, counts {duck_counts})",
        flush=True,
    )

    from touchpoint.engine.spark_backend import SparkBackend, local_session

    _, session_phase = phase(local_session)
    spark, spark_phase = phase(lambda: engine_run("spark"))
    spark_backend = SparkBackend()
    try:
        spark_counts, spark_ref = phase(lambda: bare_read(spark_backend, files))
    finally:
        spark_backend.close()
    print(
        f"spark engine: {spark_phase.seconds:.1f} s, CPU {spark_phase.cpu_seconds:.1f} s Python + "
        f"{spark_phase.child_cpu_seconds:.1f} s JVM, peak {_gb(spark_phase.python_peak)} Python + "
        f"{_gb(spark_phase.child_peak)} JVM, {len(spark.points)} points; session start "
        f"{session_phase.seconds:.1f} s; bare read {spark_ref.seconds:.1f} s (JVM peak "
        f"{_gb(spark_ref.child_peak)}, counts {spark_counts})",
        flush=True,
    )

    found = differences(duck, spark)
    summary = [
        "",
        f"| engine | time | CPU-s | peak memory | events/s (wall) | events per core-second (wall x {cores}) | bare read | engine / bare read |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, run, ref, peak in (
        ("DuckDB (in process)", duck_phase, duck_ref, _gb(duck_phase.python_peak) + " RSS"),
        (
            f"Spark (local[2], driver {args.spark_driver_memory})",
            spark_phase,
            spark_ref,
            f"{_gb(spark_phase.peak)} ({_gb(spark_phase.python_peak)} Python + {_gb(spark_phase.child_peak)} JVM)",
        ),
    ):
        summary.append(
            f"| {name} | {run.seconds:.1f} s | {run.cpu_seconds + run.child_cpu_seconds:.1f} | {peak} | "
            f"{events_read / run.seconds:,.0f} | {events_read / run.seconds / cores:,.0f} | "
            f"{ref.seconds:.1f} s | {run.seconds / ref.seconds:.1f}x |"
        )
    print("\n".join(summary))
    print(
        f"\nspark / duckdb: {spark_phase.seconds / duck_phase.seconds:.1f}x wall; "
        f"points {'EQUAL' if not found else 'DIFFERENT'} ({len(duck.points)} points, "
        f"{len(duck.person_scores):,} person scores); bare-read counts "
        f"{'equal' if duck_counts == spark_counts else 'DIFFERENT'}"
    )
    print(f"load average {os.getloadavg()[0]:.1f} at the end; {time.perf_counter() - started:.0f} s in all")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    if found or duck_counts != spark_counts:
        for line in found[:20]:
            print("DIFF", line, file=sys.stderr)
        return 1
    return 0


def timed(fn: Callable[[], _T]) -> tuple[_T, float]:
    """`fn()` and its wall seconds."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


if __name__ == "__main__":
    raise SystemExit(main())
