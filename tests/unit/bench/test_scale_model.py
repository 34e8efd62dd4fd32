"""The scale model's arithmetic (bench/scale_model.py), with hand-computed figures."""

from __future__ import annotations

import pytest

from bench.scale_model import (
    GB,
    EmrSize,
    Line,
    Rates,
    Scenario,
    billed_record_bytes,
    cpu_slowdown,
    firehose_ingest_gb,
    fit_line,
    lambda_cost,
    model_scenario,
    objects_per_tenant_day,
    parallel_vcpus,
)


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
