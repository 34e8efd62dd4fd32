"""One notification delivery: a matching answer sent to one destination of one rule.

The id is derived from the answer, the rule and the destination, so a retried finish of the same
answer finds the delivery it made before instead of notifying twice.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from touchpoint.loop.notify_rules import Destination

#: Attempts before a delivery is given up (the queue's maxReceiveCount matches it).
MAX_ATTEMPTS = 8
#: The first retry waits this long; each further one twice as long, up to RETRY_CAP_S.
RETRY_BASE_S = 30
RETRY_CAP_S = 15 * 60


class NotificationStatus(StrEnum):
    """Queued (waiting or retrying), delivered, or failed for good."""

    QUEUED = "queued"
    DELIVERED = "delivered"
    FAILED = "failed"


def delivery_id(response_id: str, rule_id: str, destination: Destination) -> str:
    """The deterministic id of the delivery of one answer to one destination of one rule."""
    digest = hashlib.sha256(f"{response_id}|{rule_id}|{destination.value}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


def retry_delay_s(attempt: int) -> int:
    """Seconds until the message reappears after failed attempt `attempt` (1-based): 30 s x 2^(n-1), capped."""
    return int(min(RETRY_BASE_S * 2 ** max(attempt - 1, 0), RETRY_CAP_S))


class NotificationAttempt(BaseModel):
    """One try to deliver."""

    model_config = ConfigDict(frozen=True)

    attempt: int
    at: datetime
    ok: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0


class NotificationDelivery(BaseModel):
    """A delivery record (state table) and what the queue message points to."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    delivery_id: str
    rule_id: str
    destination: Destination
    survey_id: str
    response_id: str
    location_id: str | None = None
    answered_at: datetime
    created_at: datetime
    status: NotificationStatus = NotificationStatus.QUEUED
    enqueued: bool = False
    attempts: list[NotificationAttempt] = Field(default_factory=list)
    last_error: str | None = None
    next_retry_at: datetime | None = None
    delivered_at: datetime | None = None

    def public(self) -> dict[str, object]:
        """The delivery as the API shows it."""
        return self.model_dump(mode="json", exclude={"tenant_id", "enqueued"})
