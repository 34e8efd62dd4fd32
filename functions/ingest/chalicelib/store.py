"""Writing one request's outcome: quarantine, lake objects, identity links, late-day marks.

Every write is idempotent, so the SDK may retry the whole request after any failure (it does on
5xx): lake and quarantine keys derive from the content and are written with `If-None-Match: *`
(a retry finds the object there and leaves it: the first attempt's `receivedAt` stays), links are
upserts that keep the earliest link, and marking a rolled-up day dirty twice is harmless. Late
days (before the tenant's local today) are marked; today's and later days need no mark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.pipeline import LakeObject
from touchpoint.observability import tracer
from touchpoint.runtime import Runtime
from touchpoint.storage.identity import IdentityLink
from touchpoint.storage.lake import ObjectExistsError


@dataclass
class Stored:
    """What the writes did."""

    new_events: int = 0
    duplicate_events: int = 0
    bytes_stored: int = 0
    keys: list[str] = field(default_factory=list)
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
    objects: list[LakeObject],
    links: list[IdentityLink],
    known_links: dict[str, IdentityLink],
) -> Stored:
    """Write everything a request produced (storage errors propagate: the caller answers 503).

    Only days before the tenant's `local_today` are marked dirty: the nightly run of today or a
    later day starts after that day has ended (02:00 the next local morning) and reads the lake
    then, whatever state the day has, so it sees this request's events without a mark.
    """
    stored = Stored()
    if quarantine:
        stored.quarantine_key = runtime.quarantine.put_records(tenant_id, received_at, quarantine)
    for lake_object in objects:
        try:
            stored.bytes_stored += runtime.lake.put_jsonl(
                lake_object.key, lake_object.records, if_absent=True
            )
            stored.new_events += len(lake_object.records)
        except ObjectExistsError:
            stored.duplicate_events += len(lake_object.records)
        stored.keys.append(lake_object.key)
    if links:
        stored.links_written = runtime.identity.record_links(tenant_id, links, known_links)
    days = {day for lake_object in objects for day in lake_object.local_days if day < local_today}
    if days:
        stored.dirtied_days = runtime.rollup_state.mark_dirty_if_done(tenant_id, days)
    return stored
