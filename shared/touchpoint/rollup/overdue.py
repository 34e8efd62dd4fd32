"""Tenant-days not rolled up by 06:00 local time: what the `RollupsOverdue` alarm counts.

The nightly run of a tenant's day starts at 02:00 local time on the next day
(`touchpoint.rollup.schedule`); by 06:00 it must have finished. At each hourly dispatch the day
checked per tenant is the latest local day whose deadline has passed: yesterday from 06:00 local,
the day before until then. It is overdue when no rollup run of it ever finished (no state item,
or one without a `run_id`: still `running`, or dirtied during its first run). A day that was
rolled up and later dirtied by late events is not overdue: its results exist and the next hourly
run refreshes them. Days before the tenant was created are never overdue.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from touchpoint.models.tenants import Tenant
from touchpoint.rollup.schedule import schedule_hour
from touchpoint.storage.rollup_state import DayState

ROLLUP_DEADLINE = time(6, 0)


class DayStateReader(Protocol):
    """What the count needs from the rollup state repository."""

    def day_state(self, tenant_id: str, day: date) -> DayState | None: ...


def deadline_day(hour: datetime, timezone: str) -> date:
    """The latest local day of a tenant in `timezone` whose deadline (06:00 local on the next day)
    has passed at UTC hour `hour`."""
    local = schedule_hour(hour).astimezone(ZoneInfo(timezone))
    return local.date() - timedelta(days=1 if local.time() >= ROLLUP_DEADLINE else 2)


def overdue_tenant_days(
    hour: datetime, tenants: Iterable[Tenant], state: DayStateReader
) -> list[tuple[str, date]]:
    """Each tenant's deadline day that no rollup finished, by tenant (one state read per tenant)."""
    overdue: list[tuple[str, date]] = []
    for tenant in sorted(tenants, key=lambda t: t.tenant_id):
        zone = tenant.config.timezone
        day = deadline_day(hour, zone)
        if day < tenant.created_at.astimezone(ZoneInfo(zone)).date():
            continue
        seen = state.day_state(tenant.tenant_id, day)
        if seen is None or not seen.run_id:
            overdue.append((tenant.tenant_id, day))
    return overdue
