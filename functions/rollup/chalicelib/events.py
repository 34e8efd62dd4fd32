"""Parsing the rollup's invocation events: the hourly schedule and one tenant-day for the worker."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from touchpoint.models.tenants import is_valid_tenant_id
from touchpoint.rollup.schedule import TenantDay


class BadEventError(ValueError):
    """The invocation event cannot be read (names the field)."""


def schedule_time(event: dict[str, Any], now: datetime | None = None) -> datetime:
    """The `time` of an EventBridge scheduled event (now, for a manual invocation without one)."""
    raw = event.get("time")
    if raw is None:
        return now or datetime.now(UTC)
    if not isinstance(raw, str):
        raise BadEventError("time: must be an ISO-8601 string")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadEventError(f"time: not an ISO-8601 time: {raw!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(event: dict[str, Any], name: str, default: str | None = None) -> str:
    value = event.get(name, default)
    if not isinstance(value, str) or not value:
        raise BadEventError(f"{name}: a non-empty string is required")
    return value


def worker_request(event: dict[str, Any]) -> TenantDay:
    """The tenant-day of a worker invocation: `{"tenant_id", "date", "reason"?, "generation"?}`."""
    if not isinstance(event, dict):
        raise BadEventError("event: must be a JSON object")
    tenant_id = _text(event, "tenant_id")
    if not is_valid_tenant_id(tenant_id):
        raise BadEventError(f"tenant_id: not a tenant id: {tenant_id!r}")
    raw_day = _text(event, "date")
    try:
        day = date.fromisoformat(raw_day)
    except ValueError:
        raise BadEventError(f"date: not a YYYY-MM-DD date: {raw_day!r}") from None
    reason = _text(event, "reason", "manual")
    generation = _text(event, "generation", reason)
    return TenantDay(tenant_id=tenant_id, day=day, reason=reason, generation=generation)
