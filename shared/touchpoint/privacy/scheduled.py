"""The daily privacy run (the rollup function's `retention` handler and `touchpoint sweep`).

First the erasures whose lake part is still pending (an HTTP request stops after its time budget)
or due for their recheck (a second scan once events accepted just before the erasure have
landed, `touchpoint.privacy.erasure.LANDING_DELAY`), oldest first, then every tenant's retention
sweep. Both stop a minute before the Lambda's time
runs out (a tenth of it for short timeouts); what is left continues the next day (erasure jobs keep their cursor, the sweep is
idempotent).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from touchpoint.models.scheduled_events import BadEventError, schedule_time
from touchpoint.observability import logger, metrics
from touchpoint.privacy.erasure import ErasureOutcome, ErasureService, iso
from touchpoint.privacy.retention_sweep import RetentionSweeper, SweepReport

if TYPE_CHECKING:
    from touchpoint.runtime import Runtime

#: Stop this long before the Lambda's own timeout (at most a tenth of the time left).
SAFETY_SECONDS = 60.0


@dataclass
class PrivacyRun:
    """What one run did."""

    erasures: list[ErasureOutcome] = field(default_factory=list)
    sweeps: list[SweepReport] = field(default_factory=list)
    tenants_left: list[str] = field(default_factory=list)
    erasures_left: int = 0
    failed: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "erasures": [{"erasure_id": o.erasure_id, "status": o.status} for o in self.erasures],
            "erasures_left": self.erasures_left,
            "sweeps": [r.summary() for r in self.sweeps],
            "tenants_left": self.tenants_left,
            "failed": self.failed,
        }


def run_privacy(
    runtime: Runtime,
    now: datetime,
    *,
    tenant_id: str | None = None,
    deadline: float | None = None,
    dry_run: bool = False,
    monotonic: Callable[[], float] = time.monotonic,
) -> PrivacyRun:
    """Continue pending erasures, then sweep retention (one tenant or all)."""
    run = PrivacyRun()
    service = ErasureService(runtime, monotonic=monotonic)
    jobs = [] if dry_run else runtime.privacy_state.pending_jobs(tenant_id)
    # a completed erasure waits for its recheck until late events may have landed
    jobs = [job for job in jobs if job.recheck_after is None or job.recheck_after <= iso(now)]
    for position, job in enumerate(jobs):
        if deadline is not None and monotonic() >= deadline:
            run.erasures_left += len(jobs) - position
            break
        try:
            outcome = service.run_job(job, deadline)
        except Exception:  # one failing job must not stop the others or the sweep; retried tomorrow
            logger.exception(
                "erasure job failed", extra={"tenant_id": job.tenant_id, "erasure_id": job.erasure_id}
            )
            run.failed.append(f"erasure {job.tenant_id}/{job.erasure_id}")
            run.erasures_left += 1
            continue
        run.erasures.append(outcome)
        run.erasures_left += outcome.status != "completed"
    sweeper = RetentionSweeper(runtime, monotonic=monotonic)
    if tenant_id is not None:
        tenant = runtime.tenants.get_tenant(tenant_id)
        tenants = [] if tenant is None else [tenant]
    else:
        tenants = sorted(runtime.tenants.list_tenants(), key=lambda t: t.tenant_id)
    for position, tenant in enumerate(tenants):
        if deadline is not None and monotonic() >= deadline:
            run.tenants_left = [t.tenant_id for t in tenants[position:]]
            break
        try:
            run.sweeps.append(sweeper.sweep_tenant(tenant, now, dry_run=dry_run))
        except Exception:  # the other tenants are still swept; this one is tried again tomorrow
            logger.exception("retention sweep failed", extra={"tenant_id": tenant.tenant_id})
            run.failed.append(f"sweep {tenant.tenant_id}")
    return run


def handle_scheduled(runtime: Runtime, event: Any, context: Any) -> dict[str, Any]:
    """The Lambda handler's logic: `{"time": ...}` in, the run's summary out."""
    try:
        now = schedule_time(event)
    except BadEventError as error:
        logger.error("bad privacy schedule event", extra={"error": str(error)})
        return {"error": str(error)}
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    deadline = None
    if callable(remaining):
        seconds = remaining() / 1000
        deadline = time.monotonic() + max(0.0, seconds - min(SAFETY_SECONDS, seconds / 10))
    run = run_privacy(runtime, now, deadline=deadline)
    metrics.add_metric(
        name="ErasuresCompleted",
        unit=MetricUnit.Count,
        value=sum(o.status == "completed" for o in run.erasures),
    )
    metrics.add_metric(name="ErasuresPending", unit=MetricUnit.Count, value=run.erasures_left)
    metrics.add_metric(name="PrivacyRunFailures", unit=MetricUnit.Count, value=len(run.failed))
    metrics.add_metric(
        name="RetentionObjectsDeleted",
        unit=MetricUnit.Count,
        value=sum(r.objects_deleted for r in run.sweeps),
    )
    metrics.add_metric(
        name="RetentionResponsesDeleted",
        unit=MetricUnit.Count,
        value=sum(r.responses_deleted for r in run.sweeps),
    )
    summary = {"scheduled_at": now.isoformat(), **run.summary()}
    logger.info("privacy run", extra=summary)
    return summary
