"""The hourly dispatcher: start every tenant-day due now (02:00 local, dirty days, crashed runs),
each on the engine its size calls for (`chalicelib.invoker`)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib.invoker import build_invoker
from chalicelib.worker import run_tenant_day
from touchpoint.models.scheduled_events import schedule_time
from touchpoint.observability import metrics
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
    return {"scheduled_at": event.get("time"), **report.summary(), "engines": engines}
