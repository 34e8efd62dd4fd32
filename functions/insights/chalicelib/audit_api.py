"""`GET /v1/audit`: the tenant's audit log for a period (admin)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from touchpoint.runtime import Runtime
from touchpoint.storage.audit import AUDIT_RETENTION_DAYS
from touchpoint.web.errors import bad_request

DEFAULT_DAYS = 30


def _day(query: Any, name: str) -> date | None:
    raw = (query or {}).get(name)
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise bad_request(f"query parameter {name} must be a day, YYYY-MM-DD", field=name) from None


def audit_period(query: Any, today: date | None = None) -> tuple[date, date]:
    """`from` and `to` (UTC days, inclusive; default the last 30 days); 400 when unreadable or reversed."""
    today = today or datetime.now(UTC).date()
    last = _day(query, "to") or today
    first = _day(query, "from") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise bad_request("from must not be after to", field="from")
    if (last - first).days >= AUDIT_RETENTION_DAYS:
        raise bad_request(f"the period may span at most {AUDIT_RETENTION_DAYS} days", field="from")
    return first, last


def audit_document(runtime: Runtime, tenant_id: str, query: Any) -> dict[str, Any]:
    """The entries of the period, newest first."""
    first, last = audit_period(query)
    entries = runtime.audit.list(tenant_id, first, last)
    return {"from": first.isoformat(), "to": last.isoformat(), "entries": [e.as_json() for e in entries]}
