"""Fired alerts and their delivery attempts, as stored and as shown by the API."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from touchpoint.alerts.rules import Condition


class Outlet(StrEnum):
    """Where a fired alert goes."""

    WEBHOOK = "webhook"
    SNS = "sns"


class DeliveryStatus(StrEnum):
    """State of one outlet's delivery, and of the alert as a whole (the worst of its outlets)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    SKIPPED = "skipped"  # the outlet is not configured (no webhook URL)


class DeliveryAttempt(BaseModel):
    """One try to hand an alert to an outlet."""

    model_config = ConfigDict(frozen=True)

    outlet: Outlet
    attempt: int = Field(ge=1)
    at: datetime
    ok: bool
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    duration_ms: int = Field(default=0, ge=0)
    retryable: bool = False


class OutletState(BaseModel):
    """Where one outlet's delivery stands."""

    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    delivered_at: datetime | None = None


class FiredAlert(BaseModel):
    """An alert a rule fired on a day (one per tenant + rule + day)."""

    tenant_id: str
    rule_id: str
    rule_name: str
    description: str
    day: date
    metric: str
    breakdown: dict[str, str] = Field(default_factory=dict)
    condition: Condition
    threshold: float
    window_days: int
    baseline_days: int
    value: float
    baseline: float | None = None
    change_pct: float | None = None
    samples: int = 0
    fired_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    outlets: dict[Outlet, OutletState] = Field(default_factory=dict)

    @property
    def alert_id(self) -> str:
        """`<YYYY-MM-DD>_<rule id>`: the tenant-wide unique, URL-safe id of the alert."""
        return alert_id(self.day, self.rule_id)

    def message(self) -> str:
        """A one-line English summary, e.g. `csat location=x on 2024-05-10: 2.9 (-21 % against 3.7)`."""
        scope = "".join(f" {k}={v}" for k, v in sorted(self.breakdown.items()))
        text = f"{self.metric}{scope} on {self.day.isoformat()}: {self.value:.4g}"
        if self.baseline is not None and self.change_pct is not None:
            text += f" ({self.change_pct:+.0f} % against {self.baseline:.4g})"
        return f"{text} - {self.rule_name}"

    def public(self) -> dict[str, Any]:
        """The JSON form of the API and of the webhook payload."""
        body = self.model_dump(mode="json")
        body["alert_id"] = self.alert_id
        body["message"] = self.message()
        return body


def alert_id(day: date, rule_id: str) -> str:
    """The id of the alert of `rule_id` on `day` (rule ids never contain `_`)."""
    return f"{day.isoformat()}_{rule_id}"


def parse_alert_id(value: str) -> tuple[date, str] | None:
    """`(day, rule_id)` from an alert id, or None when it is malformed."""
    day_text, sep, rule_id = value.partition("_")
    if not sep or not rule_id:
        return None
    try:
        return date.fromisoformat(day_text), rule_id
    except ValueError:
        return None
