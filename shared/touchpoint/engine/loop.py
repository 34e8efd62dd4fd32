"""Closing the loop: `cases_opened`, `cases_resolved`, `median_first_response_hours`, `closed_loop_rate`.

The follow-up cases are not in the lake: the rollup reads them from the cases table and hands
them over as `EngineInputs.case_facts` (cases opened, first replied to or resolved from the start
of D to the end of D + 2); `load_case_facts` makes them table `case_facts` (naive UTC times).
Breakdown: `location` (the case's store; for `closed_loop_rate` the answer's store). A case or an
answer without a store adds to the total only.

Rules (docs/METRICS.md has the definitions):

* A case belongs to the tenant-local day of the moment in question: `cases_opened` of its
  `opened_at`, `cases_resolved` of its `resolved_at` (the current resolution), and
  `median_first_response_hours` of its `first_response_at`.
* The two counts follow the engine's count rule: emitted when > 0, or as 0 when D has at least
  one complete survey response (the answers cases are opened for), else absent.
* `median_first_response_hours`: the median over the cases first replied to on D of
  `first_response_at - opened_at` in hours (continuous: the mean of the two middle values for an
  even count); emitted when at least one case was first replied to on D, with `extra.cases`. A
  case whose recorded first reply precedes its opening (impossible, so a broken record) is left out.
* `closed_loop_rate`: the denominator is the detractor answers of D, the complete responses
  submitted on D with at least one NPS answer 0-6 (the responses behind `nps`'s `detractors`); the
  numerator those whose case (matched by `response_id`) has a `first_response_at` no later than
  48 hours after the answer's `submittedAt`. An answer without a case, or whose case has no
  reply, is not closed. Emitted when D has a detractor answer, with `extra.detractors` and
  `extra.closed`. A reply made after the rollup of D changes D's value: the cases service marks
  the answer's day dirty when it replies, and the dispatcher recomputes D.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from touchpoint.engine.context import EngineContext
from touchpoint.engine.inputs import CaseFactRow
from touchpoint.models.metrics import MetricPoint

if TYPE_CHECKING:
    from touchpoint.engine.backend import SqlBackend

#: A detractor answer counts as closed when its case's first reply came within this many hours.
CLOSED_WITHIN_HOURS = 48

_COLUMNS: tuple[tuple[str, str], ...] = (
    ("case_id", "VARCHAR"),
    ("location", "VARCHAR"),
    ("source", "VARCHAR"),
    ("opened_at", "TIMESTAMP"),
    ("first_response_at", "TIMESTAMP"),
    ("resolved_at", "TIMESTAMP"),
    ("response_id", "VARCHAR"),
    ("response_submitted_at", "TIMESTAMP"),
    ("detractor", "BOOLEAN"),
)

_STORE = (("location", "location"),)


def _naive_utc(moment: datetime | None) -> datetime | None:
    """A naive UTC datetime (the engine's form) of an aware one; naive ones are UTC already."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def load_case_facts(backend: SqlBackend, facts: Sequence[CaseFactRow]) -> None:
    """Create table `case_facts` (one row per case; a case id given twice keeps its first row)."""
    rows: dict[str, tuple[object, ...]] = {}
    for fact in facts:
        rows.setdefault(
            fact.case_id,
            (
                fact.case_id,
                fact.location_id or None,
                fact.source,
                _naive_utc(fact.opened_at),
                _naive_utc(fact.first_response_at),
                _naive_utc(fact.resolved_at),
                fact.response_id or None,
                _naive_utc(fact.response_submitted_at),
                bool(fact.detractor),
            ),
        )
    backend.rows_table("case_facts", _COLUMNS, [rows[key] for key in sorted(rows)])


def _count_points(ctx: EngineContext, metric: str, column: str, responses_on_d: bool) -> list[MetricPoint]:
    source = f"SELECT location FROM case_facts WHERE {column} >= $d_start AND {column} < $d_end"  # noqa: S608 - constant column
    groups = ctx.grouped(source, _STORE, {"n": "count(*)"})
    if groups[0].num("n") <= 0 and not responses_on_d:
        return []
    return [ctx.point(metric, g.num("n"), g.breakdown) for g in groups if g.num("n") > 0 or not g.breakdown]


def _first_response_points(ctx: EngineContext) -> list[MetricPoint]:
    source = (
        "SELECT location, epoch(first_response_at - opened_at) / 3600.0 AS hours FROM case_facts "
        "WHERE first_response_at >= $d_start AND first_response_at < $d_end AND first_response_at >= opened_at"
    )
    groups = ctx.grouped(source, _STORE, {"n": "count(*)", "median_hours": "median(hours)"})
    return [
        ctx.point(
            "median_first_response_hours", g.num("median_hours"), g.breakdown, {"cases": int(g.num("n"))}
        )
        for g in groups
        if g.num("n") > 0
    ]


def _closed_loop_points(ctx: EngineContext) -> list[MetricPoint]:
    source = f"""
        SELECT d.location,
            CASE WHEN f.first_reply IS NOT NULL
                AND f.first_reply <= d.ts + INTERVAL {CLOSED_WITHIN_HOURS} HOUR THEN 1 ELSE 0 END AS closed
        FROM (
            SELECT DISTINCT response_id, location, ts FROM answers
            WHERE kind = 'nps' AND value BETWEEN 0 AND 6 AND value = floor(value)
                AND ts >= $d_start AND ts < $d_end
        ) AS d
        LEFT JOIN (
            SELECT response_id, min(first_response_at) AS first_reply FROM case_facts
            WHERE response_id IS NOT NULL GROUP BY response_id
        ) AS f ON f.response_id = d.response_id
    """  # noqa: S608 - composed from constants
    groups = ctx.grouped(source, _STORE, {"n": "count(*)", "closed": "sum(closed)"})
    points: list[MetricPoint] = []
    for g in groups:
        n = g.num("n")
        if n > 0:
            extra = {"detractors": int(n), "closed": int(g.num("closed"))}
            points.append(ctx.point("closed_loop_rate", g.num("closed") / n, g.breakdown, extra))
    return points


def compute_loop(ctx: EngineContext) -> list[MetricPoint]:
    """The loop metrics of day D (see the module doc)."""
    responses_on_d = bool(
        ctx.scalar("SELECT EXISTS (SELECT 1 FROM resp WHERE ts >= $d_start AND ts < $d_end)")
    )
    return (
        _count_points(ctx, "cases_opened", "opened_at", responses_on_d)
        + _count_points(ctx, "cases_resolved", "resolved_at", responses_on_d)
        + _first_response_points(ctx)
        + _closed_loop_points(ctx)
    )
