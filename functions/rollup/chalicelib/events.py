"""Parsing the worker's invocation event: one tenant-day (the hourly schedule: `touchpoint.models.scheduled_events`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from touchpoint.models.scheduled_events import BadEventError
from touchpoint.models.tenants import is_valid_tenant_id
from touchpoint.rollup.schedule import TenantDay


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
