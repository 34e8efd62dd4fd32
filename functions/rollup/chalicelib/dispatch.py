"""The hourly dispatcher: start every tenant-day due now (02:00 local, dirty days, crashed runs)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib.invoker import build_invoker
from chalicelib.worker import run_tenant_day
from touchpoint.models.scheduled_events import schedule_time
from touchpoint.observability import metrics
from touchpoint.rollup.schedule import dispatch
from touchpoint.runtime import get_runtime


def dispatch_scheduled(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    """Handle one EventBridge scheduled event; returns what was started and what failed to start."""
    runtime = get_runtime()
    invoker = build_invoker(runtime, getattr(context, "function_name", None), run_tenant_day)
    report = dispatch(schedule_time(event), runtime.tenants.list_tenants(), runtime.rollup_state, invoker)
    metrics.add_metric(name="RollupsStarted", unit=MetricUnit.Count, value=len(report.started))
    metrics.add_metric(name="RollupsNotStarted", unit=MetricUnit.Count, value=len(report.failed))
    return {"scheduled_at": event.get("time"), **report.summary()}
