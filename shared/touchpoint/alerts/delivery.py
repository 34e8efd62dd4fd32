"""Delivery with retries: exponential backoff, every attempt reported as it happens.

The clock and the sleeper are injected so tests run without waiting. A send raises
`DeliveryError` on failure; a non-retryable failure (HTTP 4xx other than 408/425/429, an unsafe
URL) stops at once. The final state is `delivered` or `failed`; nothing is dropped silently.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from touchpoint.alerts.models import DeliveryAttempt, DeliveryStatus, Outlet, OutletState
from touchpoint.alerts.webhook import DeliveryError

Sleeper = Callable[[float], None]
Clock = Callable[[], datetime]
Send = Callable[[], int | None]
AttemptSink = Callable[[DeliveryAttempt], None]


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


class RetryPolicy(BaseModel):
    """How often and how patiently to retry: delays `base, base x factor, ...` capped at `max_delay_s`."""

    model_config = ConfigDict(frozen=True)

    max_attempts: int = Field(default=5, ge=1, le=20)
    base_delay_s: float = Field(default=1.0, ge=0)
    factor: float = Field(default=2.0, ge=1)
    max_delay_s: float = Field(default=30.0, ge=0)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        return float(min(self.base_delay_s * self.factor ** (attempt - 1), self.max_delay_s))


def deliver_with_retry(
    outlet: Outlet,
    send: Send,
    *,
    policy: RetryPolicy,
    on_attempt: AttemptSink,
    sleep: Sleeper = time.sleep,
    clock: Clock = utc_now,
    first_attempt: int = 1,
) -> OutletState:
    """Call `send` until it succeeds, fails for good or the attempts are used up.

    `send` returns an HTTP status (or None) on success and raises DeliveryError on failure; any
    other exception counts as a retryable failure. `first_attempt` continues the numbering of a
    redelivery. Each attempt goes to `on_attempt` before the next one starts.
    """
    state = OutletState(attempts=first_attempt - 1)
    for number in range(first_attempt, first_attempt + policy.max_attempts):
        at = clock()
        started = time.monotonic()
        try:
            status_code = send()
        except DeliveryError as error:
            attempt = DeliveryAttempt(
                outlet=outlet,
                attempt=number,
                at=at,
                ok=False,
                status_code=error.status_code,
                error=str(error)[:500],
                duration_ms=int((time.monotonic() - started) * 1000),
                retryable=error.retryable,
            )
        except Exception as error:
            attempt = DeliveryAttempt(
                outlet=outlet,
                attempt=number,
                at=at,
                ok=False,
                error=f"{type(error).__name__}: {error}"[:500],
                duration_ms=int((time.monotonic() - started) * 1000),
                retryable=True,
            )
        else:
            attempt = DeliveryAttempt(
                outlet=outlet,
                attempt=number,
                at=at,
                ok=True,
                status_code=status_code,
                duration_ms=int((time.monotonic() - started) * 1000),
            )
        on_attempt(attempt)
        state = OutletState(
            status=DeliveryStatus.DELIVERED if attempt.ok else DeliveryStatus.FAILED,
            attempts=number,
            last_error=attempt.error,
            delivered_at=at if attempt.ok else None,
        )
        if attempt.ok or not attempt.retryable:
            return state
        if number < first_attempt + policy.max_attempts - 1:
            sleep(policy.delay(number - first_attempt + 1))
    return state


def overall_status(outlets: dict[Outlet, OutletState]) -> DeliveryStatus:
    """The alert's status: failed if any outlet failed, pending if any is pending, else delivered."""
    states = [s.status for s in outlets.values() if s.status is not DeliveryStatus.SKIPPED]
    if any(s is DeliveryStatus.FAILED for s in states):
        return DeliveryStatus.FAILED
    if any(s is DeliveryStatus.PENDING for s in states):
        return DeliveryStatus.PENDING
    return DeliveryStatus.DELIVERED if states else DeliveryStatus.SKIPPED
