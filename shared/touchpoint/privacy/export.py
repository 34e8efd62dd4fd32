"""Access: everything stored about a person, as JSON (`GET /v1/people/{id}/export`, the CLI).

The first page holds what DynamoDB keeps (ids and links, suppression status, profile items,
responses with their coupon and repeat-window guards, the contact details left with those
responses, decrypted, earlier erasures of the id), their daily
engagement scores of the latest 31 days (`touchpoint.privacy.scores`) and the first
part of the lake scan: the person's raw events and quarantined (rejected) input. The scan reads
64 objects at a time, so a page ends after the chunk in which its time budget ran out or it
reached `limit` lines (a page may hold a few more); `scan.next` is then an opaque cursor for the next page (`?after=`), which
holds only the next lines. Each first page is recorded in the audit log (hash and counts only).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from touchpoint.privacy.erasure import iso, resolve_person, utc_now
from touchpoint.privacy.lake_scan import AREAS, EVENTS, QUARANTINE, LakeScanner
from touchpoint.privacy.scores import scores_of
from touchpoint.privacy.subjects import check_person_id, new_request_id, subject_hash
from touchpoint.storage.lake_layout import partition_prefix
from touchpoint.storage.landing import distinct_events
from touchpoint.storage.privacy_records import PersonItem
from touchpoint.storage.privacy_state import ERASURE, EXPORT, AuditEntry

if TYPE_CHECKING:
    from touchpoint.runtime import Runtime

EXPORT_KINDS = (EVENTS, QUARANTINE)
DEFAULT_PAGE_LINES = 2000
_MAX_CURSOR = 2048


class InvalidCursorError(ValueError):
    """The `after` cursor was not made by this API."""


def encode_cursor(cursor: Mapping[str, Any] | None) -> str | None:
    """The opaque form of a scan cursor (None at the end)."""
    if cursor is None:
        return None
    raw = json.dumps({"a": cursor["area"], "p": cursor.get("after")}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(token: str, tenant_id: str) -> dict[str, Any]:
    """The scan cursor of a token from `encode_cursor` (InvalidCursorError otherwise)."""
    if len(token) > _MAX_CURSOR:
        raise InvalidCursorError("the cursor is too long")
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursorError("the cursor is not valid") from None
    if not isinstance(data, dict):
        raise InvalidCursorError("the cursor is not valid")
    area, after = data.get("a"), data.get("p")
    areas = [name for kind, name in AREAS if kind in EXPORT_KINDS]
    if not isinstance(area, int) or isinstance(area, bool) or not 0 <= area < len(areas):
        raise InvalidCursorError("the cursor is not valid")
    if after is not None and (
        not isinstance(after, str) or not after.startswith(partition_prefix(areas[area], tenant_id))
    ):
        raise InvalidCursorError("the cursor is not valid")
    return {"area": area, "after": after}


def _item_view(item: PersonItem) -> dict[str, Any]:
    if item.response is not None:
        return item.response.model_dump(mode="json", by_alias=True, exclude={"tenant_id"}, exclude_none=True)
    return {
        "surveyId": item.survey_id,
        "kind": item.item_type,
        "respondent": item.sk.split("#", 1)[1],
        "responseId": item.response_id,
        "couponCode": item.coupon_code,
    }


def _contacts(runtime: Runtime, tenant_id: str, response_ids: list[str]) -> list[dict[str, Any]]:
    found = []
    for response_id in response_ids:
        contact = runtime.contacts.reveal(tenant_id, response_id)
        if contact is not None:
            found.append({"responseId": response_id, **contact.model_dump(by_alias=True, exclude_none=True)})
    return found


def _stored(runtime: Runtime, tenant_id: str, person_id: str) -> tuple[dict[str, Any], frozenset[str]]:
    person = resolve_person(runtime, tenant_id, person_id)
    suppression = runtime.identity.suppressions(tenant_id, person.ids)
    items: dict[tuple[str, str], PersonItem] = {}
    for identifier in sorted(person.ids):
        for respondent in (f"user:{identifier}", f"anon:{identifier}"):
            for item in runtime.privacy_records.person_items(tenant_id, respondent):
                items[(item.pk, item.sk)] = item
    ordered = sorted(items.values(), key=lambda i: (i.pk, i.sk))
    pepper = runtime.settings.key_pepper
    hashes = {subject_hash(pepper, tenant_id, i) for i in person.ids}
    erasures = [
        {"erasureId": e.entry_id, "requestedAt": e.requested_at, "status": e.status}
        for e in runtime.privacy_state.list_audit(tenant_id)
        if e.kind == ERASURE and e.subject_hash in hashes
    ]
    profiles = [
        {k: v for k, v in p.items() if k not in ("pk",)}
        for p in runtime.identity.profile_items(tenant_id, person.ids)
    ]
    document: dict[str, Any] = {
        "personId": person_id,
        "ids": sorted(person.ids),
        "identityLinks": [{"anonymousId": a, "userId": u} for a, u in person.links],
        "suppression": [
            {"id": s.person_id, "suppressedAt": s.suppressed_at, "erasureId": s.erasure_id}
            for s in sorted(suppression.values(), key=lambda s: s.person_id)
        ],
        "profiles": profiles,
        "responses": [_item_view(i) for i in ordered if i.response is not None],
        "responseGuards": [_item_view(i) for i in ordered if i.response is None],
        # the contact details they left with their answers (their own data: decrypted for them)
        "contacts": _contacts(runtime, tenant_id, [i.response.response_id for i in ordered if i.response]),
        "erasures": erasures,
        # profiling: the daily engagement score the rollup derives (latest files; see privacy.scores)
        "engagementScores": scores_of(runtime.lake, tenant_id, person.ids),
    }
    return document, person.ids


def export_person(
    runtime: Runtime,
    tenant_id: str,
    person_id: str,
    *,
    actor: str,
    after: str | None = None,
    budget_seconds: float | None = None,
    max_lines: int | None = DEFAULT_PAGE_LINES,
    monotonic: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """One page of a person's export (see the module doc); raises InvalidPersonIdError or
    InvalidCursorError before anything is read or written."""
    check_person_id(person_id)
    cursor = None if after is None else decode_cursor(after, tenant_id)
    deadline = None if budget_seconds is None else monotonic() + budget_seconds
    if cursor is None:
        document, ids = _stored(runtime, tenant_id, person_id)
    else:
        person = resolve_person(runtime, tenant_id, person_id)
        document, ids = {"personId": person_id}, person.ids
    scanner = LakeScanner(runtime.lake_maintenance, clock=monotonic)
    scan = scanner.scan(
        tenant_id, ids, erase=False, kinds=EXPORT_KINDS, cursor=cursor, deadline=deadline, max_found=max_lines
    )
    # an event a retried request landed twice is listed once (within a page)
    document["events"] = distinct_events(f.line for f in scan.found if f.kind == EVENTS)
    document["quarantined"] = [f.line for f in scan.found if f.kind == QUARANTINE]
    document["scan"] = {
        "complete": scan.complete,
        "next": encode_cursor(scan.cursor),
        "partitionsScanned": scan.stats.partitions,
        "objectsRead": scan.stats.objects_read,
        "bytesRead": scan.stats.bytes_read,
    }
    if cursor is None:
        _audit(runtime, tenant_id, person_id, actor, document)
    return document


def _audit(runtime: Runtime, tenant_id: str, person_id: str, actor: str, document: dict[str, Any]) -> None:
    now = utc_now()
    counts = {
        "ids": len(document["ids"]),
        "identityLinks": len(document["identityLinks"]),
        "responses": len(document["responses"]),
        "responseGuards": len(document["responseGuards"]),
        "events": len(document["events"]),
        "quarantined": len(document["quarantined"]),
    }
    runtime.privacy_state.add_audit(
        AuditEntry(
            tenant_id=tenant_id,
            entry_id=new_request_id("ex", now),
            kind=EXPORT,
            subject_hash=subject_hash(runtime.settings.key_pepper, tenant_id, person_id),
            actor=actor,
            requested_at=iso(now),
            status="completed" if document["scan"]["complete"] else "partial",
            counts=counts,
            completed_at=iso(utc_now()),
        )
    )
