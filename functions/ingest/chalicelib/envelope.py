"""The events a request carries: one event for `/v1/<type>`, a list for `/v1/batch`.

A batch may carry a request-wide `sentAt` (used for the clock-skew correction of events that
have none of their own) and a `context` that is merged under each event's own context, as
Segment's batch API does. A batch item that is not an event is rejected on its own later; only
a body whose envelope cannot be read fails the whole request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from chalicelib.body import BodyError
from touchpoint.models.events import EVENT_TYPES

BATCH = "batch"
KINDS: tuple[str, ...] = (*EVENT_TYPES, BATCH)
_DATETIME: TypeAdapter[datetime] = TypeAdapter(datetime)


@dataclass(frozen=True)
class Envelope:
    """The raw events of a request and the request-wide defaults a batch may set."""

    events: list[Any]
    sent_at: datetime | None = None
    context: dict[str, Any] | None = None


def _sent_at(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = _DATETIME.validate_python(value)
    except ValidationError:
        raise BodyError(
            400, "validation_error", "sentAt must be an ISO-8601 date-time", field="sentAt"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def open_envelope(kind: str, payload: Any) -> Envelope:
    """Split a parsed body into its raw events (raises BodyError when the envelope is unreadable)."""
    if not isinstance(payload, dict):
        raise BodyError(400, "invalid_request", "the body must be a JSON object")
    if kind != BATCH:
        event = {k: v for k, v in payload.items() if k != "writeKey"}
        event["type"] = kind
        return Envelope([event])
    batch = payload.get("batch")
    if not isinstance(batch, list):
        raise BodyError(400, "validation_error", "batch must be a list of events", field="batch")
    if not batch:
        raise BodyError(400, "validation_error", "batch must hold at least one event", field="batch")
    context = payload.get("context")
    if context is not None and not isinstance(context, dict):
        raise BodyError(400, "validation_error", "context must be an object", field="context")
    return Envelope(list(batch), _sent_at(payload.get("sentAt")), context or None)
