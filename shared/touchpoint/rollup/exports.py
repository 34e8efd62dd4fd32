"""Daily exports of a tenant-day's metrics as CSV and Parquet, under Hive-style partitions.

Objects: `exports/metrics/parquet/tenant=<t>/dt=<YYYY-MM-DD>/metrics.parquet` and
`exports/metrics/csv/tenant=<t>/dt=<YYYY-MM-DD>/metrics.csv` (each format under its own prefix, so
each is one Athena table: `infra/template.yaml` defines them in the Glue Data Catalog), one row per
metric point with the columns `tenant, date, metric, breakdown, value, extra`
(`breakdown` and `extra` are JSON objects as text, keys sorted; `value` is empty/NULL when a
metric has no value). Rows are sorted by metric and breakdown and the bytes are a pure function
of the points, so re-running a day rewrites identical objects. Parquet is written by DuckDB (no
pyarrow in the Lambda).

The Glue tables partition by `tenant` and `dt` (partition projection) and name the file's own
`tenant` column `tenant_id` there; `docs/ATHENA.md` shows queries.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from touchpoint.models.metrics import MetricPoint

COLUMNS: tuple[str, ...] = ("tenant", "date", "metric", "breakdown", "value", "extra")


@dataclass(frozen=True)
class ExportRow:
    """One exported metric point."""

    tenant: str
    date: date
    metric: str
    breakdown: str
    value: float | None
    extra: str


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def export_rows(tenant_id: str, points: Iterable[MetricPoint]) -> list[ExportRow]:
    """The points as export rows, sorted by metric, then breakdown."""
    rows = [
        ExportRow(
            tenant=tenant_id,
            date=p.date,
            metric=p.metric,
            breakdown=_json(p.breakdown),
            value=p.value,
            extra=_json(p.extra),
        )
        for p in points
    ]
    return sorted(rows, key=lambda r: (r.metric, r.breakdown, r.date))


def render_csv(rows: list[ExportRow]) -> bytes:
    """RFC 4180 CSV with a header line (UTF-8, `\\n` line ends, floats in shortest exact form)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        value = "" if r.value is None else repr(float(r.value))
        writer.writerow([r.tenant, r.date.isoformat(), r.metric, r.breakdown, value, r.extra])
    return out.getvalue().encode("utf-8")


def render_parquet(rows: list[ExportRow], workdir: Path) -> bytes:
    """The rows as a zstd-compressed Parquet file (written by DuckDB, in row order)."""
    import duckdb  # imported here: only the rollup function ships DuckDB

    path = workdir / "metrics.parquet"
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET threads = 1")  # one writer thread: one row group order, stable bytes
        con.execute(
            """CREATE TABLE metrics AS
            SELECT unnest($tenant::VARCHAR[]) AS tenant, unnest($date::DATE[]) AS date,
                unnest($metric::VARCHAR[]) AS metric, unnest($breakdown::VARCHAR[]) AS breakdown,
                unnest($value::DOUBLE[]) AS value, unnest($extra::VARCHAR[]) AS extra,
                unnest($ord::BIGINT[]) AS ord""",
            {
                "tenant": [r.tenant for r in rows],
                "date": [r.date for r in rows],
                "metric": [r.metric for r in rows],
                "breakdown": [r.breakdown for r in rows],
                "value": [r.value for r in rows],
                "extra": [r.extra for r in rows],
                "ord": list(range(len(rows))),
            },
        )
        con.execute(
            f"COPY (SELECT * EXCLUDE (ord) FROM metrics ORDER BY ord) TO '{path}' "  # noqa: S608 - our temp path
            "(FORMAT parquet, COMPRESSION zstd)"
        )
    finally:
        con.close()
    return path.read_bytes()
