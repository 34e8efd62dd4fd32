"""Input windows, run ids and the export files (CSV and Parquet)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from touchpoint.models.metrics import MetricPoint
from touchpoint.rollup.exports import export_rows, render_csv, render_parquet
from touchpoint.rollup.inputs import InputWindow, input_windows
from touchpoint.storage.lake_layout import export_keys, partition_date
from touchpoint.storage.metrics import new_run_id, run_started_at, storage_breakdown_key

DAY = date(2026, 3, 10)


def test_windows_cover_a_year_back_and_the_next_day_in_utc_dates() -> None:
    utc = input_windows(DAY, "UTC")
    assert utc.events == InputWindow(date(2025, 3, 10), date(2026, 3, 11))
    assert utc.responses == InputWindow(date(2025, 3, 10), date(2026, 3, 10))
    # Berlin midnight is 23:00 UTC the day before; the end of D+1 is 22:59 UTC on D+1.
    berlin = input_windows(DAY, "Europe/Berlin")
    assert berlin.events == InputWindow(date(2025, 3, 9), date(2026, 3, 11))
    # Los Angeles: the end of D+1 local is 07:00 UTC on D+2.
    la = input_windows(DAY, "America/Los_Angeles")
    assert la.events == InputWindow(date(2025, 3, 10), date(2026, 3, 12))
    assert la.responses.last == date(2026, 3, 11)
    assert date(2026, 3, 12) in la.events and date(2026, 3, 13) not in la.events
    assert "2026-03-12" not in la.events


def test_partition_dates_are_read_from_hive_prefixes() -> None:
    assert partition_date("raw/events/tenant=acme/dt=2026-03-10/") == date(2026, 3, 10)
    assert partition_date("raw/events/tenant=acme/dt=2026-13-40/") is None
    assert partition_date("raw/events/tenant=acme/other/") is None


def test_run_ids_sort_by_start_time_and_decode() -> None:
    first = new_run_id(datetime(2026, 3, 10, 2, 0, 1, tzinfo=UTC))
    second = new_run_id(datetime(2026, 3, 10, 2, 0, 2, tzinfo=UTC))
    assert first < second and "#" not in first
    assert run_started_at(first) == datetime(2026, 3, 10, 2, 0, 1, tzinfo=UTC)
    assert run_started_at("not-a-run") is None


def test_long_breakdowns_are_hashed_in_sort_keys() -> None:
    short = MetricPoint(metric="orders", date=DAY, value=1.0, breakdown={"location": "berlin"})
    long = MetricPoint(metric="orders", date=DAY, value=1.0, breakdown={"location": "x" * 600})
    assert storage_breakdown_key(short) == "location=berlin"
    assert storage_breakdown_key(long).startswith("sha256=") and len(storage_breakdown_key(long)) < 100


def _points() -> list[MetricPoint]:
    return [
        MetricPoint(metric="sessions", date=DAY, value=120.0, breakdown={"channel": "web"}),
        MetricPoint(metric="nps", date=DAY, value=12.5, extra={"responses": 8, "promoters": 3}),
        MetricPoint(metric="sessions", date=DAY, value=200.0),
        MetricPoint(
            metric="top_products",
            date=DAY,
            value=0.1 + 0.2,
            breakdown={"product": 'sku "1", big', "rank": "1"},
        ),
        MetricPoint(metric="stickiness", date=DAY, value=None),
    ]


def test_csv_rows_are_sorted_quoted_and_exact() -> None:
    rows = export_rows("acme", _points())
    text = render_csv(rows).decode("utf-8")
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert [(r["metric"], r["breakdown"]) for r in parsed] == [
        ("nps", "{}"),
        ("sessions", '{"channel":"web"}'),
        ("sessions", "{}"),
        ("stickiness", "{}"),
        ("top_products", '{"product":"sku \\"1\\", big","rank":"1"}'),
    ]
    assert parsed[0] == {
        "tenant": "acme",
        "date": "2026-03-10",
        "metric": "nps",
        "breakdown": "{}",
        "value": "12.5",
        "extra": '{"promoters":3,"responses":8}',
    }
    assert parsed[3]["value"] == ""  # no value: empty, never 0
    assert float(parsed[4]["value"]) == 0.1 + 0.2
    assert json.loads(parsed[4]["breakdown"]) == {"product": 'sku "1", big', "rank": "1"}
    assert render_csv(export_rows("acme", list(reversed(_points())))) == render_csv(rows)


def test_parquet_has_the_export_columns_and_is_deterministic(tmp_path: Path) -> None:
    rows = export_rows("acme", _points())
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    data = render_parquet(rows, tmp_path / "a")
    assert data == render_parquet(rows, tmp_path / "b")
    table = pq.read_table(io.BytesIO(data))
    assert table.column_names == ["tenant", "date", "metric", "breakdown", "value", "extra"]
    assert str(table.schema.field("date").type) == "date32[day]"
    assert table.column("value").to_pylist() == [12.5, 120.0, 200.0, None, 0.1 + 0.2]
    # DuckDB (what Athena-like engines see) reads the same rows back.
    (tmp_path / "m.parquet").write_bytes(data)
    count = duckdb.connect().execute(f"SELECT count(*) FROM '{tmp_path / 'm.parquet'}'").fetchall()
    assert count == [(5,)]


def test_an_empty_day_exports_a_header_and_an_empty_table(tmp_path: Path) -> None:
    assert render_csv([]) == b"tenant,date,metric,breakdown,value,extra\n"
    table = pq.read_table(io.BytesIO(render_parquet([], tmp_path)))
    assert table.num_rows == 0 and table.column_names[0] == "tenant"


def test_export_keys_are_hive_partitions() -> None:
    assert export_keys("acme", DAY) == (
        "exports/metrics/csv/tenant=acme/dt=2026-03-10/metrics.csv",
        "exports/metrics/parquet/tenant=acme/dt=2026-03-10/metrics.parquet",
    )
