"""The retention sweep: what S3 lifecycle rules and DynamoDB TTL cannot express on their own.

The bucket's lifecycle rules expire every object after the longest retention any tenant may
have (`RawEventRetentionDays`, default 395 days, counted from when the object was written), and
DynamoDB's TTL deletes response items once their `expires_at` (set from the tenant's response
retention when written) has passed, up to about 48 hours late. The sweep adds, per tenant:

- lake partitions older than the tenant's own retention, by the partition's date (the event's
  UTC day, the day a response was submitted, the day input was rejected): every `dt=` partition
  of `raw/events/` and `quarantine/events/` before today minus `retention_days_events`, and of
  `responses/` before today minus `retention_days_responses`, is listed (`Delimiter="/"`) and its
  objects deleted with `DeleteObjects`, 1,000 keys per request;
- responses (DynamoDB) submitted before today minus `retention_days_responses`, or whose
  `expires_at` has passed, with the guards that still point at them and their `Survey Responded`
  event; days are read through the `by_day` index from where the last sweep stopped (a
  watermark in the state table) up to the cutoff, so each day is read once.

A shorter retention applies from the next sweep on; a longer one to what is stored afterwards
(items already carry their `expires_at`, and the lifecycle rules cap every tenant).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from touchpoint.models.tenants import Tenant
from touchpoint.observability import logger
from touchpoint.privacy.lake_scan import partition_day
from touchpoint.storage.lake import partition_prefix
from touchpoint.surveys.lake_copy import response_lake_key, survey_event_key

if TYPE_CHECKING:
    from touchpoint.runtime import Runtime

EVENT_AREAS = ("raw/events", "quarantine/events")
RESPONSE_AREA = "responses"


@dataclass
class SweepReport:
    """What one tenant's sweep removed (or, in a dry run, would remove)."""

    tenant_id: str
    dry_run: bool
    events_before: date
    responses_before: date
    partitions: dict[str, list[str]] = field(default_factory=dict)
    objects_deleted: int = 0
    responses_deleted: int = 0
    response_items_deleted: int = 0
    days_examined: int = 0
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (log line, Lambda result, CLI output)."""
        return {
            "tenant_id": self.tenant_id,
            "dry_run": self.dry_run,
            "events_before": self.events_before.isoformat(),
            "responses_before": self.responses_before.isoformat(),
            "partitions_deleted": {area: len(p) for area, p in self.partitions.items()},
            "objects_deleted": self.objects_deleted,
            "responses_deleted": self.responses_deleted,
            "response_items_deleted": self.response_items_deleted,
            "days_examined": self.days_examined,
            "seconds": round(self.seconds, 3),
        }


def cutoffs(tenant: Tenant, now: datetime) -> tuple[date, date]:
    """The first UTC day still kept: of events (and quarantine), and of responses."""
    today = now.astimezone(UTC).date()
    config = tenant.config
    return (
        today - timedelta(days=config.retention_days_events),
        today - timedelta(days=config.retention_days_responses),
    )


def expired_partitions(partitions: Iterable[str], before: date) -> list[str]:
    """The `dt=` partitions dated before `before`, in key order."""
    return [p for p in partitions if (day := partition_day(p)) is not None and day < before]


class RetentionSweeper:
    """Sweeps a tenant's lake partitions and responses."""

    def __init__(self, runtime: Runtime, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._runtime = runtime
        self._monotonic = monotonic

    def sweep_tenant(self, tenant: Tenant, now: datetime, *, dry_run: bool = False) -> SweepReport:
        """Apply the tenant's retention to its lake partitions and responses."""
        started = self._monotonic()
        events_before, responses_before = cutoffs(tenant, now)
        report = SweepReport(tenant.tenant_id, dry_run, events_before, responses_before)
        lake = self._runtime.lake_maintenance
        # Responses first: their first day may be read from the lake partitions deleted next.
        self._sweep_responses(tenant, now, responses_before, report)
        areas = [(area, events_before) for area in EVENT_AREAS] + [(RESPONSE_AREA, responses_before)]
        for area, before in areas:
            expired = expired_partitions(
                lake.list_partitions(partition_prefix(area, tenant.tenant_id)), before
            )
            report.partitions[area] = expired
            for prefix in expired:
                keys = [key for key, _ in lake.list_objects(prefix)]
                report.objects_deleted += len(keys) if dry_run else lake.delete_keys(keys)
        report.seconds = self._monotonic() - started
        logger.info("retention sweep", extra=report.summary())
        return report

    def _first_response_day(self, tenant: Tenant) -> date:
        swept_to = self._runtime.privacy_state.responses_swept_to(tenant.tenant_id)
        if swept_to is not None:
            return swept_to
        lake = self._runtime.lake_maintenance
        days = [
            day
            for p in lake.list_partitions(partition_prefix(RESPONSE_AREA, tenant.tenant_id))
            if (day := partition_day(p)) is not None
        ]
        return min([tenant.created_at.astimezone(UTC).date(), *days])

    def _sweep_responses(self, tenant: Tenant, now: datetime, before: date, report: SweepReport) -> None:
        records = self._runtime.privacy_records
        first = self._first_response_day(tenant)
        epoch = int(now.timestamp())
        expired: list[Any] = []
        day = first
        while day < before:
            report.days_examined += 1
            expired.extend(response for response, _ in records.responses_on_day(tenant.tenant_id, day))
            day += timedelta(days=1)
        # The boundary day: responses whose own expires_at passed today, which TTL (up to 48 hours
        # late) may not have removed yet. Items whose expires_at is earlier than the current
        # retention (it was lengthened since) are left to TTL.
        report.days_examined += 1
        expired.extend(
            response
            for response, expires_at in records.responses_on_day(tenant.tenant_id, before)
            if expires_at is not None and expires_at <= epoch
        )
        report.responses_deleted = len(expired)
        if report.dry_run:
            return
        keys: set[str] = set()
        for response in expired:
            report.response_items_deleted += records.delete_response(response)
            keys.update(
                k for k in (response_lake_key(response), survey_event_key(response), response.lake_key) if k
            )
        self._runtime.lake_maintenance.delete_keys(sorted(keys))
        self._runtime.privacy_state.set_responses_swept_to(tenant.tenant_id, max(before, first))
