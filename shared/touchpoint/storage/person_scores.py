"""Per-person engagement scores of one tenant-day, as the nightly rollup exports them to the lake.

The rollup writes every scored person's row to `exports/people/csv/tenant=<t>/dt=<day>/engagement.csv`
(`touchpoint.engine.scoring.write_person_scores`): the score on the day, the score 30 days
earlier when the person was scored then, the change, the last active day and the revenue to date.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from touchpoint.storage.lake_layout import people_export_keys

if TYPE_CHECKING:
    from touchpoint.storage.lake import LakeRepository


@dataclass(frozen=True)
class PersonScore:
    """One person's row of a day's score file."""

    person: str
    score: float
    score_30d_ago: float | None
    change: float | None
    last_active_day: date | None
    revenue_to_date: float


def _number(text: str | None) -> float | None:
    return float(text) if text not in (None, "") else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def parse_scores(text: str) -> list[PersonScore]:
    """The rows of a score file's CSV text."""
    return [
        PersonScore(
            person=row["person"],
            score=float(row["score"]),
            score_30d_ago=_number(row.get("score_30d_ago")),
            change=_number(row.get("change")),
            last_active_day=_day(row.get("last_active_day")),
            revenue_to_date=_number(row.get("revenue_to_date")) or 0.0,
        )
        for row in csv.DictReader(io.StringIO(text))
    ]


class PersonScoreRepository:
    """Read the rollup's per-person score files."""

    def __init__(self, lake: LakeRepository) -> None:
        self._lake = lake

    def day(self, tenant_id: str, day: date) -> list[PersonScore] | None:
        """Every person scored on the tenant-local `day`, or None when the day was not scored."""
        key = people_export_keys(tenant_id, day)[0]
        if not any(found == key for found in self._lake.list_keys(key)):
            return None
        return parse_scores(self._lake.get_bytes(key).decode("utf-8"))
