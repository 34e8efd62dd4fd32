"""Erasure of a person: `DELETE /v1/people/{id}`, `touchpoint erase` and the daily sweep.

One erasure, in this order (every step is idempotent, so a resumed or repeated erasure finishes
what an interrupted one left and a second erasure changes nothing):

1. resolve the person's ids (`subjects.link_closure`) and write the audit entry (`running`, with
   the salted hash of the requested id, never the id) and the job (the work order, with the ids);
2. put every id on the suppression list, so ingest stores no later event of theirs;
3. delete their responses, repeat-window and coupon guards, the contact details left with
   those responses (responses table), their identity links and profile (people table);
4. scan the tenant's lake (`lake_scan`): remove their lines from raw events, quarantine and
   response copies, delete response exports naming them; with a deadline (an HTTP request has
   29 s) the scan stops between two chunks of objects and the job keeps the cursor: the daily sweep
   (or `touchpoint sweep`) continues it, and the erasure reads `pending` until then;
5. remove the rollup's day digests and per-person score exports of those days (derived
   per-person rows; the rollup of a dirty day writes them again from the scrubbed raw events,
   and a later day's run reads raw events where a digest is missing) and mark dirty
   every rolled-up tenant-day whose metrics may include them (from the day before their first
   line to a year after their last: rolling metrics look back that far), so the next rollup
   recomputes those days without them;
6. complete the audit entry with the counts; the job stays with `recheck_after` set to
   `LANDING_DELAY` after the request: ingest may have accepted an event of the person just
   before step 2 took effect (its container reads the suppression list's generation at most 60 s
   late), and the landing stream delivers it up to 20 minutes later. The first daily privacy run
   after that time scans the lake once more (steps 4 and 5, counts added) and then deletes the
   job (and with it the ids).

An id nobody knows is erased the same way (suppressed, counts 0): the answer never tells whether
a person exists. Everything is scoped to the tenant of the caller.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from touchpoint.observability import logger
from touchpoint.privacy.lake_scan import LakeScanner, ScanResult
from touchpoint.privacy.subjects import check_person_id, link_closure, new_request_id, subject_hash
from touchpoint.storage.lake_layout import (
    DIGEST_AREAS,
    DIGESTS_AREA,
    PEOPLE_AREAS,
    partition_date,
    partition_prefix,
)
from touchpoint.storage.privacy_records import PersonItem, utc_day
from touchpoint.storage.privacy_state import ERASURE, AuditEntry, ErasureJob

if TYPE_CHECKING:
    from touchpoint.runtime import Runtime

#: How far back the rollup reads a day's inputs (`touchpoint.rollup.inputs.LOOKBACK_DAYS`; not
#: imported, as that module pulls in DuckDB, which the surveys function does not ship).
METRIC_LOOKBACK_DAYS = 365
RUNNING = "running"
PENDING = "pending"
COMPLETED = "completed"
#: From the erasure request until every event ingest accepted before it has landed: the
#: suppression list's cached generation (60 s), Firehose's buffer (15 min) and its retries of
#: dynamic partitioning (5 min), with room to spare.
LANDING_DELAY = timedelta(minutes=30)
_SCAN_COUNTS = {
    "partitions": "partitionsScanned",
    "objects_listed": "objectsListed",
    "objects_read": "objectsRead",
    "bytes_read": "bytesRead",
    "objects_matched": "objectsMatched",
    "objects_rewritten": "objectsRewritten",
    "objects_deleted": "objectsDeleted",
    "events_removed": "eventsRemoved",
    "events_scrubbed": "eventsScrubbed",
    "quarantine_lines_removed": "quarantineLinesRemoved",
    "response_copies_removed": "responseCopiesRemoved",
    "response_copies_scrubbed": "responseCopiesScrubbed",
    "exports_removed": "responseExportsRemoved",
    "retries": "rewriteRetries",
}
REMOVED_KEYS = (
    "identityLinks",
    "profileItems",
    "responses",
    "responseGuards",
    "contacts",
    "cases",
    "eventsRemoved",
    "quarantineLinesRemoved",
    "responseCopiesRemoved",
    "responseExportsRemoved",
)
SCRUBBED_KEYS = ("eventsScrubbed", "responseCopiesScrubbed", "responsesScrubbed")
COST_KEYS = (
    "partitionsScanned",
    "objectsListed",
    "objectsRead",
    "bytesRead",
    "objectsMatched",
    "objectsRewritten",
    "objectsDeleted",
    "rewriteRetries",
)


def utc_now() -> datetime:
    """The current time (tests replace this function)."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with seconds."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Person:
    """The requested id and every id of the same person."""

    requested: str
    ids: frozenset[str]
    links: tuple[tuple[str, str], ...]


def resolve_person(runtime: Runtime, tenant_id: str, person_id: str) -> Person:
    """The person around `person_id` in the tenant's identity graph (see `subjects`)."""
    links = runtime.identity.list_links(tenant_id)

    def groups(ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        return {k: v.group for k, v in runtime.identity.suppressions(tenant_id, ids).items()}

    ids = link_closure(person_id, links, groups)
    own = tuple((a, u) for a, u in links if a in ids or u in ids)
    return Person(requested=person_id, ids=ids, links=own)


def affected_days(first: date, last: date, today: date) -> tuple[date, date]:
    """The tenant-local days whose metrics may include lines of UTC days `first`..`last`."""
    return first - timedelta(days=1), min(
        last + timedelta(days=1 + METRIC_LOOKBACK_DAYS), today + timedelta(days=1)
    )


@dataclass(frozen=True)
class ErasureOutcome:
    """Where an erasure stands and what it removed."""

    erasure_id: str
    status: str
    requested_at: str
    completed_at: str | None
    counts: Mapping[str, int]

    def view(self) -> dict[str, Any]:
        """The API form."""
        return erasure_view(self.erasure_id, self.status, self.requested_at, self.completed_at, self.counts)


def erasure_view(
    erasure_id: str, status: str, requested_at: str, completed_at: str | None, counts: Mapping[str, int]
) -> dict[str, Any]:
    """An erasure as the API and the CLI show it (no personal data)."""
    return {
        "erasureId": erasure_id,
        "status": status,
        "requestedAt": requested_at,
        "completedAt": completed_at,
        "suppressedIds": int(counts.get("suppressedIds", 0)),
        "removed": {key: int(counts.get(key, 0)) for key in REMOVED_KEYS},
        "scrubbed": {key: int(counts.get(key, 0)) for key in SCRUBBED_KEYS},
        "daysMarkedDirty": int(counts.get("daysMarkedDirty", 0)),
        "digestDaysRemoved": int(counts.get("digestDaysRemoved", 0)),
        "cost": {key: int(counts.get(key, 0)) for key in COST_KEYS},
    }


def _add(counts: dict[str, int], values: Mapping[str, int]) -> None:
    for key, value in values.items():
        counts[key] = counts.get(key, 0) + int(value)


class ErasureService:
    """Erase people of a tenant (see the module doc for the order of work)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        scanner: LakeScanner | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._runtime = runtime
        self._monotonic = monotonic
        self._scanner = scanner or LakeScanner(runtime.lake_maintenance, clock=monotonic)

    def erase(
        self, tenant_id: str, person_id: str, *, actor: str, budget_seconds: float | None = None
    ) -> ErasureOutcome:
        """Erase a person; with a budget the lake part may be left `pending` for the sweep."""
        check_person_id(person_id)
        deadline = None if budget_seconds is None else self._monotonic() + budget_seconds
        now = utc_now()
        person = resolve_person(self._runtime, tenant_id, person_id)
        job = ErasureJob(
            tenant_id=tenant_id,
            erasure_id=new_request_id("er", now),
            person_id=person_id,
            ids=tuple(sorted(person.ids)),
            subject_hash=subject_hash(self._runtime.settings.key_pepper, tenant_id, person_id),
            actor=actor,
            requested_at=iso(now),
        )
        state = self._runtime.privacy_state
        state.add_audit(
            AuditEntry(
                tenant_id=tenant_id,
                entry_id=job.erasure_id,
                kind=ERASURE,
                subject_hash=job.subject_hash,
                actor=actor,
                requested_at=job.requested_at,
                status=RUNNING,
            )
        )
        state.save_job(job)
        return self.run_job(job, deadline)

    def run_job(self, job: ErasureJob, deadline: float | None = None) -> ErasureOutcome:
        """Do (or continue) the work of an erasure job until it completes or the deadline passes."""
        counts = dict(job.counts)
        ids = frozenset(job.ids)
        if job.cursor is None:  # steps 2 and 3 (repeated after a crash before the first save)
            at = utc_now()
            counts["suppressedIds"] = self._runtime.identity.suppress(
                job.tenant_id, job.ids, erasure_id=job.erasure_id, at=at
            )
            days = self._erase_records(job.tenant_id, ids, counts)
            job = _with_days(replace(job, cursor={"area": 0, "after": None}, counts=counts), days)
            self._runtime.privacy_state.save_job(job)
        scan = ScanResult()
        try:
            self._scanner.scan(
                job.tenant_id,
                ids,
                erase=True,
                cursor=job.cursor,
                deadline=deadline,
                metadata={"touchpoint-erasure": job.erasure_id},
                into=scan,
            )
        except Exception:
            # Keep the days already changed (a resumed scan no longer finds those lines, but the
            # days must still be recomputed) and the counts; the cursor stays: the scan repeats.
            _add(counts, {_SCAN_COUNTS[k]: v for k, v in scan.stats.counts().items()})
            with contextlib.suppress(Exception):  # best effort: storage may be what failed
                counts["responsesScrubbed"] = counts.get("responsesScrubbed", 0) + self._scrub_responses(
                    job.tenant_id, scan
                )
            self._runtime.privacy_state.save_job(_with_days(replace(job, counts=counts), scan.changed_days))
            raise
        _add(counts, {_SCAN_COUNTS[k]: v for k, v in scan.stats.counts().items()})
        counts["responsesScrubbed"] = counts.get("responsesScrubbed", 0) + self._scrub_responses(
            job.tenant_id, scan
        )
        job = _with_days(replace(job, counts=counts, cursor=scan.cursor), scan.changed_days)
        self._log(job, scan)
        if not scan.complete:
            self._runtime.privacy_state.save_job(job)
            self._runtime.privacy_state.update_audit(
                job.tenant_id, ERASURE, job.erasure_id, PENDING, counts, None
            )
            return ErasureOutcome(job.erasure_id, PENDING, job.requested_at, None, counts)
        counts["digestDaysRemoved"] = self._drop_derived_days(job)
        counts["daysMarkedDirty"] = len(self._mark_dirty(job))
        completed = iso(utc_now())
        self._runtime.privacy_state.update_audit(
            job.tenant_id, ERASURE, job.erasure_id, COMPLETED, counts, completed
        )
        if job.recheck_after is None:
            # Events of the person accepted just before the suppression list took effect may land
            # up to LANDING_DELAY later: the daily privacy run scans the lake once more after it.
            recheck = datetime.fromisoformat(job.requested_at.replace("Z", "+00:00")) + LANDING_DELAY
            self._runtime.privacy_state.save_job(
                replace(job, counts=counts, cursor={"area": 0, "after": None}, recheck_after=iso(recheck))
            )
        else:
            self._runtime.privacy_state.delete_job(job)
        logger.info(
            "erasure completed",
            extra={"tenant_id": job.tenant_id, "erasure_id": job.erasure_id, "counts": counts},
        )
        return ErasureOutcome(job.erasure_id, COMPLETED, job.requested_at, completed, counts)

    def status(self, tenant_id: str, erasure_id: str) -> ErasureOutcome | None:
        """An erasure of the tenant, or None."""
        entry = self._runtime.privacy_state.get_audit(tenant_id, ERASURE, erasure_id)
        if entry is None:
            return None
        return ErasureOutcome(
            entry.entry_id, entry.status, entry.requested_at, entry.completed_at, dict(entry.counts)
        )

    def _erase_records(self, tenant_id: str, ids: frozenset[str], counts: dict[str, int]) -> set[date]:
        """Step 3: responses and guards, links and profile; returns the UTC days of the responses."""
        records = self._runtime.privacy_records
        items: dict[tuple[str, str], PersonItem] = {}
        for identifier in sorted(ids):
            for respondent in (f"user:{identifier}", f"anon:{identifier}"):
                for item in records.person_items(tenant_id, respondent):
                    items[(item.pk, item.sk)] = item
        responses = [i for i in items.values() if i.item_type == "response"]
        guards = [i for i in items.values() if i.item_type != "response"]
        owned = {i.response_id for i in responses}
        scrubbed = 0
        for guard in guards:  # a guard of their anonymousId may point at someone else's response
            respondent = guard.sk.split("#", 1)[1]
            if guard.response_id and guard.response_id not in owned and respondent.startswith("anon:"):
                scrubbed += records.forget_anonymous_id(
                    tenant_id, guard.survey_id, guard.response_id, respondent[len("anon:") :]
                )
        records.delete_keys([i.key for i in items.values()])
        profiles = self._runtime.identity.profile_items(tenant_id, ids)
        _add(
            counts,
            {
                "responses": len(responses),
                "responseGuards": len(guards),
                "responsesScrubbed": scrubbed,
                "contacts": self._runtime.contacts.erase(tenant_id, sorted(r for r in owned if r)),
                "cases": self._runtime.cases.erase(tenant_id, ids, (r for r in owned if r)),
                "identityLinks": self._runtime.identity.delete_links(tenant_id, ids),
                "profileItems": self._runtime.identity.delete_profile_items(profiles),
            },
        )
        return {utc_day(i.response) for i in responses if i.response is not None}

    def _scrub_responses(self, tenant_id: str, scan: ScanResult) -> int:
        """Remove the person's anonymousId from someone else's responses found through their copies."""
        records = self._runtime.privacy_records
        return sum(
            records.forget_anonymous_id(tenant_id, s.survey_id, s.response_id, s.anonymous_id)
            for s in scan.scrubbed_responses
        )

    def _drop_derived_days(self, job: ErasureJob) -> int:
        """Step 5a: delete the day digests (every table's area and the legacy layout's) and person-score
        exports that may hold the person's rows; returns the digest days removed."""
        if job.first_day is None or job.last_day is None:
            return 0
        first, last = affected_days(
            date.fromisoformat(job.first_day), date.fromisoformat(job.last_day), utc_now().date()
        )
        lake = self._runtime.lake
        partitions = [
            prefix
            for area in (*DIGEST_AREAS, *PEOPLE_AREAS)
            for prefix in lake.list_partitions(partition_prefix(area, job.tenant_id))
            if (day := partition_date(prefix)) is not None
            and first - timedelta(days=1) <= day <= last + timedelta(days=1)
        ]
        self._runtime.lake_maintenance.delete_keys(
            [key for prefix in partitions for key in lake.list_keys(prefix)]
        )
        return len({partition_date(prefix) for prefix in partitions if prefix.startswith(DIGESTS_AREA + "/")})

    def _mark_dirty(self, job: ErasureJob) -> list[date]:
        """Step 5: mark the rolled-up days whose metrics may include the person dirty."""
        if job.first_day is None or job.last_day is None:
            return []
        first, last = affected_days(
            date.fromisoformat(job.first_day), date.fromisoformat(job.last_day), utc_now().date()
        )
        state = self._runtime.rollup_state
        return state.mark_dirty_if_done(job.tenant_id, state.rolled_up_days(job.tenant_id, first, last))

    @staticmethod
    def _log(job: ErasureJob, scan: ScanResult) -> None:
        stats = scan.stats
        logger.info(
            "erasure lake scan",
            extra={
                "tenant_id": job.tenant_id,
                "erasure_id": job.erasure_id,
                "partitions": stats.partitions,
                "objects_listed": stats.objects_listed,
                "objects_read": stats.objects_read,
                "bytes_read": stats.bytes_read,
                "objects_rewritten": stats.objects_rewritten,
                "objects_deleted": stats.objects_deleted,
                "seconds": round(scan.seconds, 3),
                "complete": scan.complete,
            },
        )


def _with_days(job: ErasureJob, days: Iterable[date]) -> ErasureJob:
    known = [date.fromisoformat(d) for d in (job.first_day, job.last_day) if d is not None]
    every = [*known, *days]
    if not every:
        return job
    return replace(job, first_day=min(every).isoformat(), last_day=max(every).isoformat())
