"""Writing one request's outcome: quarantine, the events into the landing stream, identity links,
late-day marks.

The SDK may retry the whole request after any failure (it does on 5xx). The accepted events go
to the Firehose delivery stream (`touchpoint.storage.landing`), which lands them in the lake; a
retry lands them again, and every reader counts an event once by its messageId (a messageId the
client did not send is derived from the content, so a retry carries the same one). The
quarantine key derives from the content and is written with `If-None-Match: *`, links are
upserts that keep the earliest link, and marking a rolled-up day dirty twice is harmless. Late
days (before the tenant's local today) are marked; today's and later days need no mark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.pipeline import DayEvents
from touchpoint.observability import tracer
from touchpoint.runtime import Runtime
from touchpoint.storage.identity import IdentityLink


@dataclass
class Stored:
    """What the writes did."""

    new_events: int = 0
    bytes_stored: int = 0
    quarantine_key: str | None = None
    links_written: list[IdentityLink] = field(default_factory=list)
    dirtied_days: list[date] = field(default_factory=list)


@tracer.capture_method(capture_response=False)
def store_outcome(
    runtime: Runtime,
    tenant_id: str,
    *,
    received_at: Any,
    local_today: date,
    quarantine: list[dict[str, Any]],
    days: list[DayEvents],
    links: list[IdentityLink],
    known_links: dict[str, IdentityLink],
) -> Stored:
    """Write everything a request produced (storage and landing errors propagate: the caller answers 503).

    Only days before the tenant's `local_today` are marked dirty: the nightly run of today or a
    later day starts after that day has ended (02:00 the next local morning) and reads the lake
    then, whatever state the day has, so it sees this request's events without a mark.
    """
    stored = Stored()
    if quarantine:
        stored.quarantine_key = runtime.quarantine.put_records(tenant_id, received_at, quarantine)
    records = [record for day in days for record in day.records]
    if records:
        stored.bytes_stored = runtime.landing.land(tenant_id, records)
        stored.new_events = len(records)
    if links:
        stored.links_written = runtime.identity.record_links(tenant_id, links, known_links)
    late = {local for day in days for local in day.local_days if local < local_today}
    if late:
        stored.dirtied_days = runtime.rollup_state.mark_dirty_if_done(tenant_id, late)
    return stored
