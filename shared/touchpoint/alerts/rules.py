"""Alert rules: which metric, for which breakdown, compared how, over which window.

Examples (the three of the product brief):

* "NPS 7-day below 20": `metric="nps", condition="below", threshold=20, window_days=7`.
* "CSAT at store X drops by 15 % against its 28-day mean": `metric="csat",
  breakdown={"location": "x"}, condition="drops_by", threshold=15, baseline_days=28`.
* "ticket volume by chat doubles": `metric="ticket_volume", breakdown={"channel": "chat"},
  condition="rises_by", threshold=100` (against the mean of the 28 days before).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from touchpoint.metrics.registry import WATCHABLE_BREAKDOWNS, WATCHABLE_METRICS
from touchpoint.models.inputs import DynamoNumber, SafeText

RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,47}$"
_RULE_ID_RE = re.compile(RULE_ID_PATTERN)
#: Breakdowns a rule may filter on: those of the metrics a rule can watch (`touchpoint.metrics`).
BREAKDOWN_KEYS: frozenset[str] = WATCHABLE_BREAKDOWNS
_BREAKDOWN_VALUE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
#: Metrics with one number per day (not a ranking such as `top_products`): what a rule can watch.
_WATCHABLE: frozenset[str] = frozenset(WATCHABLE_METRICS)
MAX_RULES_PER_TENANT = 100


class Condition(StrEnum):
    """How the measured value is compared with the threshold."""

    BELOW = "below"  # value < threshold
    ABOVE = "above"  # value > threshold
    DROPS_BY = "drops_by"  # value <= baseline x (1 - threshold %)
    RISES_BY = "rises_by"  # value >= baseline x (1 + threshold %)

    @property
    def relative(self) -> bool:
        """True when the condition compares against a baseline (threshold in percent)."""
        return self in (Condition.DROPS_BY, Condition.RISES_BY)


class AlertRuleInput(BaseModel):
    """What an admin sends to create or replace a rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule_id: str | None = Field(default=None, pattern=RULE_ID_PATTERN)
    name: SafeText = Field(min_length=1, max_length=200)
    metric: str = Field(min_length=1, max_length=64)
    breakdown: dict[str, str] = Field(default_factory=dict, max_length=3)
    condition: Condition
    threshold: DynamoNumber
    window_days: int = Field(default=1, ge=1, le=90)
    baseline_days: int = Field(default=28, ge=1, le=365)
    min_samples: int = Field(default=0, ge=0, le=100_000)
    enabled: bool = True

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        if value not in _WATCHABLE:
            raise ValueError(f"unknown or unwatchable metric {value!r}")
        return value

    @field_validator("breakdown")
    @classmethod
    def _valid_breakdown(cls, value: dict[str, str]) -> dict[str, str]:
        for key, item in value.items():
            if key not in BREAKDOWN_KEYS:
                raise ValueError(f"unknown breakdown {key!r} (one of {', '.join(sorted(BREAKDOWN_KEYS))})")
            if not _BREAKDOWN_VALUE_RE.match(item):
                raise ValueError(f"breakdown {key!r} has an invalid value")
        return value

    @model_validator(mode="after")
    def _sane_threshold(self) -> AlertRuleInput:
        if self.condition.relative and not 0 < self.threshold <= 1000:
            raise ValueError(f"{self.condition.value} takes a percentage threshold in (0, 1000]")
        return self


class AlertRule(AlertRuleInput):
    """A stored rule of a tenant."""

    tenant_id: str
    rule_id: str = Field(pattern=RULE_ID_PATTERN)
    created_at: datetime
    updated_at: datetime

    def describe(self) -> str:
        """A one-line English description, e.g. `nps (7-day) below 20`."""
        scope = "".join(f" {k}={v}" for k, v in sorted(self.breakdown.items()))
        window = f" ({self.window_days}-day)" if self.window_days > 1 else ""
        if self.condition.relative:
            verb = "drops" if self.condition is Condition.DROPS_BY else "rises"
            return (
                f"{self.metric}{scope}{window} {verb} by {self.threshold:g} % "
                f"against its {self.baseline_days}-day mean"
            )
        return f"{self.metric}{scope}{window} {self.condition.value} {self.threshold:g}"


def is_valid_rule_id(value: str) -> bool:
    """True when `value` can be a rule id."""
    return bool(_RULE_ID_RE.match(value))
