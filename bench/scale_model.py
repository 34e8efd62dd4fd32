"""The arithmetic of the scale model (issue 12): AWS facts, list prices and the per-stage projections.

Pure functions over measured rates (`Rates`, filled by `bench/scale.py`) and a `Scenario`; no AWS,
no I/O. Every AWS figure below is a documented limit or a list price (us-east-1, on-demand, as
published on the pages cited, checked 2025); figures that are assumptions say so in their name
(`ASSUMED_...`) and in the printed tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from touchpoint.rollup.engine_choice import DEFAULT_SPARK_THRESHOLD_BYTES, choose_engine

KB = 1024
MIB = 1024 * 1024
GB = 1024**3  # AWS bills "GB" as GiB for Lambda and S3; the difference is under 7 % for Firehose

# ---- Amazon Data Firehose (https://aws.amazon.com/firehose/pricing/, us-east-1) -------------
#: Direct PUT ingestion, first 500 TB a month; each record is billed rounded up to 5 KB.
FIREHOSE_INGEST_PER_GB = 0.029
FIREHOSE_RECORD_ROUNDING = 5 * KB
#: Dynamic partitioning: per GB delivered to S3, per 1,000 objects delivered, per JQ processing hour.
FIREHOSE_DP_PER_GB = 0.020
FIREHOSE_DP_PER_1000_OBJECTS = 0.005
FIREHOSE_JQ_PER_HOUR = 0.07
#: Buffering of EventsDeliveryStream (infra/template.yaml): 128 MiB (measured before compression,
#: https://docs.aws.amazon.com/firehose/latest/dev/buffering-hints.html) or 900 s, per partition.
FIREHOSE_BUFFER_BYTES = 128 * MIB
FIREHOSE_BUFFER_SECONDS = 900
#: Quotas (https://docs.aws.amazon.com/firehose/latest/dev/limits.html): Direct PUT in us-east-1,
#: us-west-2 and eu-west-1 (other regions: 100,000 records/s, 1,000 requests/s, 1 MiB/s); active
#: partitions per stream (adjustable); PutRecordBatch: 500 records, 4 MiB; a record 1,000 KiB.
FIREHOSE_QUOTA_RECORDS_S = 500_000
FIREHOSE_QUOTA_REQUESTS_S = 2_000
FIREHOSE_QUOTA_BYTES_S = 5 * MIB
FIREHOSE_QUOTA_ACTIVE_PARTITIONS = 500
FIREHOSE_MAX_RECORD_BYTES = 1000 * KB

# ---- Amazon S3 Standard (https://aws.amazon.com/s3/pricing/, us-east-1) ----------------------
S3_PUT_PER_1000 = 0.005
S3_GET_PER_1000 = 0.0004
S3_GB_MONTH = 0.023

# ---- AWS Lambda (https://aws.amazon.com/lambda/pricing/, x86, us-east-1) ---------------------
LAMBDA_PER_GB_S = 0.0000166667
LAMBDA_PER_MILLION = 0.20
LAMBDA_EPHEMERAL_PER_GB_S = 0.0000000309  # /tmp above the free 512 MB
#: Limits (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
LAMBDA_TIMEOUT_S = 900
LAMBDA_MAX_MEMORY_MB = 10_240
LAMBDA_MAX_TMP_MB = 10_240
LAMBDA_DEFAULT_TMP_MB = 512
LAMBDA_DEFAULT_CONCURRENCY = 1_000
#: One full vCPU at 1,769 MB; CPU scales with memory (up to 6 vCPUs at 10,240 MB)
#: (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
LAMBDA_MB_PER_VCPU = 1_769
#: API Gateway in front of Lambda: 29 s integration timeout.
API_GATEWAY_TIMEOUT_S = 29

# ---- API Gateway (https://aws.amazon.com/api-gateway/pricing/, first tier) -------------------
API_HTTP_PER_MILLION = 1.00
API_REST_PER_MILLION = 3.50  # what `chalice package` deploys (a REST API)

# ---- DynamoDB on-demand (https://aws.amazon.com/dynamodb/pricing/on-demand/, since Nov 2024) --
DDB_PER_MILLION_WRU = 0.625
DDB_PER_MILLION_RRU = 0.125

# ---- EMR Serverless (https://aws.amazon.com/emr/pricing/, us-east-1, x86) --------------------
EMR_PER_VCPU_HOUR = 0.052624
EMR_PER_GB_HOUR = 0.0057785

# ---- Assumptions (not documented facts, not measured here) -----------------------------------
#: Peak hour rate over the day's mean rate (traffic follows waking hours).
ASSUMED_PEAK_FACTOR = 4.0
#: Round trips inside AWS, same region.
ASSUMED_DYNAMODB_RTT_MS = 4.0
ASSUMED_FIREHOSE_RTT_MS = 15.0
#: JQ processing hours billed: at most every hour of the day (an upper bound; AWS bills the
#: processing time, which it does not publish per record).
ASSUMED_JQ_HOURS_PER_DAY = 24.0
#: EMR Serverless: the application's start and a job run's workers (no pre-initialized capacity).
ASSUMED_EMR_START_S = 180.0
#: Share of linear speed-up kept when the Spark engine's per-event work, measured on the 2 cores
#: of local mode, is spread over the executors' vCPUs (shuffles over the network, skew, S3 reads).
ASSUMED_SPARK_SCALING = 0.5

# ---- Measured: the Spark engine in local mode (bench/engines.py, bench/RESULTS.md "Both engines")
#: Wall seconds of a Spark run that do not grow with the events (about a hundred statements,
#: each planned by the driver and materialised as a job): the 20,000-event run, local[2], 116.4 s
#: wall (74.8 JVM CPU-s) under a load average of 5-10.
MEASURED_SPARK_FIXED_S = 116.4
#: JVM CPU-seconds per million events above that: the 2 M-event run took 331.6 JVM CPU-s (830 s
#: wall under a load average of 9-18, so CPU, not wall x cores): (331.6 - 74.8) / 2.0.
MEASURED_SPARK_CORE_S_PER_MILLION = 128.4
#: The local JVM's resident memory per million events in that run: 6.72 GB / 2.0. An upper bound,
#: not a need: the JVM had filled its 6 GB heap (`--spark-driver-memory 6g`) before it collected.
MEASURED_SPARK_JVM_GB_PER_MILLION = 3.36


@dataclass(frozen=True)
class Line:
    """y = intercept + slope * x, fitted by least squares (x in millions of events)."""

    intercept: float
    slope: float

    def at(self, x: float) -> float:
        """The fitted value at x (never below zero)."""
        return max(0.0, self.intercept + self.slope * x)


def fit_line(xs: list[float], ys: list[float]) -> Line:
    """Least-squares line through the points (at least two distinct xs)."""
    if len(xs) != len(ys) or len(set(xs)) < 2:
        raise ValueError("need at least two points with distinct x")
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    return Line(mean_y - slope * mean_x, slope)


@dataclass(frozen=True)
class SparkRate:
    """The Spark engine measured in local mode: fixed seconds, core-seconds and JVM GB per million events."""

    fixed_seconds: float = MEASURED_SPARK_FIXED_S
    core_seconds_per_million: float = MEASURED_SPARK_CORE_S_PER_MILLION
    jvm_gb_per_million: float = MEASURED_SPARK_JVM_GB_PER_MILLION


@dataclass(frozen=True)
class Rates:
    """What `bench/scale.py` measured (ms are in-process against moto unless said otherwise)."""

    batch_own_ms: float  # handler time per 100-event request outside boto3 calls
    batch_calls: dict[str, float]  # AWS calls per 100-event request, by operation
    batch_items: dict[str, float]  # DynamoDB items read or written per 100-event request, by operation
    single_own_ms: float  # the same for a 1-event request
    single_calls: dict[str, float]
    single_items: dict[str, float]
    record_bytes: float  # a landing record (JSON line + tenantId), bytes per event
    gzip_bytes: float  # gzip (level 6) of landing records in one large stream, per event
    parquet_bytes: float  # Parquet (zstd, sorted, deduplicated), per event
    s3_get_ms_per_object: float
    s3_get_ms_per_mb: float
    rollup_cpu_seconds: Line  # RollupService.run_day, whole run: CPU seconds of the process (all threads)
    rollup_peak_gb: Line  # its peak RSS
    compaction_cpu_seconds: Line  # the compaction (gzip JSON -> sorted, deduplicated Parquet): CPU seconds
    compaction_peak_gb: Line
    points_per_tenant_day: float  # metric points written to DynamoDB by one run
    digest_objects_per_run: float  # digest objects one run reads in steady state (a year)
    cores: int = 2  # the cores of the machine the rollup was measured on
    spark: SparkRate | None = None  # the Spark engine's measured rate (default: the MEASURED_SPARK_* figures)


@dataclass(frozen=True)
class Scenario:
    """A day of traffic."""

    name: str
    tenants: int
    events_per_tenant: int
    single_share: float  # share of events sent one per request (the rest: 100 per request)
    batch_size: int = 100
    active_hours: float = 24.0  # hours of the UTC day a tenant sends events


@dataclass
class Stage:
    """One stage's daily figures (totals over all tenants)."""

    name: str
    objects_written: float = 0.0
    objects_read: float = 0.0
    bytes: float = 0.0
    requests: float = 0.0
    seconds: str = "-"
    limits: str = "-"
    cost: float = 0.0
    in_total: bool = True
    notes: list[str] = field(default_factory=list)


def requests_of(s: Scenario) -> tuple[float, float]:
    """(1-event requests, batch requests) per day over all tenants."""
    events = s.tenants * s.events_per_tenant
    singles = events * s.single_share
    return singles, (events - singles) / s.batch_size


def billed_record_bytes(size: float) -> float:
    """Firehose bills each record rounded up to the next 5 KB."""
    return math.ceil(size / FIREHOSE_RECORD_ROUNDING) * FIREHOSE_RECORD_ROUNDING


def firehose_ingest_gb(s: Scenario, record_bytes: float, *, aggregated: bool) -> float:
    """Billed ingestion GB a day: one record per event, or (aggregated) one per batch request and UTC day."""
    singles, batches = requests_of(s)
    single_billed = singles * billed_record_bytes(record_bytes)
    if aggregated:
        per_request = s.batch_size * record_bytes
        records = max(1, math.ceil(per_request / FIREHOSE_MAX_RECORD_BYTES))
        batch_billed = batches * records * billed_record_bytes(per_request / records)
    else:
        batch_billed = batches * s.batch_size * billed_record_bytes(record_bytes)
    return (single_billed + batch_billed) / GB


def objects_per_tenant_day(events: int, record_bytes: float, active_hours: float) -> int:
    """Objects Firehose delivers for one partition (tenant, UTC day).

    A buffer flushes at 128 MiB of incoming (uncompressed) data or 900 s after its first record,
    whichever comes first: at least one object per 900 s of activity, more when the partition
    fills 128 MiB faster than that.
    """
    by_size = math.ceil(events * record_bytes / FIREHOSE_BUFFER_BYTES)
    by_interval = math.ceil(active_hours * 3600 / FIREHOSE_BUFFER_SECONDS)
    return max(by_size, by_interval)


def lambda_vcpus(memory_mb: float) -> float:
    """vCPUs of a Lambda with that memory."""
    return min(6.0, memory_mb / LAMBDA_MB_PER_VCPU)


def parallel_vcpus(memory_mb: float, cores: int) -> float:
    """vCPUs a multi-threaded stage can use on a Lambda of that memory: no more than measured here.

    Projected time = measured CPU seconds / this (no speed-up claimed above the `cores` it was
    measured on, none assumed below one full vCPU either way).
    """
    return min(lambda_vcpus(memory_mb), float(cores))


def cpu_slowdown(memory_mb: float, cores: int) -> float:
    """How much slower than the measuring machine's `cores` a Lambda of that memory runs CPU work.

    No speed-up is claimed above `cores` vCPUs (the engine's parallelism there is not measured).
    """
    return max(1.0, cores / lambda_vcpus(memory_mb))


def lambda_memory_for(peak_gb: float) -> int:
    """The memory setting for a batch Lambda: peak + 25 %, at least 2,048 MB, in 64 MB steps."""
    wanted = max(2048.0, peak_gb * 1024 * 1.25)
    return int(math.ceil(wanted / 64) * 64)


def lambda_cost(invocations: float, seconds_each: float, memory_mb: float, tmp_mb: float = 512) -> float:
    """List price of `invocations` runs of `seconds_each` at `memory_mb` (and /tmp above 512 MB)."""
    gb_s = invocations * seconds_each * memory_mb / 1024
    tmp_gb_s = invocations * seconds_each * max(0.0, tmp_mb - 512) / 1024
    return (
        gb_s * LAMBDA_PER_GB_S + tmp_gb_s * LAMBDA_EPHEMERAL_PER_GB_S + invocations / 1e6 * LAMBDA_PER_MILLION
    )


@dataclass(frozen=True)
class EmrSize:
    """An EMR Serverless application size for one job (driver + executors, 4 vCPU / 16 GB each)."""

    executors: int
    vcpu_each: int = 4
    gb_each: int = 16

    @property
    def vcpus(self) -> int:
        """Executor vCPUs (the driver coordinates)."""
        return self.executors * self.vcpu_each

    def cost(self, seconds: float) -> float:
        """List price of the job: driver and executors, vCPU-hours and GB-hours, one-minute minimum."""
        hours = max(seconds, 60.0) / 3600
        workers = self.executors + 1
        return workers * hours * (self.vcpu_each * EMR_PER_VCPU_HOUR + self.gb_each * EMR_PER_GB_HOUR)


def emr_seconds(events: float, size: EmrSize, rate: SparkRate) -> float:
    """Projected wall time of a Spark rollup reading `events`.

    Start of the application (assumed) + the measured fixed part (driver-bound: not divided) +
    the measured core-seconds per event spread over the executors' vCPUs at ASSUMED_SPARK_SCALING.
    """
    spread = events / 1e6 * rate.core_seconds_per_million / (size.vcpus * ASSUMED_SPARK_SCALING)
    return ASSUMED_EMR_START_S + rate.fixed_seconds + spread


def emr_vcpus_for(seconds: float, events: float, rate: SparkRate) -> float:
    """Executor vCPUs a run over `events` needs to finish within `seconds` (inf when the fixed part alone is over)."""
    left = seconds - ASSUMED_EMR_START_S - rate.fixed_seconds
    if left <= 0:
        return math.inf
    return events / 1e6 * rate.core_seconds_per_million / (ASSUMED_SPARK_SCALING * left)


def emr_size_for(events: float, rate: SparkRate, target_seconds: float = 900.0) -> EmrSize:
    """The smallest of 2, 4, 8, ... 64 executors (4 vCPU / 16 GB each) projected under `target_seconds`."""
    size = EmrSize(executors=2)
    while emr_seconds(events, size, rate) > target_seconds and size.executors < 64:
        size = EmrSize(executors=size.executors * 2)
    return size


def window_bytes(events_per_day: float, bytes_per_event: float) -> float:
    """The raw input window the dispatcher weighs for day D: three UTC days (D-1..D+1) of events.

    Compared with `DEFAULT_SPARK_THRESHOLD_BYTES` (400 MiB,
    `touchpoint.rollup.engine_choice`); above it the tenant-day goes to Spark.
    """
    return 3 * events_per_day * bytes_per_event


def ingest_request_ms(own_ms: float, calls: dict[str, float]) -> float:
    """Projected duration of one request on a 512 MB Lambda: own CPU slowed to its vCPU share, plus round trips.

    `own_ms` was measured on one core here (the handler is single-threaded).
    """
    dynamodb = sum(n for op, n in calls.items() if op in ("GetItem", "BatchGetItem", "UpdateItem", "PutItem"))
    firehose = calls.get("PutRecordBatch", 0.0)
    return (
        own_ms * cpu_slowdown(INGEST_MEMORY_MB, 1)
        + dynamodb * ASSUMED_DYNAMODB_RTT_MS
        + firehose * ASSUMED_FIREHOSE_RTT_MS
    )


#: functions/ingest/.chalice/config.json; the rollup worker's is 2,048 MB (functions/rollup).
INGEST_MEMORY_MB = 512
ROLLUP_WORKER_MEMORY_MB = 2048


def _limits(seconds: float, memory_mb: float, tmp_mb: float) -> str:
    """'ok' or what breaks, for one batch Lambda invocation."""
    problems = []
    if seconds > LAMBDA_TIMEOUT_S:
        problems.append(f"time {seconds:,.0f} s > 900 s")
    if memory_mb > LAMBDA_MAX_MEMORY_MB:
        problems.append(f"memory {memory_mb / 1024:,.1f} GB > 10 GB")
    if tmp_mb > LAMBDA_MAX_TMP_MB:
        problems.append(f"/tmp {tmp_mb / 1024:,.1f} GB > 10 GB")
    fits = not problems
    note = f"{seconds:,.0f} s, {min(memory_mb, LAMBDA_MAX_MEMORY_MB):,.0f} MB, /tmp {tmp_mb:,.0f} MB"
    if fits and tmp_mb > LAMBDA_DEFAULT_TMP_MB:
        note += " (set EphemeralStorage: the default /tmp is 512 MB)"
    return ("ok: " + note) if fits else ("DOES NOT FIT: " + "; ".join(problems))


def model_scenario(s: Scenario, r: Rates, *, compacted: bool = True) -> tuple[list[Stage], dict[str, float]]:
    """Every stage of one day of scenario `s`, and the headline figures (goals)."""
    events = s.tenants * s.events_per_tenant
    millions = s.events_per_tenant / 1e6
    singles, batches = requests_of(s)
    requests = singles + batches
    mean_rps = requests / 86_400
    stages: list[Stage] = []

    api = Stage("API Gateway (REST API, as Chalice deploys)", requests=requests)
    api.cost = requests / 1e6 * API_REST_PER_MILLION
    api.notes.append(f"an HTTP API would cost ${requests / 1e6 * API_HTTP_PER_MILLION:,.2f}")
    stages.append(api)

    batch_ms = ingest_request_ms(r.batch_own_ms, r.batch_calls)
    single_ms = ingest_request_ms(r.single_own_ms, r.single_calls)
    lambda_s = (batches * batch_ms + singles * single_ms) / 1000
    concurrency = mean_rps * ASSUMED_PEAK_FACTOR * (lambda_s / requests)
    ingest = Stage("ingest Lambda (512 MB)", requests=requests)
    ingest.seconds = f"{batch_ms:.0f} ms/batch, {single_ms:.0f} ms/single; {lambda_s:,.0f} Lambda-s"
    ingest.limits = (
        f"{'ok' if max(batch_ms, single_ms) / 1000 < API_GATEWAY_TIMEOUT_S else 'TIMEOUT'}: "
        f"peak concurrency {concurrency:,.0f} of {LAMBDA_DEFAULT_CONCURRENCY:,}"
    )
    ingest.cost = lambda_cost(batches, batch_ms / 1000, INGEST_MEMORY_MB) + lambda_cost(
        singles, single_ms / 1000, INGEST_MEMORY_MB
    )
    stages.append(ingest)

    def units(items: dict[str, float], operations: tuple[str, ...]) -> float:
        return sum(items.get(op, 0.0) for op in operations)

    read_ops, write_ops = ("GetItem", "BatchGetItem", "Query"), ("PutItem", "UpdateItem", "BatchWriteItem")
    rru = batches * units(r.batch_items, read_ops) + singles * units(r.single_items, read_ops)
    wru = batches * units(r.batch_items, write_ops) + singles * units(r.single_items, write_ops)
    ddb_ingest = Stage("ingest DynamoDB (key, suppression, links, rate)", requests=rru + wru)
    ddb_ingest.cost = rru / 1e6 * DDB_PER_MILLION_RRU + wru / 1e6 * DDB_PER_MILLION_WRU
    ddb_ingest.notes.append(
        f"{rru:,.0f} items read (1 RRU each, items under 4 KB, strongly consistent), {wru:,.0f} written (1 WRU each)"
    )
    stages.append(ddb_ingest)

    puts = batches * r.batch_calls.get("PutRecordBatch", 1.0) + singles * r.single_calls.get(
        "PutRecordBatch", 1.0
    )
    billed_gb = firehose_ingest_gb(s, r.record_bytes, aggregated=False)
    peak_records = events / 86_400 * ASSUMED_PEAK_FACTOR
    peak_puts = puts / 86_400 * ASSUMED_PEAK_FACTOR
    peak_bytes = events * r.record_bytes / 86_400 * ASSUMED_PEAK_FACTOR
    firehose = Stage("Firehose ingestion (PutRecordBatch)", bytes=events * r.record_bytes, requests=puts)
    firehose.cost = billed_gb * FIREHOSE_INGEST_PER_GB
    quota = []
    for label, value, limit in (
        ("records/s", peak_records, FIREHOSE_QUOTA_RECORDS_S),
        ("calls/s", peak_puts, FIREHOSE_QUOTA_REQUESTS_S),
        ("MiB/s", peak_bytes / MIB, FIREHOSE_QUOTA_BYTES_S / MIB),
    ):
        quota.append(f"{label} {value:,.1f}/{limit:,.0f}{'' if value <= limit else ' RAISE'}")
    firehose.limits = "peak " + ", ".join(quota)
    firehose.notes.append(
        f"{billed_gb:,.0f} GB billed (5 KB per record) for {events * r.record_bytes / GB:,.1f} GB sent"
    )
    stages.append(firehose)

    per_tenant_objects = objects_per_tenant_day(s.events_per_tenant, r.record_bytes, s.active_hours)
    objects = per_tenant_objects * s.tenants
    dp_gb = events * r.record_bytes / GB
    partitioning = Stage(
        "Firehose dynamic partitioning (JQ)", bytes=events * r.record_bytes, objects_written=objects
    )
    partitioning.cost = (
        dp_gb * FIREHOSE_DP_PER_GB
        + objects / 1000 * FIREHOSE_DP_PER_1000_OBJECTS
        + ASSUMED_JQ_HOURS_PER_DAY * FIREHOSE_JQ_PER_HOUR
    )
    active = s.tenants * 2  # around UTC midnight both days of every tenant are open
    partitioning.limits = f"active partitions up to {active:,} of {FIREHOSE_QUOTA_ACTIVE_PARTITIONS}" + (
        " RAISE (adjustable quota)" if active > FIREHOSE_QUOTA_ACTIVE_PARTITIONS else ""
    )
    partitioning.notes.append(f"JQ billed as {ASSUMED_JQ_HOURS_PER_DAY:g} h (assumed upper bound)")
    stages.append(partitioning)

    gz_bytes = events * r.gzip_bytes
    delivery = Stage(
        "S3 delivery raw/events (gzip JSON lines)", objects_written=objects, bytes=gz_bytes, requests=objects
    )
    delivery.cost = objects / 1000 * S3_PUT_PER_1000 + gz_bytes / GB * S3_GB_MONTH / 30
    delivery.notes.append("storage: one day's objects for one day; x retention days in steady state")
    stages.append(delivery)

    tenant_gz_mb = s.events_per_tenant * r.gzip_bytes / MIB
    tenant_pq_mb = s.events_per_tenant * r.parquet_bytes / MIB
    get_s = (per_tenant_objects * r.s3_get_ms_per_object + tenant_gz_mb * r.s3_get_ms_per_mb) / 1000
    peak = r.compaction_peak_gb.at(millions)
    memory = lambda_memory_for(peak)
    seconds = get_s + r.compaction_cpu_seconds.at(millions) / parallel_vcpus(
        min(memory, LAMBDA_MAX_MEMORY_MB), r.cores
    )
    compaction = Stage(
        "compaction (Lambda, one per tenant-day)",
        objects_read=objects,
        objects_written=s.tenants,
        bytes=events * r.parquet_bytes,
        requests=objects + s.tenants,
    )
    compaction.seconds = f"{seconds:,.1f} s per tenant-day"
    compaction.limits = _limits(
        seconds, memory if peak * 1024 <= LAMBDA_MAX_MEMORY_MB else peak * 1024, tenant_gz_mb + tenant_pq_mb
    )
    compaction.cost = (
        lambda_cost(s.tenants, seconds, min(memory, LAMBDA_MAX_MEMORY_MB), tenant_gz_mb + tenant_pq_mb)
        + objects / 1000 * S3_GET_PER_1000
        + s.tenants / 1000 * S3_PUT_PER_1000
        + events * r.parquet_bytes / GB * S3_GB_MONTH / 30
    )
    compaction.notes.append(f"{memory:,} MB Lambda; Parquet {r.parquet_bytes:.1f} B/event")
    stages.append(compaction)

    # The rollup of day D reads the raw window D-1..D+1 (three UTC days) and the year of digests.
    raw_objects = 3 * (1 if compacted else per_tenant_objects)
    raw_mb = 3 * (tenant_pq_mb if compacted else tenant_gz_mb)
    read_objects = raw_objects + r.digest_objects_per_run
    low_peak, high_peak = r.rollup_peak_gb.at(millions), r.rollup_peak_gb.at(3 * millions)
    memory = lambda_memory_for(high_peak)
    vcpus = parallel_vcpus(min(memory, LAMBDA_MAX_MEMORY_MB), r.cores)
    get_s = (read_objects * r.s3_get_ms_per_object + raw_mb * r.s3_get_ms_per_mb) / 1000 / 8  # 8 threads
    low = get_s + r.rollup_cpu_seconds.at(millions) / vcpus
    high = get_s + r.rollup_cpu_seconds.at(3 * millions) / vcpus
    rollup = Stage(
        "rollup (DuckDB, one Lambda per tenant-day)",
        objects_read=read_objects * s.tenants,
        bytes=raw_mb * MIB * s.tenants,
        requests=read_objects * s.tenants,
    )
    rollup.seconds = f"{low:,.1f}-{high:,.1f} s per tenant-day"
    fits_memory = high_peak * 1024 <= LAMBDA_MAX_MEMORY_MB
    rollup.limits = _limits(high, memory if fits_memory else high_peak * 1024, raw_mb + 2 * tenant_pq_mb)
    rollup.cost = (
        lambda_cost(s.tenants, high, min(memory, LAMBDA_MAX_MEMORY_MB), raw_mb)
        + read_objects * s.tenants / 1000 * S3_GET_PER_1000
    )
    rollup.notes.append(
        f"{'Parquet' if compacted else 'gzip'} input; peak {low_peak:.1f}-{high_peak:.1f} GB "
        f"(1 day in the window - 3 days); {memory:,} MB Lambda ({lambda_vcpus(min(memory, LAMBDA_MAX_MEMORY_MB)):.1f} vCPU)"
    )
    rollup_fits = rollup.limits.startswith("ok")
    stages.append(rollup)

    spark_rate = r.spark or SparkRate()
    window_events = 3 * s.events_per_tenant
    emr = emr_size_for(window_events, spark_rate)
    emr_s = emr_seconds(window_events, emr, spark_rate)
    spark_gb = window_events / 1e6 * spark_rate.jvm_gb_per_million
    spark = Stage(
        f"rollup on EMR Serverless ({emr.executors} executors x 4 vCPU/16 GB + driver 4 vCPU/16 GB)",
        objects_read=read_objects * s.tenants,
        bytes=raw_mb * MIB * s.tenants,
        requests=read_objects * s.tenants,
    )
    spark.seconds = f"{emr_s / 60:,.1f} min per tenant-day (local-mode rate, scaled)"
    spark.limits = f"goal < 30 min: {'met' if emr_s < 1800 else 'NOT met'}"
    spark.cost = s.tenants * emr.cost(emr_s) + read_objects * s.tenants / 1000 * S3_GET_PER_1000
    spark.notes.append(
        f"{ASSUMED_EMR_START_S:.0f} s start (assumed) + {spark_rate.fixed_seconds:.0f} s fixed + "
        f"{window_events / 1e6:,.1f} M events x {spark_rate.core_seconds_per_million:.1f} core-s per million / "
        f"({emr.vcpus} vCPU x {ASSUMED_SPARK_SCALING:g} scaling); us-east-1 ${EMR_PER_VCPU_HOUR}/vCPU-h, "
        f"${EMR_PER_GB_HOUR}/GB-h, driver and executors billed"
    )
    spark.notes.append(
        f"memory: executors hold {emr.executors * emr.gb_each} GB; the local JVM's resident memory scaled "
        f"to the window would be {spark_gb:,.0f} GB (an upper bound: locally the heap filled to its limit)"
    )
    tenant_window = window_bytes(s.events_per_tenant, r.parquet_bytes)
    to_spark = choose_engine("auto", int(tenant_window), DEFAULT_SPARK_THRESHOLD_BYTES) == "spark"
    spark.in_total = to_spark
    rollup.in_total = not to_spark
    threshold = (
        f"{tenant_window / MIB:,.0f} MiB window vs threshold {DEFAULT_SPARK_THRESHOLD_BYTES / MIB:,.0f} MiB"
    )
    if to_spark:
        spark.notes.append(f"the dispatcher sends it to Spark ({threshold}): this row is in the total")
    else:
        rollup.notes.append(
            f"the dispatcher keeps it on DuckDB ({threshold}): the EMR row is not in the total"
        )
    if to_spark == rollup_fits:
        rollup.notes.append("WARNING: the threshold disagrees with the Lambda limit check")
    stages.append(spark)

    points = r.points_per_tenant_day * s.tenants
    metrics = Stage("metric points (DynamoDB writes)", requests=points)
    metrics.cost = points / 1e6 * DDB_PER_MILLION_WRU
    stages.append(metrics)

    aggregated_gb = firehose_ingest_gb(s, r.record_bytes, aggregated=True)
    headline = {
        "events": float(events),
        "requests": requests,
        "objects_per_tenant_day": float(per_tenant_objects),
        "objects_per_tenant_day_without_firehose": s.events_per_tenant * s.single_share
        + s.events_per_tenant * (1 - s.single_share) / s.batch_size,
        "rollup_fits_lambda": 1.0 if rollup_fits else 0.0,
        "emr_executors": float(emr.executors),
        "emr_minutes": emr_s / 60,
        "emr_vcpus_for_30_min": emr_vcpus_for(1800.0, window_events, spark_rate),
        "emr_cost_per_run": emr.cost(emr_s),
        "window_bytes": tenant_window,
        "threshold_bytes": float(DEFAULT_SPARK_THRESHOLD_BYTES),
        "dispatched_to_spark": 1.0 if to_spark else 0.0,
        "firehose_billed_gb": billed_gb,
        "firehose_billed_gb_aggregated": aggregated_gb,
        "aggregation_saving": (billed_gb - aggregated_gb) * FIREHOSE_INGEST_PER_GB,
        "total_cost": sum(stage.cost for stage in stages if stage.in_total),
    }
    return stages, headline
