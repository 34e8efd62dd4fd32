"""A request's events, sorted into what is stored, quarantined and skipped, grouped by UTC day.

Pure functions: `prepare` runs every event through `process_event`; `drop_suppressed` removes the
events of people on the erasure suppression list (also from the quarantine, which must not keep
their data either); `events_by_day` groups the accepted events by the UTC day they land under
and the tenant-local days they touch. Exact repeats of an event within one request (same
messageId and content) are stored once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any

from chalicelib.normalize import Accepted, ConsentDenied, Rejected, RequestInfo, iso_utc, process_event
from chalicelib.redact import redact_event
from touchpoint.storage.identity import IdentityLink


@dataclass
class Prepared:
    """The sorted events of one request."""

    accepted: list[Accepted] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    consent_denied: int = 0
    suppressed: int = 0
    repeated: int = 0

    @property
    def person_ids(self) -> set[str]:
        """Every person id the accepted and rejected events name (to check for suppression)."""
        ids: set[str] = set()
        for event in self.accepted:
            ids.update(event.person_ids)
        for rejected in self.rejected:
            ids.update(rejected.person_ids)
        return ids

    @property
    def links(self) -> list[IdentityLink]:
        """The identity links the accepted events make."""
        return [link for event in self.accepted for link in event.links]


@dataclass
class DayEvents:
    """The accepted events of one UTC day (Firehose lands them under that day) and their local days."""

    utc_day: date
    records: list[dict[str, Any]]
    local_days: set[date]


def prepare(events: Iterable[Any], info: RequestInfo) -> Prepared:
    """Run each event through validation and normalization."""
    prepared = Prepared()
    seen: set[tuple[str, bytes]] = set()
    for index, raw in enumerate(events):
        outcome = process_event(raw, index, info)
        if isinstance(outcome, Accepted):
            identity = (outcome.message_id, outcome.canonical)
            if identity in seen:
                prepared.repeated += 1
                continue
            seen.add(identity)
            prepared.accepted.append(outcome)
        elif isinstance(outcome, Rejected):
            prepared.rejected.append(outcome)
        elif isinstance(outcome, ConsentDenied):
            prepared.consent_denied += 1
    return prepared


def drop_suppressed(prepared: Prepared, suppressed: frozenset[str]) -> None:
    """Remove (and count) every event that names a suppressed person."""
    if not suppressed:
        return
    kept = [e for e in prepared.accepted if suppressed.isdisjoint(e.person_ids)]
    kept_rejected = [r for r in prepared.rejected if suppressed.isdisjoint(r.person_ids)]
    prepared.suppressed += len(prepared.accepted) - len(kept) + len(prepared.rejected) - len(kept_rejected)
    prepared.accepted = kept
    prepared.rejected = kept_rejected


def events_by_day(accepted: list[Accepted]) -> list[DayEvents]:
    """The accepted events by UTC day of their time, days in order, events in request order."""
    days: dict[date, DayEvents] = {}
    for event in accepted:
        group = days.setdefault(event.utc_day, DayEvents(event.utc_day, [], set()))
        group.records.append(event.record)
        group.local_days.add(event.local_day)
    return [days[day] for day in sorted(days)]


def quarantine_lines(rejected: list[Rejected], info: RequestInfo) -> list[dict[str, Any]]:
    """The quarantine lines of the rejected events: reason, field, the event, receivedAt.

    The event is kept as sent except for what accepted events never keep either: its IP is
    truncated and its contact traits are hashed (unless the tenant stores them).
    """
    received = iso_utc(info.received_at.astimezone(UTC))
    return [
        {
            "reason": r.reason,
            "code": r.code,
            "field": r.field,
            "index": r.index,
            "event": redact_event(r.raw, info.protection),
            "receivedAt": received,
        }
        for r in rejected
    ]
