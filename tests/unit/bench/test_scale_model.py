"""The scale model's arithmetic (bench/scale_model.py), with hand-computed figures."""

from __future__ import annotations

import math

import pytest

from bench.scale_model import (
    GB,
    MIB,
    EmrSize,
    Line,
    Rates,
    Scenario,
    SparkRate,
    billed_record_bytes,
    cpu_slowdown,
    emr_seconds,
    emr_size_for,
    emr_vcpus_for,
    firehose_ingest_gb,
    fit_line,
    lambda_cost,
    model_scenario,
    objects_per_tenant_day,
    parallel_vcpus,
    window_bytes,
)

#: 100 s fixed, 40 core-seconds and 1 GB of JVM per million events (round figures for hand sums).
SPARK = SparkRate(fixed_seconds=100.0, core_seconds_per_million=40.0, jvm_gb_per_million=1.0)


def test_firehose_bills_each_record_rounded_up_to_5_kb() -> None:
    assert billed_record_bytes(610) == 5120
    assert billed_record_bytes(5120) == 5120
    assert billed_record_bytes(5121) == 10240


def test_billed_ingestion_with_and_without_aggregation() -> None:
    s = Scenario("t", tenants=1, events_per_tenant=1000, single_share=0.5)
    # 500 single records x 5,120 B + 5 batches x 100 records x 5,120 B = 5,120,000 B
    assert firehose_ingest_gb(s, 610, aggregated=False) == pytest.approx(5_120_000 / GB)
    # aggregated: each batch is one 61,000 B record, billed ceil(61,000 / 5,120) = 12 x 5,120 = 61,440 B:
    # 2,560,000 + 5 x 61,440 = 2,867,200 B
    assert firehose_ingest_gb(s, 610, aggregated=True) == pytest.approx(2_867_200 / GB)


def test_objects_per_tenant_day_follow_the_larger_of_size_and_interval_flushes() -> None:
    # 100,000 x 610 B = 61 MB < 128 MiB: one flush per 900 s, 24 h x 4 = 96
    assert objects_per_tenant_day(100_000, 610, 24) == 96
    # 50 M x 610 B = 30.5e9 B / 134,217,728 B = 227.2 -> 228 size flushes
    assert objects_per_tenant_day(50_000_000, 610, 24) == 228
    assert objects_per_tenant_day(1_000, 610, 8) == 32  # 8 active hours x 4


def test_line_fit_and_lambda_arithmetic() -> None:
    line = fit_line([1.0, 2.0, 3.0], [3.0, 5.0, 7.0])  # y = 1 + 2x
    assert (line.intercept, line.slope) == pytest.approx((1.0, 2.0))
    assert Line(-5.0, 1.0).at(1.0) == 0.0
    with pytest.raises(ValueError, match="two points"):
        fit_line([1.0], [2.0])
    assert cpu_slowdown(512, 1) == pytest.approx(1769 / 512)
    assert cpu_slowdown(10_240, 2) == 1.0
    assert parallel_vcpus(2048, 2) == pytest.approx(2048 / 1769) and parallel_vcpus(10_240, 2) == 2.0
    # 1,000 runs x 2 s x 2 GB = 4,000 GB-s x $0.0000166667 + 1,000 requests x $0.20 / 1e6
    assert lambda_cost(1000, 2.0, 2048) == pytest.approx(0.0666668 + 0.0002)
    # 5 workers x 600 s x (4 x $0.052624 + 16 x $0.0057785) per hour
    assert EmrSize(4).cost(600) == pytest.approx(5 * (600 / 3600) * (4 * 0.052624 + 16 * 0.0057785))


def _rates(peak_per_million_gb: float) -> Rates:
    return Rates(
        batch_own_ms=5.0,
        batch_calls={"GetItem": 2.0, "PutRecordBatch": 1.0},
        batch_items={"GetItem": 2.0},
        single_own_ms=1.0,
        single_calls={"GetItem": 2.0, "PutRecordBatch": 1.0},
        single_items={"GetItem": 2.0},
        record_bytes=610.0,
        gzip_bytes=35.0,
        parquet_bytes=40.0,
        s3_get_ms_per_object=2.0,
        s3_get_ms_per_mb=1.0,
        rollup_cpu_seconds=Line(0.5, 10.0),
        rollup_peak_gb=Line(0.3, peak_per_million_gb),
        compaction_cpu_seconds=Line(0.1, 5.0),
        compaction_peak_gb=Line(0.3, peak_per_million_gb),
        points_per_tenant_day=800.0,
        digest_objects_per_run=1455.0,
        spark=SPARK,
    )


def test_a_rollup_too_big_for_lambda_is_costed_on_emr_instead() -> None:
    big = Scenario("a", tenants=1, events_per_tenant=50_000_000, single_share=0.5)
    stages, headline = model_scenario(big, _rates(1.0))
    rollup = next(s for s in stages if s.name.startswith("rollup (DuckDB"))
    spark = next(s for s in stages if s.name.startswith("rollup on EMR"))
    assert rollup.limits.startswith("DOES NOT FIT") and not rollup.in_total and spark.in_total
    assert headline["rollup_fits_lambda"] == 0.0 and headline["objects_per_tenant_day"] == 228
    assert headline["total_cost"] == pytest.approx(sum(s.cost for s in stages if s.in_total))


def test_small_tenants_fit_lambda_and_emr_is_shown_for_comparison_only() -> None:
    many = Scenario("b", tenants=1000, events_per_tenant=100_000, single_share=0.5)
    stages, headline = model_scenario(many, _rates(1.0))
    rollup = next(s for s in stages if s.name.startswith("rollup (DuckDB"))
    spark = next(s for s in stages if s.name.startswith("rollup on EMR"))
    assert rollup.limits.startswith("ok") and rollup.in_total and not spark.in_total
    # 1,000 tenants x 96 objects
    assert next(s for s in stages if s.name.startswith("S3 delivery")).objects_written == 96_000
    assert headline["rollup_fits_lambda"] == 1.0


def test_emr_time_is_start_plus_fixed_plus_the_core_seconds_spread_over_the_executors() -> None:
    # 150 M events x 40 core-s per million = 6,000 core-s; 4 executors x 4 vCPU x 0.5 scaling = 8:
    # 750 s, + 180 s start + 100 s fixed
    assert emr_seconds(150e6, EmrSize(4), SPARK) == pytest.approx(1030.0)
    # 30 min: 1,800 - 280 = 1,520 s left for 6,000 core-s at 0.5 scaling: 6,000 / 760 vCPUs
    assert emr_vcpus_for(1800.0, 150e6, SPARK) == pytest.approx(6000 / 760)
    # under 900 s: 2 executors 1,780 s, 4 executors 1,030 s, 8 executors 280 + 375 = 655 s
    assert emr_size_for(150e6, SPARK).executors == 8


def test_a_fixed_part_beyond_the_goal_cannot_be_bought_with_executors() -> None:
    slow = SparkRate(fixed_seconds=2000.0, core_seconds_per_million=40.0, jvm_gb_per_million=1.0)
    assert emr_vcpus_for(1800.0, 150e6, slow) == math.inf
    assert emr_size_for(150e6, slow).executors == 64  # the cap: still over, the model says NOT met
    assert emr_seconds(150e6, EmrSize(64), slow) > 1800


def test_the_dispatcher_threshold_decides_the_engine_in_the_model() -> None:
    # three UTC days x 50 M events x 40 B = 6.0e9 B, far above 400 MiB; 100,000 x 3 x 40 B = 12 MB below
    assert window_bytes(50_000_000, 40.0) == 6.0e9
    big = Scenario("a", tenants=1, events_per_tenant=50_000_000, single_share=0.5)
    stages, headline = model_scenario(big, _rates(1.0))
    assert headline["window_bytes"] == 6.0e9 and headline["threshold_bytes"] == 400 * MIB
    assert headline["dispatched_to_spark"] == 1.0
    spark = next(s for s in stages if s.name.startswith("rollup on EMR"))
    assert spark.name.startswith("rollup on EMR Serverless (8 executors")
    # 8 executors + driver, 655 s, 4 vCPU x $0.052624 + 16 GB x $0.0057785 per hour each
    run = 9 * (655 / 3600) * (4 * 0.052624 + 16 * 0.0057785)
    assert headline["emr_cost_per_run"] == pytest.approx(run)
    assert headline["emr_minutes"] == pytest.approx(655 / 60)
    assert spark.limits == "goal < 30 min: met"
    memory = next(note for note in spark.notes if note.startswith("memory"))
    assert "executors hold 128 GB" in memory and "would be 150 GB" in memory
    assert "5,722 MiB window vs threshold 400 MiB" in spark.notes[-1]
    small = Scenario("b", tenants=1000, events_per_tenant=100_000, single_share=0.5)
    _, headline = model_scenario(small, _rates(1.0))
    assert headline["window_bytes"] == 12e6 and headline["dispatched_to_spark"] == 0.0
