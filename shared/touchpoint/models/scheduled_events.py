"""Scheduled invocations: an EventBridge scheduled event, or a hand-made `{}` / `{"time": ...}`.

EventBridge events are read with Powertools Parser's `EventBridgeModel`; a manual invocation
(`aws lambda invoke`, the CLI) may carry only a `time`, or nothing, which means now. A time without
a zone is UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError


class BadEventError(ValueError):
    """The invocation event cannot be read (the message names the field)."""


def _iso_time(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be an ISO-8601 string")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO-8601 time: {value!r}") from None


IsoTime = Annotated[datetime, BeforeValidator(_iso_time)]


class ScheduledEvent(EventBridgeModel):
    """An EventBridge scheduled event (`detail-type: Scheduled Event`)."""

    time: IsoTime


class ManualInvocation(BaseModel):
    """A hand-made invocation: an optional `time`, other fields ignored."""

    model_config = ConfigDict(extra="ignore")

    time: IsoTime | None = None


def _message(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "event"
    problem = first.get("ctx", {}).get("error") if first["type"] == "value_error" else None
    return f"{where}: {problem or first['msg']}"


def schedule_time(event: Any, now: datetime | None = None) -> datetime:
    """The `time` of a scheduled invocation (`now`, else the current time, when it has none)."""
    if not isinstance(event, dict):
        raise BadEventError("event: must be a JSON object")
    model: type[ScheduledEvent | ManualInvocation] = (
        ScheduledEvent if "detail-type" in event else ManualInvocation
    )
    try:
        moment = parse(event=event, model=model).time
    except ValidationError as error:
        raise BadEventError(_message(error)) from None
    if moment is None:
        return now or datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
