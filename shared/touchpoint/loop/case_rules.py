"""Open a case automatically for an unhappy answer, by the tenant's case rules.

`open_case_for_answer` is called by the after-answer hook for every complete answer. It opens at
most one case per answer: the case id derives from the response id, so a retried completion finds
the case already there and opens none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from touchpoint.loop.bands import band_of
from touchpoint.models.case_rules import NEGATIVE_COMMENT, CaseRules

if TYPE_CHECKING:
    from touchpoint.models.surveys import StoredResponse, Survey
    from touchpoint.runtime import Runtime

#: The actor of automatically opened cases in their history.
RULES_ACTOR = "system:case_rules"


def matching_rule(rules: CaseRules, response: StoredResponse) -> str | None:
    """The id of the first rule the answer meets (scores first, then comments), or None."""
    for score in response.scores:
        band = band_of(score.kind, score.value)
        if band is not None and band.unhappy and rules.rule(band.name).applies_at(response.location_id):
            return band.name
    if any(c.sentiment == "negative" for c in response.comments) and rules.rule(NEGATIVE_COMMENT).applies_at(
        response.location_id
    ):
        return NEGATIVE_COMMENT
    return None


def open_case_for_answer(runtime: Runtime, survey: Survey, response: StoredResponse) -> None:
    """Open a case for a complete answer when one of the tenant's rules matches (idempotent)."""
    if not response.complete:
        return
    rules = runtime.cases.rules(response.tenant_id)
    trigger = matching_rule(rules, response)
    if trigger is None:
        return
    from touchpoint.loop.cases import open_for_answer

    open_for_answer(runtime, survey, response, trigger=trigger, actor=RULES_ACTOR, sla_hours=rules.sla_hours)
