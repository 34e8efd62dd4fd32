"""Which tenant-days the hourly schedule starts: tenants at 02:00 local time, plus recomputations.

The EventBridge rule fires at the top of every UTC hour `H`. A tenant is due when 02:00 on its
local calendar falls in `(H - 1h, H]`: exactly once per local night, also on DST changes (a
skipped 02:00 is due at the hour the clocks jump to, a repeated 02:00 only the first time) and in
zones with half-hour offsets (due at the first run after 02:00). Its day is the local day that
just ended. Every tenant's dirty days (late events) and crashed first runs are added.

Each tenant-day carries a `generation` naming why it runs (`nightly`, or the dirty mark's time),
so that the worker's idempotency key (tenant, date, generation) drops a duplicated scheduled event
but never a newer dirty mark.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from touchpoint.models.tenants import Tenant
from touchpoint.observability import logger
from touchpoint.storage.rollup_state import DIRTY, DayState

NIGHTLY_LOCAL_TIME = time(2, 0)
#: A first run still `running` after this long crashed or timed out (Lambda stops at 15 minutes).
STALE_RUN_AFTER = timedelta(hours=1)
NIGHTLY = "nightly"


@dataclass(frozen=True)
class TenantDay:
    """One unit of rollup work."""

    tenant_id: str
    day: date
    reason: str
    generation: str

    def payload(self) -> dict[str, str]:
        """The worker invocation payload."""
        return {
            "tenant_id": self.tenant_id,
            "date": self.day.isoformat(),
            "reason": self.reason,
            "generation": self.generation,
        }


class StateReader(Protocol):
    """What the dispatcher needs from the rollup state repository."""

    def days_to_recompute(self, tenant_id: str, stale_before: datetime) -> list[DayState]: ...


def schedule_hour(moment: datetime) -> datetime:
    """The top of the UTC hour of a scheduled event's time (an aware datetime)."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.replace(minute=0, second=0, microsecond=0)


def nightly_day(hour: datetime, timezone: str) -> date | None:
    """The local day to roll up at UTC hour `hour` for a tenant in `timezone`, or None."""
    zone = ZoneInfo(timezone)
    hour = schedule_hour(hour)
    candidates = {hour.astimezone(zone).date(), (hour - timedelta(hours=1)).astimezone(zone).date()}
    for local_date in sorted(candidates):
        # fold=0: a skipped 02:00 maps to the instant the clocks jump; a repeated one to its first pass.
        target = datetime.combine(local_date, NIGHTLY_LOCAL_TIME, tzinfo=zone).astimezone(UTC)
        if hour - timedelta(hours=1) < target <= hour:
            return local_date - timedelta(days=1)
    return None


def due_tenant_days(
    hour: datetime,
    tenants: Iterable[Tenant],
    state: StateReader,
    stale_after: timedelta = STALE_RUN_AFTER,
) -> list[TenantDay]:
    """Every tenant-day to roll up at UTC hour `hour`, by tenant then day (one entry per tenant-day)."""
    hour = schedule_hour(hour)
    due: list[TenantDay] = []
    for tenant in sorted(tenants, key=lambda t: t.tenant_id):
        by_day: dict[date, TenantDay] = {}
        nightly = nightly_day(hour, tenant.config.timezone)
        if nightly is not None:
            by_day[nightly] = TenantDay(tenant.tenant_id, nightly, NIGHTLY, NIGHTLY)
        for state_of_day in state.days_to_recompute(tenant.tenant_id, hour - stale_after):
            if state_of_day.status == DIRTY:
                reason, generation = "dirty", f"dirty:{state_of_day.dirtied_at or ''}"
            else:
                reason, generation = "retry", f"retry:{state_of_day.started_at or ''}"
            by_day[state_of_day.day] = TenantDay(tenant.tenant_id, state_of_day.day, reason, generation)
        due.extend(by_day[d] for d in sorted(by_day))
    return due


Invoker = Callable[[TenantDay], None]


@dataclass(frozen=True)
class DispatchReport:
    """What one scheduled run started (and what it failed to start)."""

    hour: datetime
    started: list[TenantDay]
    failed: list[TenantDay]

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "hour": self.hour.isoformat(),
            "started": [t.payload() for t in self.started],
            "failed": [t.payload() for t in self.failed],
        }


def dispatch(
    hour: datetime, tenants: Iterable[Tenant], state: StateReader, invoke: Invoker
) -> DispatchReport:
    """Hand every due tenant-day to `invoke` (one failure does not stop the others)."""
    hour = schedule_hour(hour)
    started: list[TenantDay] = []
    failed: list[TenantDay] = []
    for tenant_day in due_tenant_days(hour, tenants, state):
        try:
            invoke(tenant_day)
        except Exception:
            logger.exception("starting a rollup failed", extra=tenant_day.payload())
            failed.append(tenant_day)
        else:
            started.append(tenant_day)
    counts = {"started": len(started), "failed": len(failed)}
    if failed:
        logger.warning("rollup dispatch", extra=counts)
    else:
        logger.info("rollup dispatch", extra=counts)
    return DispatchReport(hour=hour, started=started, failed=failed)
