"""People at risk: whose engagement score fell by 20 points or more in 30 days.

Definition. A person is at risk on the tenant-local day D when the nightly rollup scored them on
D and on D-30 (each score over that day's trailing 90 days, `touchpoint.engine.scoring`) and
`score(D-30) - score(D) >= 20` (the engine's `AT_RISK_DROP`). This is the per-person side of the `at_risk`
metric of D: for a caller who sees every store, the list has as many people as the metric
counts. The list reads the rollup's per-person score file of D; a day the rollup has not scored
has no list (`scored: false`). Largest fall first, then by person id.

Per person: the score, the score 30 days before, the change, the last active day (any tracked
activity, online or in a store), the revenue of their orders up to D (the trailing year the
rollup keeps, "CLV to date") and their last feedback: the latest complete answer (survey or QR
form) stored under their user id or anonymous id, with its time and store.

Store scope: a store manager sees a person whose last feedback was given at one of their
stores. Visits carry no store in the score data, so a person without feedback at a store is
tenant-wide and seen only by people who see every store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.csv_export import render
from chalicelib.queries import local_today, single
from touchpoint.models.inputs import query_date
from touchpoint.models.surveys import iso_utc
from touchpoint.storage.person_scores import PersonScore
from touchpoint.storage.responses import respondent_keys
from touchpoint.web.scope import can_see

if TYPE_CHECKING:
    from touchpoint.models.surveys import StoredResponse
    from touchpoint.web.auth import Principal

CSV_HEADER: tuple[str, ...] = (
    "person",
    "score",
    "score_30d_ago",
    "change",
    "last_active_day",
    "last_feedback_at",
    "last_feedback_location",
    "revenue_to_date",
)


class PersonResponses(Protocol):
    """What the list needs from the responses repository."""

    def for_person(self, tenant_id: str, respondent: str) -> list[StoredResponse]: ...


@dataclass(frozen=True)
class AtRiskPerson:
    """One person at risk with what the team needs to act."""

    person: str
    score: float
    score_30d_ago: float
    change: float
    last_active_day: date | None
    revenue_to_date: float
    last_feedback_at: datetime | None
    last_feedback_location: str | None

    def public(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "person": self.person,
            "score": self.score,
            "score30dAgo": self.score_30d_ago,
            "change": self.change,
            "lastActiveDay": self.last_active_day.isoformat() if self.last_active_day else None,
            "revenueToDate": self.revenue_to_date,
            "lastFeedbackAt": iso_utc(self.last_feedback_at) if self.last_feedback_at else None,
            "lastFeedbackLocation": self.last_feedback_location,
        }


def parse_day(params: Mapping[str, list[str]], timezone: str, now: datetime | None = None) -> date:
    """`date` (YYYY-MM-DD); without it yesterday in the tenant's time zone (the last rolled-up day)."""
    raw = single(params, "date")
    return query_date(raw, "date") if raw is not None else local_today(timezone, now) - timedelta(days=1)


def at_risk_drop() -> float:
    """The fall in points that makes a person at risk (the engine's `AT_RISK_DROP`)."""
    # imported here: `touchpoint.engine` loads the metric pipeline, which other routes never need
    from touchpoint.engine.scoring import AT_RISK_DROP

    return AT_RISK_DROP


def fell(scores: Iterable[PersonScore]) -> list[tuple[PersonScore, float, float]]:
    """The rows of people at risk with their earlier score and change, largest fall first."""
    drop = at_risk_drop()
    found = [
        (row, row.score_30d_ago, round(row.score - row.score_30d_ago, 6))
        for row in scores
        if row.score_30d_ago is not None and row.score_30d_ago - row.score >= drop
    ]
    return sorted(found, key=lambda item: (item[2], item[0].person))


def last_feedback(responses: PersonResponses, tenant_id: str, person: str) -> StoredResponse | None:
    """The person's latest complete answer, under their user id or anonymous id."""
    answers = [
        r
        for key in respondent_keys(person, person)
        for r in responses.for_person(tenant_id, key)
        if r.complete
    ]
    return max(answers, key=lambda r: (r.submitted_at, r.response_id), default=None)


def people_at_risk(
    scores: list[PersonScore], responses: PersonResponses, principal: Principal
) -> list[AtRiskPerson]:
    """The people at risk the caller may see (see the module doc)."""
    found: list[AtRiskPerson] = []
    for row, before, change in fell(scores):
        feedback = last_feedback(responses, principal.tenant_id, row.person)
        location = feedback.location_id if feedback is not None else None
        if not can_see(principal, location):
            continue
        found.append(
            AtRiskPerson(
                person=row.person,
                score=row.score,
                score_30d_ago=before,
                change=change,
                last_active_day=row.last_active_day,
                revenue_to_date=row.revenue_to_date,
                last_feedback_at=feedback.submitted_at if feedback is not None else None,
                last_feedback_location=location,
            )
        )
    return found


def csv_text(people: Iterable[AtRiskPerson]) -> str:
    """The list as CSV (`CSV_HEADER`)."""
    return render(
        CSV_HEADER,
        (
            [
                p.person,
                p.score,
                p.score_30d_ago,
                p.change,
                p.last_active_day.isoformat() if p.last_active_day else None,
                iso_utc(p.last_feedback_at) if p.last_feedback_at else None,
                p.last_feedback_location,
                p.revenue_to_date,
            ]
            for p in people
        ),
    )
