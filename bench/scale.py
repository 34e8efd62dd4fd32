"""Scale model (issue 12): one tenant with 50 M events a day, and 1,000 tenants with 100,000 each.

    .venv/bin/python -m bench.scale [--sizes 100000,300000,1000000] [--batches 200] [--singles 500]
                                    [--s3-latency-ms 0] [--single-share 0.5]

MEASURED here, in-process against moto with the resources of `infra/` (moto is not AWS: its
calls cost Python time, not network round trips; the projection adds assumed round trips):

- ingest: the Chalice app on 100-event batches (`/v1/batch`, the workload of `bench/ingest.py`)
  and on 1-event requests (`/v1/track`): ms per request outside the boto3 calls, and the AWS
  calls each makes;
- `PutRecordBatch` per call (500 records and 1 record) and S3 GET per object and per MB (moto;
  `--s3-latency-ms` adds a sleep per S3 call, as `bench/ingest.py` does);
- bytes per event of the landing records ingest put into the stream: their JSON, gzip (level 6)
  of them in one large stream (as Firehose compresses a 128 MiB buffer), and Parquet (zstd);
- the rollup (`RollupService.run_day`, the worker's code) on days of `--sizes` events made by
  `touchpoint_testkit.synthetic.generate_day`: seconds and peak RSS, fitted to a line per million
  events; the same for the compaction (`touchpoint.rollup.compaction.compact_files`: the day's
  gzip JSON lines to one sorted Parquet, one row per messageId), or, where that module does not
  exist, a DuckDB proxy doing the same (the run says which it timed).

MODELLED (`bench/scale_model.py`: documented AWS facts and us-east-1 list prices, each cited
there, plus assumptions named ASSUMED_...): objects, bytes, requests, projected time, Lambda
limit check and daily cost of every stage of both scenarios; which engine the dispatcher picks
(the three-day raw window against `DEFAULT_SPARK_THRESHOLD_BYTES`); the rollup of the 50 M tenant
on EMR Serverless from the Spark engine's rate measured in local mode by `bench/engines.py`
(the `MEASURED_SPARK_*` figures; the application's start and the scaling from 2 local cores to
the executors are assumptions); and the record-aggregation option (several events of one request and UTC day in one Firehose record,
split again by Firehose's RecordDeAggregation JSON processor), not implemented.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib
import json
import logging
import os
import shutil
import statistics
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import duckdb
from botocore.client import BaseClient
from chalice.local import LambdaContext
from moto import mock_aws

from bench.ingest import (
    CallCounter,
    api_gateway_event,
    bench_tenant,
    make_batches,
    measure,
)
from bench.rollup import TENANT, measured, upload
from bench.scale_model import (
    GB,
    MIB,
    Line,
    Rates,
    Scenario,
    Stage,
    fit_line,
    model_scenario,
)
from touchpoint.engine.history import ACTIVITY_DAYS, DIGEST_TABLES
from touchpoint.models.tenants import TenantConfig
from touchpoint.observability import logger
from touchpoint.rollup.inputs import LOOKBACK_DAYS
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import get_runtime, reset_runtime
from touchpoint.storage.lake_layout import EVENTS_AREA
from touchpoint_cli.apps import load_app
from touchpoint_cli.resources import deploy_stack
from touchpoint_testkit.synthetic import generate_day

warnings.filterwarnings("ignore", message="Tried to parse", category=UserWarning)
logging.getLogger("moto").setLevel(logging.ERROR)  # resources moto skips (Glue, Athena): expected

#: Logs and EMF of the measured code are produced, then dropped (the whole run).
_SINK = open(os.devnull, "w")  # noqa: SIM115
logger.registered_handler.setStream(_SINK)  # type: ignore[attr-defined]

REGION = "eu-central-1"  # moto's region; the prices are us-east-1's (bench/scale_model.py)


@dataclass
class IngestMeasurement:
    """Per-request figures of the ingest handler, and the records it landed."""

    batch_own_ms: float
    batch_wall_ms: float
    batch_p99_ms: float
    batch_calls: dict[str, float]
    batch_items: dict[str, float]
    single_own_ms: float
    single_wall_ms: float
    single_calls: dict[str, float]
    single_items: dict[str, float]
    landed_lines: list[bytes]
    put_500_ms: float
    put_1_ms: float
    get_ms_per_object: float
    get_ms_per_mb: float


class ItemCounter:
    """Counts the DynamoDB items each operation reads or writes (for read and write units)."""

    def __init__(self) -> None:
        self.items: Counter[str] = Counter()
        original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped in the stubs
        counter = self

        def counted(client: Any, operation: str, params: Any) -> Any:
            if operation == "BatchGetItem":
                counter.items[operation] += sum(len(t["Keys"]) for t in params["RequestItems"].values())
            elif operation == "BatchWriteItem":
                counter.items[operation] += sum(len(t) for t in params["RequestItems"].values())
            elif operation in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"):
                counter.items[operation] += 1
            return original(client, operation, params)

        setattr(BaseClient, "_make_api_call", counted)  # noqa: B010

    def take(self) -> Counter[str]:
        """The counts since the last call (and reset)."""
        taken, self.items = self.items, Counter()
        return taken


def _single_event(body: dict[str, Any], write_key: str, number: int) -> dict[str, Any]:
    """The proxy event of `POST /v1/track` with one event, sent at its time (so it lands on today)."""
    sent = {**body, "sentAt": body["timestamp"]}
    event = api_gateway_event(json.dumps(sent).encode(), write_key, False, number)
    event["resource"] = event["path"] = event["requestContext"]["resourcePath"] = "/v1/track"
    event["requestContext"]["path"] = "/api/v1/track"
    return event


def _per_request(calls: Counter[str], count: int) -> dict[str, float]:
    return {name: n / count for name, n in sorted(calls.items())}


def measure_ingest(batches: int, singles: int, s3_latency_ms: float) -> IngestMeasurement:
    """Run the ingest handler, PutRecordBatch and S3 GETs against moto; see the module doc."""
    counter = CallCounter({"s3": s3_latency_ms / 1000.0})
    items = ItemCounter()
    with mock_aws():
        runtime, write_key = bench_tenant()
        app = load_app("ingest")
        context = LambdaContext("touchpoint-ingest-scale", 512, max_runtime_ms=29_000)
        warmup = 20
        batch_events = [
            api_gateway_event(body, write_key, False, n)
            for n, body in enumerate(make_batches(batches + warmup))
        ]
        tracks = [
            event
            for body in make_batches((singles + warmup) // 50 + 2, seed=11)
            for event in json.loads(body)["batch"]
            if event["type"] == "track"
        ][: singles + warmup]
        single_events = [_single_event(e, write_key, 10_000 + n) for n, e in enumerate(tracks)]
        failures: list[Any] = []

        def call(event: dict[str, Any]) -> None:
            answer = app(event, context)
            if answer["statusCode"] != 200:
                failures.append(answer)

        with contextlib.redirect_stdout(_SINK):
            measure(lambda i: call(batch_events[i]), warmup)
            measure(lambda i: call(single_events[i]), warmup)
            counter.take()
            items.take()
            batch_t = measure(lambda i: call(batch_events[warmup + i]), batches)
            batch_calls, batch_aws = counter.take()
            batch_items = items.take()
            single_t = measure(lambda i: call(single_events[warmup + i]), singles)
            single_calls, single_aws = counter.take()
            single_items = items.take()
        if failures:
            raise RuntimeError(f"{len(failures)} ingest requests failed, first: {failures[0]}")

        s3, bucket = runtime.clients.s3, runtime.settings.lake_bucket
        lines: list[bytes] = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{EVENTS_AREA}/"):
            for item in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                lines.extend(gzip.decompress(body).splitlines(keepends=True))

        firehose, stream = runtime.clients.firehose, runtime.settings.events_stream

        def put(records: list[bytes]) -> None:
            firehose.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": d} for d in records])

        cycle = lines * (1 + 10_000 // len(lines))
        put_500 = measure(lambda i: put(cycle[i * 500 : (i + 1) * 500]), 20)
        put_1 = measure(lambda i: put([cycle[i]]), 100)

        small, big = b"x" * (16 * 1024), os.urandom(8 * MIB)
        for n in range(100):
            s3.put_object(Bucket=bucket, Key=f"scale/small/{n}", Body=small)
        for n in range(5):
            s3.put_object(Bucket=bucket, Key=f"scale/big/{n}", Body=big)
        get_small = measure(
            lambda i: s3.get_object(Bucket=bucket, Key=f"scale/small/{i}")["Body"].read(), 100
        )
        get_big = measure(lambda i: s3.get_object(Bucket=bucket, Key=f"scale/big/{i}")["Body"].read(), 5)

    ms = 1000.0
    small_ms, big_ms = statistics.mean(get_small.wall) * ms, statistics.mean(get_big.wall) * ms
    small_mb, big_mb = len(small) / MIB, len(big) / MIB
    per_mb = (big_ms - small_ms) / (big_mb - small_mb)
    return IngestMeasurement(
        batch_own_ms=(sum(batch_t.wall) - batch_aws) / batches * ms,
        batch_wall_ms=statistics.mean(batch_t.wall) * ms,
        batch_p99_ms=sorted(batch_t.wall)[min(batches - 1, round(0.99 * (batches - 1)))] * ms,
        batch_calls=_per_request(batch_calls, batches),
        batch_items=_per_request(batch_items, batches),
        single_own_ms=(sum(single_t.wall) - single_aws) / singles * ms,
        single_wall_ms=statistics.mean(single_t.wall) * ms,
        single_calls=_per_request(single_calls, singles),
        single_items=_per_request(single_items, singles),
        landed_lines=lines,
        put_500_ms=statistics.mean(put_500.wall) * ms,
        put_1_ms=statistics.mean(put_1.wall) * ms,
        get_ms_per_object=max(0.0, small_ms - small_mb * per_mb),
        get_ms_per_mb=per_mb,
    )


def landed_bytes(lines: list[bytes], workdir: Path) -> tuple[float, float, float]:
    """(JSON, gzip level 6 in one stream, Parquet zstd sorted) bytes per landed event."""
    raw = b"".join(lines)
    path = workdir / "landed.jsonl.gz"
    path.write_bytes(gzip.compress(raw, 6))
    parquet = workdir / "landed.parquet"
    _to_parquet([path], parquet)
    count = len(lines)
    return len(raw) / count, path.stat().st_size / count, parquet.stat().st_size / count


def _proxy_compact(sources: list[Path], target: Path) -> int:
    """The compaction proxy: JSON lines -> one Parquet, one row per messageId, sorted; returns rows."""
    files = [str(p) for p in sources]
    with duckdb.connect() as con:
        con.execute(
            f"""COPY (SELECT * FROM read_json_auto({files}, format='newline_delimited', union_by_name=true)
                QUALIFY row_number() OVER (PARTITION BY messageId ORDER BY timestamp) = 1
                ORDER BY anonymousId, timestamp)
            TO '{target}' (FORMAT parquet, COMPRESSION zstd)"""
        )
        row = con.execute(f"SELECT count(*) FROM '{target}'").fetchone()
    return int(row[0]) if row else 0


def compactor() -> tuple[str, Callable[[list[Path], Path], int]]:
    """The project's compaction (`touchpoint.rollup.compaction.compact_files`) if it exists, else the proxy."""
    try:
        module = importlib.import_module("touchpoint.rollup.compaction")
        compact_files = module.compact_files
    except (ImportError, AttributeError):
        return "DuckDB proxy (touchpoint.rollup.compaction does not exist yet)", _proxy_compact
    return "touchpoint.rollup.compaction.compact_files", lambda sources, target: int(
        compact_files(sources, [], target)
    )


_to_parquet = compactor()[1]


@dataclass
class RollupSample:
    """One measured size."""

    events: int
    seconds: float
    cpu_seconds: float
    engine_seconds: float
    peak_gb: float
    points: int
    digests_written: int
    compaction_seconds: float
    compaction_cpu_seconds: float
    compaction_peak_gb: float
    gzip_bytes: int
    parquet_bytes: int


def measure_rollup(size: int, workdir: Path) -> RollupSample:
    """Generate a day of `size` events, roll it up as the worker does, then time the compaction."""
    day = date(2026, 3, 10)
    generated = generate_day(workdir / "gen", day, events=size, people=max(1_000, size // 20))
    with mock_aws():
        reset_runtime()
        deploy_stack(boto3.client("cloudformation", region_name=REGION), "test")
        runtime = get_runtime()
        runtime.tenants.create_tenant(TENANT, "Bench", TenantConfig())
        upload(runtime, generated)
        service = build_service(runtime)
        cpu = time.process_time()
        result, seconds, peak = measured(lambda: service.run_day(TENANT, day))
        cpu = time.process_time() - cpu
    target = workdir / "compacted.parquet"
    compaction_cpu = time.process_time()
    _, compaction_seconds, compaction_peak = measured(lambda: _to_parquet(generated.event_files, target))
    compaction_cpu = time.process_time() - compaction_cpu
    sample = RollupSample(
        events=size,
        seconds=seconds,
        cpu_seconds=cpu,
        engine_seconds=result.timings.get("compute", 0.0),
        peak_gb=(peak or 0.0) / GB,
        points=result.points,
        digests_written=result.digests_written,
        compaction_seconds=compaction_seconds,
        compaction_cpu_seconds=compaction_cpu,
        compaction_peak_gb=(compaction_peak or 0.0) / GB,
        gzip_bytes=sum(p.stat().st_size for p in generated.event_files),
        parquet_bytes=target.stat().st_size,
    )
    shutil.rmtree(workdir / "gen", ignore_errors=True)
    target.unlink(missing_ok=True)
    return sample


def digest_objects_per_run(digests_per_day: float) -> float:
    """Digest objects a steady-state run reads: a year of days, the activity tables only for 120 days."""
    activity_tables = 3  # person_days, session_days, plan_rows (touchpoint.rollup.inputs)
    per_day_late = max(0.0, digests_per_day * (len(DIGEST_TABLES) - activity_tables) / len(DIGEST_TABLES))
    return ACTIVITY_DAYS * digests_per_day + (LOOKBACK_DAYS - ACTIVITY_DAYS) * per_day_late


def _fmt_count(value: float) -> str:
    return "-" if not value else f"{value:,.0f}"


def _fmt_bytes(value: float) -> str:
    if not value:
        return "-"
    return f"{value / GB:,.1f} GB" if value >= GB else f"{value / MIB:,.1f} MB"


def print_table(scenario: Scenario, stages: list[Stage], headline: dict[str, float]) -> None:
    """One scenario's table (markdown, pasted into bench/RESULTS.md as is)."""
    print(
        f"\n### {scenario.name}: {scenario.tenants:,} tenant(s) x {scenario.events_per_tenant:,} events/day, "
        f"{scenario.single_share:.0%} of events one per request, the rest {scenario.batch_size} per request\n"
    )
    print(
        "| stage | objects written | objects read | bytes | requests | projected time | Lambda / quota check | $/day |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for s in stages:
        cost = f"{s.cost:,.2f}" if s.in_total else f"({s.cost:,.2f})"
        print(
            f"| {s.name} | {_fmt_count(s.objects_written)} | {_fmt_count(s.objects_read)} | {_fmt_bytes(s.bytes)} | "
            f"{_fmt_count(s.requests)} | {s.seconds} | {s.limits} | {cost} |"
        )
    print(f"| **total** (bracketed rows not included) | | | | | | | **{headline['total_cost']:,.2f}** |")
    for s in stages:
        for note in s.notes:
            print(f"- {s.name}: {note}")


def main(argv: list[str] | None = None) -> int:
    """Measure, model and print."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="100000,300000,1000000", help="rollup day sizes (events)")
    parser.add_argument("--batches", type=int, default=200, help="measured 100-event requests")
    parser.add_argument("--singles", type=int, default=500, help="measured 1-event requests")
    parser.add_argument("--s3-latency-ms", type=float, default=0.0, help="added to every S3 call")
    parser.add_argument(
        "--single-share", type=float, default=0.5, help="share of events sent one per request"
    )
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    started = time.perf_counter()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start", flush=True)

    ingest = measure_ingest(args.batches, args.singles, args.s3_latency_ms)
    record_b, gzip_b, parquet_b = landed_bytes(ingest.landed_lines, workdir)
    print(f"\n## Measured (in-process, moto; load average {os.getloadavg()[0]:.1f})\n")
    print(
        f"- ingest, 100-event request: {ingest.batch_wall_ms:.2f} ms mean (p99 {ingest.batch_p99_ms:.2f}), "
        f"{ingest.batch_own_ms:.2f} ms outside boto3 calls = {ingest.batch_own_ms / 100 * 1000:.0f} us/event; "
        f"calls {ingest.batch_calls}, DynamoDB items {ingest.batch_items}"
    )
    print(
        f"- ingest, 1-event request: {ingest.single_wall_ms:.2f} ms mean, {ingest.single_own_ms:.2f} ms "
        f"outside boto3 calls; calls {ingest.single_calls}, DynamoDB items {ingest.single_items}"
    )
    print(
        f"- PutRecordBatch (moto): {ingest.put_500_ms:.2f} ms per 500-record call, {ingest.put_1_ms:.2f} ms per 1-record call"
    )
    print(
        f"- S3 GET (moto, +{args.s3_latency_ms:g} ms added): {ingest.get_ms_per_object:.2f} ms per object "
        f"+ {ingest.get_ms_per_mb:.2f} ms per MB"
    )
    print(
        f"- landed event ({len(ingest.landed_lines):,} from ingest): JSON {record_b:.0f} B, gzip {gzip_b:.0f} B, "
        f"Parquet {parquet_b:.0f} B"
    )

    samples: list[RollupSample] = []
    for size in sizes:
        sample = measure_rollup(size, workdir)
        samples.append(sample)
        print(
            f"- rollup of {size:,} events: {sample.seconds:.2f} s wall, {sample.cpu_seconds:.2f} CPU-s (engine "
            f"{sample.engine_seconds:.2f} s wall), peak {sample.peak_gb:.2f} GB, {sample.points} points; compaction "
            f"{sample.compaction_seconds:.2f} s wall, {sample.compaction_cpu_seconds:.2f} CPU-s, "
            f"peak {sample.compaction_peak_gb:.2f} GB; gzip {sample.gzip_bytes / size:.1f} B/event (level 1), "
            f"Parquet {sample.parquet_bytes / size:.1f} B/event; load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    xs = [s.events / 1e6 for s in samples]

    def line(values: list[float]) -> Line:
        return fit_line(xs, values) if len(xs) > 1 else Line(0.0, values[0] / xs[0])

    rates = Rates(
        batch_own_ms=ingest.batch_own_ms,
        batch_calls=ingest.batch_calls,
        batch_items=ingest.batch_items,
        single_own_ms=ingest.single_own_ms,
        single_calls=ingest.single_calls,
        single_items=ingest.single_items,
        record_bytes=record_b,
        gzip_bytes=gzip_b,
        parquet_bytes=parquet_b,
        s3_get_ms_per_object=ingest.get_ms_per_object,
        s3_get_ms_per_mb=ingest.get_ms_per_mb,
        rollup_cpu_seconds=line([s.cpu_seconds for s in samples]),
        rollup_peak_gb=line([s.peak_gb for s in samples]),
        compaction_cpu_seconds=line([s.compaction_cpu_seconds for s in samples]),
        compaction_peak_gb=line([s.compaction_peak_gb for s in samples]),
        points_per_tenant_day=float(max(s.points for s in samples)),
        digest_objects_per_run=digest_objects_per_run(float(samples[0].digests_written)),
        cores=os.cpu_count() or 1,
    )
    print(
        f"- fitted per million events: rollup {rates.rollup_cpu_seconds.slope:.2f} CPU-s "
        f"(+{rates.rollup_cpu_seconds.intercept:.2f}), "
        f"peak {rates.rollup_peak_gb.slope:.2f} GB (+{rates.rollup_peak_gb.intercept:.2f}); compaction "
        f"{rates.compaction_cpu_seconds.slope:.2f} CPU-s (+{rates.compaction_cpu_seconds.intercept:.2f}), peak "
        f"{rates.compaction_peak_gb.slope:.2f} GB (+{rates.compaction_peak_gb.intercept:.2f})"
    )
    print(f"- compaction timed with: {compactor()[0]}")
    print("\n## Modelled (bench/scale_model.py: us-east-1 list prices; ASSUMED_* figures are assumptions)")
    scenarios = (
        Scenario("(a) one large tenant", 1, 50_000_000, args.single_share),
        Scenario("(b) many tenants", 1_000, 100_000, args.single_share),
    )
    for scenario in scenarios:
        stages, headline = model_scenario(scenario, rates)
        print_table(scenario, stages, headline)
        print(
            f"- objects per tenant-day: {headline['objects_per_tenant_day']:,.0f} (goal <= 2,000; one object per "
            f"request, as before the stream: {headline['objects_per_tenant_day_without_firehose']:,.0f})"
        )
        print(
            f"- dispatcher: raw window {headline['window_bytes'] / MIB:,.0f} MiB against the threshold "
            f"{headline['threshold_bytes'] / MIB:,.0f} MiB (DEFAULT_SPARK_THRESHOLD_BYTES): "
            f"{'Spark' if headline['dispatched_to_spark'] else 'DuckDB'}; rollup on one Lambda: "
            f"{'fits' if headline['rollup_fits_lambda'] else 'does NOT fit'}"
        )
        print(
            f"- EMR Serverless: {headline['emr_executors']:.0f} executors x 4 vCPU/16 GB + a 4 vCPU/16 GB driver, "
            f"{headline['emr_minutes']:.1f} min, ${headline['emr_cost_per_run']:,.2f} a run (us-east-1); 30 min "
            f"would need {headline['emr_vcpus_for_30_min']:.1f} executor vCPUs"
        )
        print(
            f"- record aggregation (one Firehose record per request and UTC day, RecordDeAggregation JSON): "
            f"billed ingestion {headline['firehose_billed_gb']:,.0f} -> {headline['firehose_billed_gb_aggregated']:,.0f} GB, "
            f"saves ${headline['aggregation_saving']:,.2f}/day (1-event requests cannot be aggregated)"
        )
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end; {time.perf_counter() - started:.0f} s in all")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
