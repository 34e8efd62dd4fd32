"""The hourly dispatcher: start every tenant-day due now (02:00 local, dirty days, crashed runs),
each on the engine its size calls for (`chalicelib.invoker`)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib.invoker import build_invoker
from chalicelib.worker import run_tenant_day
from touchpoint.models.scheduled_events import schedule_time
from touchpoint.observability import logger, metrics
from touchpoint.rollup.overdue import overdue_tenant_days
from touchpoint.rollup.schedule import dispatch, schedule_hour
from touchpoint.runtime import get_runtime


def dispatch_scheduled(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    """Handle one EventBridge scheduled event; returns what was started (and on which engine) and
    what failed to start."""
    runtime = get_runtime()
    hour = schedule_hour(schedule_time(event))
    tenants = runtime.tenants.list_tenants()
    router = build_invoker(
        runtime,
        getattr(context, "function_name", None),
        run_tenant_day,
        hour=hour,
        timezones={t.tenant_id: t.config.timezone for t in tenants},
    )
    report = dispatch(hour, tenants, runtime.rollup_state, router)
    engines = router.summary()
    metrics.add_metric(name="RollupsStarted", unit=MetricUnit.Count, value=len(report.started))
    metrics.add_metric(name="RollupsNotStarted", unit=MetricUnit.Count, value=len(report.failed))
    metrics.add_metric(
        name="RollupsOnSpark", unit=MetricUnit.Count, value=sum(e == "spark" for e in engines.values())
    )
    overdue = overdue_tenant_days(hour, tenants, runtime.rollup_state)
    if overdue:
        logger.warning("rollups overdue", extra={"overdue": [f"{t}/{d.isoformat()}" for t, d in overdue]})
    # the RollupsOverdue alarm: any tenant-day past 06:00 local that no rollup finished
    metrics.add_metric(name="RollupsOverdue", unit=MetricUnit.Count, value=len(overdue))
    return {
        "scheduled_at": event.get("time"),
        **report.summary(),
        "engines": engines,
        "overdue": [{"tenant_id": t, "date": d.isoformat()} for t, d in overdue],
    }
