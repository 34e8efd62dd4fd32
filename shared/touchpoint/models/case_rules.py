"""A tenant's rules for opening cases automatically, and its follow-up SLA.

Every rule is on by default: the unhappy score bands (`nps_detractor`, `csat_low`,
`ces_high_effort`, see `touchpoint.loop.bands`) and `negative_comment`. A rule may be switched off
or limited to some stores; the SLA (hours from opening to the due time) defaults to 48.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

from touchpoint.models.locations import LOCATION_ID_PATTERN

RuleId = Literal["nps_detractor", "csat_low", "ces_high_effort", "negative_comment"]
RULE_IDS: tuple[str, ...] = get_args(RuleId)
NEGATIVE_COMMENT = "negative_comment"
DEFAULT_SLA_HOURS = 48
MAX_SLA_HOURS = 24 * 30


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class CaseRule(_Camel):
    """One rule: on or off, and (optionally) only for some stores."""

    enabled: bool = True
    locations: list[Annotated[str, StringConstraints(pattern=LOCATION_ID_PATTERN)]] | None = Field(
        default=None, min_length=1, max_length=100
    )

    def applies_at(self, location_id: str | None) -> bool:
        """Whether the rule is on for an answer at `location_id` (None: no store)."""
        return self.enabled and (self.locations is None or location_id in self.locations)


def _all_on() -> dict[RuleId, CaseRule]:
    return {rule_id: CaseRule() for rule_id in get_args(RuleId)}


class CaseRules(_Camel):
    """The case rules of a tenant (rules left out keep their default: on, every store)."""

    rules: dict[RuleId, CaseRule] = Field(default_factory=_all_on)
    sla_hours: int = Field(default=DEFAULT_SLA_HOURS, ge=1, le=MAX_SLA_HOURS)

    @model_validator(mode="after")
    def _every_rule(self) -> CaseRules:
        for rule_id in get_args(RuleId):
            self.rules.setdefault(rule_id, CaseRule())
        return self

    def rule(self, rule_id: str) -> CaseRule:
        """The rule `rule_id` (one of RULE_IDS)."""
        return self.rules[rule_id]  # type: ignore[index]
