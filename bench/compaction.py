"""Compaction in chunks: peak memory and time of one tenant-day's compaction per chunk size.

    .venv/bin/python -m bench.compaction [--events 2000000] [--people N] [--chunk-mib 64 0]
                                         [--single-share 0.0] [--workdir DIR [--reuse]]

1. `touchpoint_testkit.synthetic.generate_day` writes one Europe/Berlin day of `--events` events
   (1 % duplicates), landed through `touchpoint.storage.landing.EventLanding` into the objects
   Firehose would write (`bench.engines.land`: 128 MiB buffers, gzip, the stream's key layout);
   `--single-share` of the events one per call (object sizes do not depend on it: the buffer is
   cut by bytes); `--reuse` compacts the objects an earlier run left in `--workdir` instead;
2. for each `--chunk-mib` (0: one chunk for the whole partition, the compaction before chunks), a
   fresh Python process puts the landed objects into an in-process moto S3 bucket and runs
   `touchpoint.rollup.compaction.Compactor.compact` (the rollup's code: list, plan chunks,
   download, DuckDB, upload, ETag-checked deletes) on each UTC-day partition with that chunk size;
   measured: wall time, CPU time, and the peak RSS during the compaction (Linux `VmHWM`, reset
   after the upload), also above the RSS before it (moto's copy of the landed objects included in
   the baseline);
3. checked: every variant keeps the same distinct messageIds (the union of its files, counted once)
   as the one-chunk run, or the run exits 1; printed: chunks, files, rows (duplicates across chunk
   files included), seconds, peak and the ratio of each variant's peak and time to the one-chunk run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

import duckdb

from bench.engines import DAY, TENANT, TIMEZONE, land
from touchpoint.storage.lake_layout import EVENTS_AREA, partition_date, partition_prefix
from touchpoint_testkit.synthetic import generate_day

MIB = 1024**2
GB = 1024**3
BUCKET = "bench-lake"
REGION = "eu-central-1"


@dataclass(frozen=True)
class Variant:
    """One compaction of every landed partition with one chunk size (what the child process reports)."""

    chunk_mib: int
    chunks: int
    files: int
    rows: int
    distinct: int
    compacted_mib: float
    seconds: float
    cpu_seconds: float
    baseline_rss: float
    peak_rss: float

    @property
    def above_baseline(self) -> float:
        """Peak RSS minus the RSS before the compaction (bytes)."""
        return self.peak_rss - self.baseline_rss


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def run_variant(lake_root: Path, chunk_mib: int, workdir: Path) -> Variant:
    """Upload the landed objects into moto S3 and compact every partition (in this process)."""
    import boto3
    from moto import mock_aws

    from touchpoint.rollup.compaction import Compactor
    from touchpoint.storage.lake import LakeRepository
    from touchpoint.storage.lake_maintenance import LakeMaintenanceRepository

    objects = sorted(p for p in lake_root.rglob("*.gz") if p.is_file())
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration=cast(Any, {"LocationConstraint": REGION}))
        days = set()
        for path in objects:
            key = path.relative_to(lake_root).as_posix()
            s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())
            utc_day = partition_date(key.rsplit("/", 1)[0] + "/")
            if utc_day is None or not key.startswith(partition_prefix(EVENTS_AREA, TENANT)):
                raise RuntimeError(f"an object outside the tenant's partitions: {key}")
            days.add(utc_day)
        lake = LakeRepository(s3, BUCKET)
        compactor = Compactor(
            lake,
            LakeMaintenanceRepository(s3, BUCKET),
            lambda _: 0,
            workdir=workdir,
            chunk_bytes=chunk_mib * MIB if chunk_mib else 2**62,
        )
        baseline = _status_kb("VmRSS") * 1024.0
        Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS (Linux >= 4.0)
        cpu, started = time.process_time(), time.perf_counter()
        results = [compactor.compact(TENANT, utc_day) for utc_day in sorted(days)]
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = _status_kb("VmHWM") * 1024.0
        keys = [key for result in results for key in result.keys]
        out = workdir / f"out-{chunk_mib}"
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for index, key in enumerate(keys):
            path = out / f"{index:04d}.parquet"
            path.write_bytes(lake.get_bytes(key))
            paths.append(str(path))
    with duckdb.connect() as con:
        counted = con.execute(
            "SELECT count(*), count(DISTINCT message_id) FROM read_parquet($f)", {"f": paths}
        ).fetchone()
    rows, distinct = (int(counted[0]), int(counted[1])) if counted else (0, 0)
    return Variant(
        chunk_mib=chunk_mib,
        chunks=sum(r.chunks for r in results),
        files=len(keys),
        rows=rows,
        distinct=distinct,
        compacted_mib=sum(Path(p).stat().st_size for p in paths) / MIB,
        seconds=seconds,
        cpu_seconds=cpu,
        baseline_rss=baseline,
        peak_rss=peak,
    )


def _child(lake_root: Path, chunk_mib: int, workdir: Path) -> Variant:
    """Run one variant in a fresh interpreter, so that no earlier variant's memory counts."""
    workdir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "bench.compaction",
        "--child",
        str(lake_root),
        "--chunk-mib",
        str(chunk_mib),
    ]
    done = subprocess.run([*command, "--workdir", str(workdir)], check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the chunk {chunk_mib} MiB run failed:\n{done.stderr}")
    return Variant(**json.loads(done.stdout.strip().splitlines()[-1]))


def _gb(value: float) -> str:
    return f"{value / GB:.2f} GB"


def main(argv: list[str] | None = None) -> int:
    """Generate and land the day once, compact it with each chunk size, compare and print."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000, help="distinct events of the tenant-day")
    parser.add_argument("--people", type=int, default=0, help="people (default: events / 20)")
    parser.add_argument(
        "--chunk-mib", type=int, nargs="+", default=[64, 0], help="chunk sizes (0: one chunk)"
    )
    parser.add_argument("--single-share", type=float, default=0.0, help="share landed one event per call")
    parser.add_argument("--workdir", type=Path, default=None, help="kept when given (else a temp dir)")
    parser.add_argument(
        "--reuse", action="store_true", help="compact the objects an earlier run landed in --workdir"
    )
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        [chunk_mib] = args.chunk_mib
        print(json.dumps(asdict(run_variant(args.child, chunk_mib, args.workdir))))
        return 0
    if args.events < 1 or any(c < 0 for c in args.chunk_mib) or not 0.0 <= args.single_share <= 1.0:
        parser.error("--events must be positive, --chunk-mib not negative, --single-share within 0..1")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-compaction-"))
    print(
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start; {args.events:,} events, "
        f"{TIMEZONE} day {DAY}; workdir {workdir}",
        flush=True,
    )
    lake_root = workdir / "lake"
    if args.reuse and lake_root.is_dir():
        objects = sorted(lake_root.rglob("*.gz"))
        landed_bytes = sum(p.stat().st_size for p in objects)
        print(f"reusing {len(objects)} landed objects, {landed_bytes / MIB:.1f} MiB gzip, in {lake_root}")
    else:
        generated = generate_day(
            workdir / "generated",
            DAY,
            events=args.events,
            people=args.people or max(1_000, args.events // 20),
            timezone=TIMEZONE,
        )
        landing = land(generated, lake_root, args.single_share)
        landed_bytes = sum(p.stat().st_size for p in landing.objects)
        print(
            f"landed: {generated.event_lines:,} event lines in {len(landing.objects)} objects, "
            f"{landed_bytes / MIB:.1f} MiB gzip ({landed_bytes / generated.event_lines:.1f} B per event)",
            flush=True,
        )
    variants: list[Variant] = []
    for chunk_mib in args.chunk_mib:
        variant = _child(lake_root, chunk_mib, workdir / f"run-{chunk_mib}")
        variants.append(variant)
        print(
            f"chunk {'one' if not chunk_mib else f'{chunk_mib} MiB'}: {variant.chunks} chunks, {variant.files} files "
            f"({variant.compacted_mib:.1f} MiB), {variant.rows:,} rows, {variant.distinct:,} distinct; "
            f"{variant.seconds:.1f} s ({variant.cpu_seconds:.1f} CPU-s), peak RSS {_gb(variant.peak_rss)} "
            f"({_gb(variant.above_baseline)} above the {_gb(variant.baseline_rss)} before)",
            flush=True,
        )
    whole = next((v for v in variants if v.chunk_mib == 0), None)
    failed = False
    if whole is not None:
        for variant in variants:
            if variant.distinct != whole.distinct:
                print(f"DIFFERENT EVENTS: chunk {variant.chunk_mib} MiB kept {variant.distinct:,} distinct")
                failed = True
            elif variant is not whole:
                print(
                    f"chunk {variant.chunk_mib} MiB / one chunk: peak RSS {variant.peak_rss / whole.peak_rss:.2f}x "
                    f"(above baseline {variant.above_baseline / whole.above_baseline:.2f}x), "
                    f"time {variant.seconds / whole.seconds:.2f}x; cross-chunk duplicate rows "
                    f"{variant.rows - variant.distinct:,}"
                )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
