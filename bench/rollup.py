"""Benchmark: the full rollup of a 1-million-event tenant-day against a reference DuckDB query.

    .venv/bin/python bench/rollup.py [--events 1000000] [--people 50000] [--repeat 2]

1. `touchpoint_testkit.synthetic.generate_day` writes one day (about 50,000 people, every event
   kind of the tracking plan, survey responses, 1 % duplicates) as gzip JSON lines;
2. the files are put into the moto lake of an in-process moto (the resources of `infra/`) under
   the tenant's `dt=<day>` partitions (every partition of the load window holds what the engine
   needs, so which one holds a file does not change the result);
3. timed: `RollupService.run_day` for that day, exactly as the worker Lambda runs it (list the
   366-day window, download concurrently, run the engine, write every point to DynamoDB, write
   the CSV and Parquet exports, flip the day's pointer, remove the previous run);
4. timed: `touchpoint_testkit.reference.reference_metrics`, one plain DuckDB query computing
   sessions, pages per session, bounce rate, conversion rate, DAU, revenue and NPS on the same
   (local) files;
5. printed: both times (best of `--repeat`), their ratio, and the peak resident memory of each
   phase (Linux `VmHWM`, reset before the phase; the rollup's includes moto's in-memory lake).

Goal (the rollup issue): rollup <= 3x the reference, peak < 1.5 GB.

`--history-days N --history-events M` also puts N earlier days of M events each (the same people)
into the lake, to show what the history costs; the reference still reads day D only. With
`--roll-history` those days are rolled up first, in day order, as the nightly runs would have
done (untimed, their total printed), so the timed run reads their digests instead of their raw
events; without it the timed run finds no digests, reads the whole year raw and heals them. `generate_day` numbers ids from 1 every day, so the history's messageIds,
order ids and responseIds get a day prefix (real SDKs never repeat them).
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
        "TOUCHPOINT_STAGE": "test",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3
from moto import mock_aws

from touchpoint.models.tenants import TenantConfig
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import Runtime, get_runtime, reset_runtime
from touchpoint.storage.lake_layout import EVENTS_AREA, RESPONSES_AREA, partition_prefix
from touchpoint_cli.resources import deploy_stack
from touchpoint_testkit.reference import reference_metrics
from touchpoint_testkit.synthetic import SyntheticDay, generate_day

TENANT = "bench"
REFERENCE_METRICS = (
    "sessions",
    "pages_per_session",
    "bounce_rate",
    "conversion_rate",
    "dau",
    "revenue",
    "nps",
)
_T = TypeVar("_T")
GB = 1024**3


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the process's peak RSS (Linux >= 4.0); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measured(fn: Callable[[], _T]) -> tuple[_T, float, float | None]:
    """Run `fn`; returns its result, the wall time and the peak RSS in bytes during the run."""
    can_reset = _reset_peak()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak_kb = _status_kb("VmHWM") if can_reset else None
    return result, seconds, None if peak_kb is None else peak_kb * 1024.0


def upload(runtime: Runtime, day: SyntheticDay) -> int:
    """Put the generated files into the tenant's lake partitions; returns the bytes stored."""
    total = 0
    for area, files in ((EVENTS_AREA, day.event_files), (RESPONSES_AREA, day.response_files)):
        for path in files:
            body = path.read_bytes()
            key = partition_prefix(area, TENANT, day.day) + path.name
            runtime.lake.put_bytes(key, body, content_type="application/x-ndjson", encoding="gzip")
            total += len(body)
    return total


def tag_ids(path: Path, tag: str) -> bytes:
    """The file's gzip JSON lines with day-unique messageIds, order ids and responseIds."""
    text = gzip.decompress(path.read_bytes())
    for field, prefix in ((b"messageId", b"m-"), (b"order_id", b"o-"), (b"responseId", b"r-")):
        text = text.replace(b'"%s":"%s' % (field, prefix), b'"%s":"%s-%s' % (field, tag.encode(), prefix))
    return gzip.compress(text, compresslevel=1, mtime=0)


def upload_history(runtime: Runtime, workdir: Path, day: date, days: int, events: int, people: int) -> int:
    """Generate and store `days` days before `day`; returns the bytes stored."""
    total = 0
    for n in range(days, 0, -1):
        past = day - timedelta(days=n)
        generated = generate_day(workdir / "history", past, events=events, people=people)
        for area, files in ((EVENTS_AREA, generated.event_files), (RESPONSES_AREA, generated.response_files)):
            for path in files:
                body = tag_ids(path, past.strftime("%Y%m%d"))
                key = partition_prefix(area, TENANT, past) + path.name
                runtime.lake.put_bytes(key, body, content_type="application/x-ndjson", encoding="gzip")
                total += len(body)
                path.unlink()
    return total


def _fmt_gb(value: float | None) -> str:
    return "n/a" if value is None else f"{value / GB:.2f} GB"


def main(argv: list[str] | None = None) -> int:
    """Generate, upload, time both and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 3, 10))
    parser.add_argument("--repeat", type=int, default=2, help="runs of each timed phase (best is reported)")
    parser.add_argument("--workdir", type=Path, default=None, help="where to generate (default: a temp dir)")
    parser.add_argument("--history-days", type=int, default=0, help="earlier days in the lake")
    parser.add_argument("--history-events", type=int, default=100_000, help="events per earlier day")
    parser.add_argument(
        "--roll-history", action="store_true", help="roll the earlier days up first (their digests exist)"
    )
    parser.add_argument(
        "--lambda-memory",
        type=int,
        default=None,
        help="simulate a Lambda of this many MB (DuckDB memory limit)",
    )
    args = parser.parse_args(argv)
    if args.lambda_memory:
        os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(args.lambda_memory)

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-rollup-"))
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    print(
        f"generating {args.events:,} events ({args.people:,} people) for {args.day} in {workdir} ...",
        flush=True,
    )
    started = time.perf_counter()
    day = generate_day(workdir / "gen", args.day, events=args.events, people=args.people)
    size = sum(p.stat().st_size for p in [*day.event_files, *day.response_files])
    print(
        f"  {day.event_lines:,} event lines (duplicates included), {day.response_lines:,} response lines, "
        f"{size / 1e6:.1f} MB gzip, {time.perf_counter() - started:.1f} s",
        flush=True,
    )

    with mock_aws():
        reset_runtime()
        deploy_stack(boto3.client("cloudformation", region_name="eu-central-1"), "test")
        runtime = get_runtime()
        runtime.tenants.create_tenant(TENANT, "Bench", TenantConfig())
        stored = upload(runtime, day)
        print(f"  uploaded {stored / 1e6:.1f} MB into s3://{runtime.settings.lake_bucket}/", flush=True)
        if args.history_days:
            started = time.perf_counter()
            history = upload_history(
                runtime, workdir, args.day, args.history_days, args.history_events, args.people
            )
            print(
                f"  history: {args.history_days} earlier days of {args.history_events:,} events, "
                f"{history / 1e6:.1f} MB, {time.perf_counter() - started:.1f} s",
                flush=True,
            )
        service = build_service(runtime)
        if args.history_days and args.roll_history:
            started = time.perf_counter()
            for n in range(args.history_days, 0, -1):
                service.run_day(TENANT, args.day - timedelta(days=n))
            print(
                f"  history rolled up day by day (digests written): {time.perf_counter() - started:.1f} s",
                flush=True,
            )
        base_kb = _status_kb("VmRSS")

        rollups: list[tuple[Any, float, float | None]] = []
        for n in range(args.repeat):
            rollups.append(measured(lambda: service.run_day(TENANT, args.day)))
            result, seconds, peak = rollups[-1]
            phases = ", ".join(f"{k} {v:.2f}" for k, v in result.timings.items())
            print(
                f"rollup run {n + 1}: {seconds:.2f} s ({phases}), {result.points} points, peak {_fmt_gb(peak)}, "
                f"raw from {result.raw_from}, {result.digest_days_read} digest days read, "
                f"{result.input_bytes / 1e6:.1f} MB loaded"
            )
        engine_values = {
            metric: next(
                (
                    p.value
                    for p in runtime.metrics.read(TENANT, metric, args.day, args.day)
                    if not p.breakdown
                ),
                None,
            )
            for metric in REFERENCE_METRICS
        }

    references: list[tuple[dict[str, float | None], float, float | None]] = []
    for n in range(args.repeat):
        references.append(measured(lambda: reference_metrics(day.event_files, day.response_files, args.day)))
        print(f"reference run {n + 1}: {references[-1][1]:.2f} s, peak {_fmt_gb(references[-1][2])}")

    best_rollup = min(rollups, key=lambda r: r[1])
    best_reference = min(references, key=lambda r: r[1])
    ratio = best_rollup[1] / best_reference[1]
    rollup_peak = max((r[2] or 0.0) for r in rollups) or None
    print()
    print(
        f"rollup (best of {args.repeat}):     {best_rollup[1]:8.2f} s   (list + download, engine, DynamoDB, exports)"
    )
    print(
        f"reference (best of {args.repeat}):  {best_reference[1]:8.2f} s   (one DuckDB query, 7 metrics, local files)"
    )
    print(f"ratio:                  {ratio:8.2f} x   goal <= 3x: {'met' if ratio <= 3 else 'NOT met'}")
    engine_seconds = best_rollup[0].timings.get("compute", 0.0)
    outside = best_rollup[1] - engine_seconds
    print(
        f"  of which the engine:  {engine_seconds:8.2f} s   ({engine_seconds / best_reference[1]:.2f} x the reference); "
        f"load, store, export, flip, cleanup: {outside:.2f} s ({outside / best_reference[1]:.2f} x)"
    )
    print(
        f"peak RSS, rollup:       {_fmt_gb(rollup_peak):>10}   goal < 1.5 GB: "
        f"{'met' if rollup_peak is not None and rollup_peak < 1.5 * GB else 'NOT met'} "
        f"(process RSS before: {_fmt_gb(None if base_kb is None else base_kb * 1024.0)}, moto's lake included)"
    )
    print(f"peak RSS, reference:    {_fmt_gb(max((r[2] or 0.0) for r in references) or None):>10}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print()
    print(f"{'metric':<20}{'rollup (engine)':>18}{'reference':>18}")
    for metric in REFERENCE_METRICS:
        ours, theirs = engine_values.get(metric), best_reference[0].get(metric)
        print(
            f"{metric:<20}{'-' if ours is None else f'{ours:.6g}':>18}{'-' if theirs is None else f'{theirs:.6g}':>18}"
        )
    print(
        "(the engine stitches anonymous ids to users, the reference does not: small differences are expected)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
