"""A person's engagement scores from the rollup's per-person exports, for their access request.

The rollup writes every scored person's daily score to
`exports/people/csv/tenant=<t>/dt=<day>/engagement.csv` (kept as long as raw events, erased with
the person's days). An access export lists the person's rows of the most recent `EXPORT_DAYS`
files; older files hold the same kind of row and are named in the export's `note`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from touchpoint.storage.lake import LakeRepository
from touchpoint.storage.lake_layout import PEOPLE_CSV_AREA, partition_date, partition_prefix

#: How many of the latest daily score files an access export reads.
EXPORT_DAYS = 31


def _optional_float(text: str | None) -> float | None:
    return float(text) if text not in (None, "") else None


def scores_of(
    lake: LakeRepository, tenant_id: str, ids: Iterable[str], days: int = EXPORT_DAYS
) -> dict[str, Any]:
    """`{"days": [...], "olderDays": n}`: the person's rows (any of `ids`) of the latest `days` files."""
    wanted = frozenset(ids)
    partitions = [
        p
        for p in lake.list_partitions(partition_prefix(PEOPLE_CSV_AREA, tenant_id))
        if partition_date(p) is not None
    ]
    recent = sorted(partitions)[-days:] if days > 0 else []

    def read(prefix: str) -> list[dict[str, Any]]:
        keys = [key for key in lake.list_keys(prefix) if key.endswith("engagement.csv")]
        rows: list[dict[str, Any]] = []
        for key in keys:
            for row in csv.DictReader(io.StringIO(lake.get_bytes(key).decode("utf-8"))):
                if row.get("person") in wanted:
                    rows.append(
                        {
                            "date": row["tenant_day"],
                            "person": row["person"],
                            "score": _optional_float(row.get("score")),
                            "score30dAgo": _optional_float(row.get("score_30d_ago")),
                            "change": _optional_float(row.get("change")),
                            "atRisk": row.get("at_risk") == "true",
                            "lastActiveDay": row.get("last_active_day") or None,
                            "revenueToDate": _optional_float(row.get("revenue_to_date")),
                        }
                    )
        return rows

    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="export-scores") as pool:
        found = [row for rows in pool.map(read, recent) for row in rows]
    return {
        "days": sorted(found, key=lambda r: (r["date"], r["person"])),
        "olderDays": len(partitions) - len(recent),
    }
