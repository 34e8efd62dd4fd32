"""Metric results: one value of one metric for one tenant-day and breakdown."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class MetricPoint(BaseModel):
    """One metric value. `breakdown` is `{}` for the tenant total, e.g. `{"channel": "email"}` otherwise.

    `value` is None only for a metric that is defined but has no data (the API omits those).
    `extra` carries companions such as `responses` beside `nps`, or the deciles of a distribution.
    """

    model_config = ConfigDict(frozen=True)

    metric: str = Field(min_length=1, max_length=64)
    date: date
    value: float | None
    breakdown: dict[str, str] = Field(default_factory=dict)
    extra: dict[str, Any] = Field(default_factory=dict)

    @property
    def breakdown_key(self) -> str:
        """A stable string for the breakdown (`-` for the total), used in storage keys."""
        if not self.breakdown:
            return "-"
        return "|".join(f"{k}={v}" for k, v in sorted(self.breakdown.items()))
