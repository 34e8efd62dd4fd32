"""One event from raw JSON to the line stored in the lake (pure: no AWS here).

In order: the batch context is merged under the event's own; an event whose consent denies
analytics is dropped before anything else looks at it; the event must fit the size limit, pass
the shared pydantic models, for planned track events in strict mode the tracking plan, and carry
the numbers the metrics read within their ranges (`touchpoint.models.event_numbers`). Then its
messageId is settled (a deterministic one when it has none), `receivedAt` is stamped,
`timestamp` is corrected for clock skew the way Segment does (timestamp + (receivedAt - sentAt)
when the client sent `sentAt`), the IP is truncated and contact traits hashed.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from chalicelib.content import canonical_bytes, derived_message_id
from chalicelib.redact import Protection, protect_context, protect_traits
from touchpoint.models.event_numbers import property_number_problem
from touchpoint.models.events import (
    EVENT_TYPES,
    AliasEvent,
    GroupEvent,
    PageEvent,
    ScreenEvent,
    TrackEvent,
    parse_event,
)
from touchpoint.models.tenants import TenantConfig
from touchpoint.privacy import analytics_denied
from touchpoint.storage.identity import IdentityLink
from touchpoint.tracking_plan import PlanViolation, TrackingPlan

_PROPERTY_TYPES = frozenset({"track", "page", "screen"})
_TRAIT_TYPES = frozenset({"identify", "group"})
_ID_KEYS = ("userId", "anonymousId")


@dataclass(frozen=True)
class RequestInfo:
    """What every event of one request is processed with."""

    tenant_id: str
    config: TenantConfig
    zone: ZoneInfo
    plan: TrackingPlan
    received_at: datetime
    max_event_bytes: int
    contact_salt: bytes
    sent_at: datetime | None = None
    context: dict[str, Any] | None = None
    received_text: str = field(init=False, default="")
    sent_text: str | None = field(init=False, default=None)
    protection: Protection = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "received_text", iso_utc(self.received_at))
        if self.sent_at is not None:
            with contextlib.suppress(OverflowError, ValueError):  # out of range: each event says so
                object.__setattr__(self, "sent_text", iso_utc(self.sent_at))
        object.__setattr__(
            self, "protection", Protection(self.config.store_contact_traits, self.contact_salt)
        )


@dataclass
class Accepted:
    """An event ready to store."""

    index: int
    message_id: str
    record: dict[str, Any]
    canonical: bytes
    utc_day: date
    local_day: date
    person_ids: tuple[str, ...]
    links: tuple[IdentityLink, ...]
    warnings: list[PlanViolation] = field(default_factory=list)


@dataclass
class Rejected:
    """An event that goes to quarantine, with the reason (and the ids it names, for suppression)."""

    index: int
    code: str
    reason: str
    field: str | None
    raw: Any
    message_id: str | None = None
    person_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConsentDenied:
    """An event whose consent denies analytics: counted, never stored."""

    index: int


Outcome = Accepted | Rejected | ConsentDenied


def iso_utc(moment: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and `Z`, e.g. `2026-11-01T10:00:00.000Z`."""
    u = moment.astimezone(UTC)
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond // 1000:03d}Z"


def _raw_ids(raw: dict[str, Any]) -> tuple[str, ...]:
    ids = []
    for key in (*_ID_KEYS, "previousId"):
        value = raw.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            ids.append(str(value))
    return tuple(ids)


def _validation_problem(error: ValidationError, kind: str) -> tuple[str, str | None]:
    first = error.errors(include_url=False)[0]
    loc = [str(part) for part in first["loc"]]
    if loc and loc[0] == kind:
        loc = loc[1:]
    message = str(first["msg"]).removeprefix("Value error, ")
    where = ".".join(loc) or None
    return (f"{where}: {message}" if where else message), where


def _merge_context(raw: dict[str, Any], defaults: dict[str, Any] | None) -> dict[str, Any]:
    if not defaults:
        return raw
    own = raw.get("context")
    if own is None:
        return {**raw, "context": dict(defaults)}
    if isinstance(own, dict):
        return {**raw, "context": {**defaults, **own}}
    return raw  # not an object: the model rejects it


def _protect(context: dict[str, Any], info: RequestInfo, warnings: list[PlanViolation]) -> dict[str, Any]:
    context, dropped = protect_context(context, info.protection)
    if dropped:
        warnings.append(PlanViolation("context.ip", "is not an IP address and was dropped"))
    return context


def process_event(raw: Any, index: int, info: RequestInfo) -> Outcome:
    """Turn one raw event into what is stored, what is quarantined, or a consent drop."""
    if not isinstance(raw, dict):
        return Rejected(index, "invalid_event", "an event must be a JSON object", None, raw)
    event = _merge_context(raw, info.context)
    context = event.get("context")
    if isinstance(context, dict) and analytics_denied(context.get("consent")):
        return ConsentDenied(index)
    ids = _raw_ids(event)
    try:
        canonical = canonical_bytes(event)
    except UnicodeEncodeError:
        return Rejected(
            index, "invalid_event", "text holds an unpaired UTF-16 surrogate", None, raw, None, ids
        )
    if len(canonical) > info.max_event_bytes:
        reason = f"the event is {len(canonical)} bytes, over the limit of {info.max_event_bytes} bytes"
        return Rejected(index, "event_too_large", reason, None, raw, None, ids)
    kind = event.get("type")
    if kind is None:
        return Rejected(index, "invalid_event", "type is required", "type", raw, None, ids)
    if kind not in EVENT_TYPES:
        reason = f"type must be one of {', '.join(EVENT_TYPES)}"
        return Rejected(index, "invalid_event", reason, "type", raw, None, ids)
    try:
        model = parse_event(event)
    except ValidationError as error:
        reason, where = _validation_problem(error, str(kind))
        return Rejected(index, "invalid_event", reason, where, raw, None, ids)

    message_id = model.message_id or derived_message_id(canonical, index)
    warnings: list[PlanViolation] = []
    if isinstance(model, TrackEvent):
        warnings = info.plan.check(model.event, event.get("properties"))
        if warnings and info.config.schema_mode == "strict":
            reason = "tracking plan: " + "; ".join(str(v) for v in warnings)
            return Rejected(index, "tracking_plan_violation", reason, warnings[0].field, raw, message_id, ids)
    if isinstance(model, TrackEvent | PageEvent | ScreenEvent):
        bad_number = property_number_problem(model.properties)
        if bad_number is not None:
            where, reason = bad_number
            return Rejected(index, "number_out_of_range", reason, where, raw, message_id, ids)

    client_time = model.timestamp or model.original_timestamp
    sent_at = model.sent_at or info.sent_at
    received = info.received_at
    try:
        if client_time is None:
            happened = received
        elif sent_at is None:
            happened = client_time
        else:
            happened = client_time + (received - sent_at)
        utc_day = happened.astimezone(UTC).date()
        local_day = happened.astimezone(info.zone).date()
        stamped = iso_utc(happened), (iso_utc(client_time) if client_time else None)
        if sent_at is not None and sent_at is info.sent_at and info.sent_text is not None:
            sent_text: str | None = info.sent_text  # the batch's sentAt, formatted once
        else:
            sent_text = iso_utc(sent_at) if sent_at else None
    except (OverflowError, ValueError):
        reason = "timestamp is out of range once corrected for clock skew"
        return Rejected(index, "invalid_event", reason, "timestamp", raw, message_id, ids)

    record = {k: v for k, v in event.items() if k != "writeKey"}
    record["messageId"] = message_id
    record["type"] = model.type
    for key, value in (("userId", model.user_id), ("anonymousId", model.anonymous_id)):
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    record["timestamp"], record["originalTimestamp"] = stamped
    if record["originalTimestamp"] is None:
        del record["originalTimestamp"]
    if sent_text is None:
        record.pop("sentAt", None)
    else:
        record["sentAt"] = sent_text
    record["receivedAt"] = info.received_text
    record["context"] = _protect(dict(event.get("context") or {}), info, warnings)
    if model.type in _PROPERTY_TYPES:
        record["properties"] = event.get("properties") or {}
    if model.type in _TRAIT_TYPES and not event.get("traits"):
        record["traits"] = {}
    protect_traits(record, info.protection)  # any event type may carry traits

    links: list[IdentityLink] = []
    person_ids = [i for i in (model.user_id, model.anonymous_id) if i]
    if isinstance(model, AliasEvent):
        record["previousId"] = model.previous_id
        person_ids.append(model.previous_id)
        if model.user_id:
            links.append(IdentityLink(model.previous_id, model.user_id, happened))
    elif isinstance(model, GroupEvent):
        record["groupId"] = model.group_id
    if model.user_id and model.anonymous_id:
        links.append(IdentityLink(model.anonymous_id, model.user_id, happened))
    return Accepted(
        index, message_id, record, canonical, utc_day, local_day, tuple(person_ids), tuple(links), warnings
    )
