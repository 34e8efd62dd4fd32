"""The local stack's stand-in for the hourly dispatcher's recomputations.

In AWS the hourly dispatcher (`touchpoint.rollup.schedule`) runs every tenant-day marked dirty
(late events, a changed case, a backfill or a re-run asked for through `/v1/rollups` or the
console) and every crashed run. The local stack has no schedule, so a background thread does that
part every minute, in process, with the worker's own service (`touchpoint.rollup.wiring`). The
nightly 02:00 runs are left out: locally `touchpoint rollup` / `touchpoint demo` roll days up.
"""

from __future__ import annotations

from datetime import UTC, datetime

from touchpoint.observability import logger
from touchpoint.rollup.schedule import NIGHTLY, TenantDay, due_tenant_days
from touchpoint.runtime import Runtime, get_runtime
from touchpoint_cli.notification_poller import NotificationPoller

#: Seconds between two looks at the marked days.
POLL_SECONDS = 60.0


def recompute_marked_days(runtime: Runtime, now: datetime | None = None) -> list[TenantDay]:
    """Roll up every tenant-day the dispatcher would recompute now (not the nightly ones); the days run."""
    from touchpoint.rollup.wiring import build_service  # the engine: imported on first use

    moment = now or datetime.now(UTC)
    due = [
        tenant_day
        for tenant_day in due_tenant_days(moment, runtime.tenants.list_tenants(), runtime.rollup_state)
        if tenant_day.reason != NIGHTLY
    ]
    if not due:
        return []
    service = build_service(runtime)
    done: list[TenantDay] = []
    for tenant_day in due:
        try:
            service.run_day(tenant_day.tenant_id, tenant_day.day, now=moment)
        except Exception:  # one day's failure leaves it marked; the others still run
            logger.exception("local rollup failed", extra=tenant_day.payload())
        else:
            done.append(tenant_day)
    return done


def _recompute_now() -> None:
    recompute_marked_days(get_runtime())


def rollup_poller(interval: float = POLL_SECONDS) -> NotificationPoller:
    """The background thread of the local stack that runs the marked days."""
    return NotificationPoller(interval, _recompute_now, name="touchpoint-rollups")
