"""The retention sweep: what S3 lifecycle rules and DynamoDB TTL cannot express on their own.

The bucket's lifecycle rules expire every object after the longest retention any tenant may
have (`RawEventRetentionDays`, 395 days, for `raw/`; `ResponseRetentionDays`, 730 days, for
`responses/`; counted from when the object was last written), and
DynamoDB's TTL deletes response items once their `expires_at` (set from the tenant's response
retention when written) has passed, up to about 48 hours late. The sweep adds, per tenant:

- lake partitions older than the tenant's own retention, by the partition's date (the event's
  UTC day, the day a response was submitted, the day input was rejected, the tenant-local day of
  a rollup digest or score export): every `dt=` partition of `raw/events/`, `raw/compacted/`,
  `quarantine/events/`,
  `digests/<table>/` (and the layout before, `digests/tenant=<t>/`) and `exports/people/`
  before today minus `retention_days_events`, and of
  `responses/` before today minus `retention_days_responses`, is listed (`Delimiter="/"`) and its
  objects deleted with `DeleteObjects`, 1,000 keys per request;
- responses (DynamoDB) submitted before today minus `retention_days_responses`, or whose
  `expires_at` has passed, with the guards that still point at them and their `Survey Responded`
  event; days are read through the `by_day` index from where the last sweep stopped (a
  watermark in the state table) up to the cutoff, so each day is read once;
- comment texts (`retention_days_comments`, shorter than or equal to the response retention):
  responses submitted before today minus that retention keep their scores and the comments'
  sentiment, but the comment texts, key phrases and text answers are replaced by a marker
  (`touchpoint.privacy.comment_retention`) in DynamoDB and in the lake copy, rewritten with `If-Match`
  as erasure does; days are read from their own watermark, so each day is rewritten once. The
  contact details left with those responses are deleted with the comment texts (and with the
  responses, when comments are kept as long as responses).

The lifecycle rules are the outer bound: `TenantConfig` refuses a retention longer than them
(`MAX_RETENTION_DAYS_EVENTS`, `MAX_RETENTION_DAYS_RESPONSES`).

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
from touchpoint.privacy.comment_retention import expire_comments, expire_copy_line, has_live_comments
from touchpoint.storage.lake import decode_jsonl_gz, encode_jsonl_gz
from touchpoint.storage.lake_layout import (
    COMPACTED_AREA,
    DIGEST_AREAS,
    EVENTS_AREA,
    PEOPLE_AREAS,
    QUARANTINE_AREA,
    RESPONSES_AREA,
    partition_date,
    partition_prefix,
)
from touchpoint.storage.lake_maintenance import ObjectChangedError
from touchpoint.surveys.lake_copy import response_lake_key, survey_event_key

if TYPE_CHECKING:
    from touchpoint.runtime import Runtime

#: Areas kept as long as raw events; `digests/...` and `exports/people/...` hold the rollup's
#: per-person day summaries and engagement scores.
EVENT_AREAS = (EVENTS_AREA, COMPACTED_AREA, QUARANTINE_AREA, *DIGEST_AREAS, *PEOPLE_AREAS)
_ATTEMPTS = 6


@dataclass
class SweepReport:
    """What one tenant's sweep removed (or, in a dry run, would remove)."""

    tenant_id: str
    dry_run: bool
    events_before: date
    responses_before: date
    comments_before: date
    partitions: dict[str, list[str]] = field(default_factory=dict)
    objects_deleted: int = 0
    responses_deleted: int = 0
    response_items_deleted: int = 0
    days_examined: int = 0
    comments_expired: int = 0
    comment_copies_rewritten: int = 0
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (log line, Lambda result, CLI output)."""
        return {
            "tenant_id": self.tenant_id,
            "dry_run": self.dry_run,
            "events_before": self.events_before.isoformat(),
            "responses_before": self.responses_before.isoformat(),
            "comments_before": self.comments_before.isoformat(),
            "partitions_deleted": {area: len(p) for area, p in self.partitions.items()},
            "objects_deleted": self.objects_deleted,
            "responses_deleted": self.responses_deleted,
            "response_items_deleted": self.response_items_deleted,
            "days_examined": self.days_examined,
            "comments_expired": self.comments_expired,
            "comment_copies_rewritten": self.comment_copies_rewritten,
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


def comment_cutoff(tenant: Tenant, now: datetime) -> date:
    """The first UTC day whose comment texts are still kept."""
    return now.astimezone(UTC).date() - timedelta(days=tenant.config.comment_retention_days)


def expired_partitions(partitions: Iterable[str], before: date) -> list[str]:
    """The `dt=` partitions dated before `before`, in key order."""
    return [p for p in partitions if (day := partition_date(p)) is not None and day < before]


class RetentionSweeper:
    """Sweeps a tenant's lake partitions and responses."""

    def __init__(self, runtime: Runtime, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._runtime = runtime
        self._monotonic = monotonic

    def sweep_tenant(self, tenant: Tenant, now: datetime, *, dry_run: bool = False) -> SweepReport:
        """Apply the tenant's retention to its lake partitions and responses."""
        started = self._monotonic()
        events_before, responses_before = cutoffs(tenant, now)
        report = SweepReport(
            tenant.tenant_id, dry_run, events_before, responses_before, comment_cutoff(tenant, now)
        )
        lake = self._runtime.lake_maintenance
        # Responses first: their first day may be read from the lake partitions deleted next.
        self._sweep_responses(tenant, now, responses_before, report)
        self._sweep_comments(tenant, report)
        areas = [(area, events_before) for area in EVENT_AREAS] + [(RESPONSES_AREA, responses_before)]
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
            for p in lake.list_partitions(partition_prefix(RESPONSES_AREA, tenant.tenant_id))
            if (day := partition_date(p)) is not None
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
        self._runtime.contacts.erase(tenant.tenant_id, [r.response_id for r in expired])
        for response in expired:
            report.response_items_deleted += records.delete_response(response)
            keys.update(
                k for k in (response_lake_key(response), survey_event_key(response), response.lake_key) if k
            )
        self._runtime.lake_maintenance.delete_keys(sorted(keys))
        self._runtime.privacy_state.set_responses_swept_to(tenant.tenant_id, max(before, first))

    def _sweep_comments(self, tenant: Tenant, report: SweepReport) -> None:
        """Expire comment texts of the days from the comment watermark up to the comment cutoff."""
        state = self._runtime.privacy_state
        before = report.comments_before
        first = state.swept_to(tenant.tenant_id, "comments")
        if first is None:
            # Days before the response cutoff hold no responses any more (just swept).
            first = max(self._first_response_day(tenant), report.responses_before)
        if before <= report.responses_before:
            # Comments are kept as long as responses: the response sweep removed them already.
            if not report.dry_run and before > first:
                state.set_swept_to(tenant.tenant_id, "comments", before)
            return
        records = self._runtime.privacy_records
        day = first
        while day < before:
            report.days_examined += 1
            responses = [response for response, _ in records.responses_on_day(tenant.tenant_id, day)]
            if not report.dry_run:  # a contact goes with the comments of its answer
                self._runtime.contacts.erase(tenant.tenant_id, [r.response_id for r in responses])
            for response in responses:
                if not has_live_comments(response):
                    continue
                report.comments_expired += 1
                if report.dry_run:
                    continue
                records.rewrite_response(
                    response.tenant_id, response.survey_id, response.response_id, expire_comments
                )
                for key in {k for k in (response_lake_key(response), response.lake_key) if k}:
                    report.comment_copies_rewritten += self._expire_copy(key)
            day += timedelta(days=1)
        if not report.dry_run and before > first:
            state.set_swept_to(tenant.tenant_id, "comments", before)

    def _expire_copy(self, key: str) -> int:
        """Rewrite one response copy without comment texts (If-Match); 1 if it changed."""
        lake = self._runtime.lake_maintenance
        for _ in range(_ATTEMPTS):
            obj = lake.read(key)
            if obj is None:
                return 0
            lines = decode_jsonl_gz(obj.body)
            changed = [expire_copy_line(line) for line in lines]
            if not any(changed):
                return 0
            try:
                lake.replace(
                    key,
                    encode_jsonl_gz(lines),
                    obj.etag,
                    content_type="application/x-ndjson",
                    encoding="gzip",
                )
            except ObjectChangedError:
                continue
            return 1
        raise RuntimeError(f"lake object {key} kept changing while its comments were expired")
