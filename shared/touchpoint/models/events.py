"""Segment-spec event models (track, identify, page, screen, group, alias).

The field names follow the Segment HTTP Tracking API so that existing Segment and RudderStack
SDKs work unchanged. Unknown top-level fields are kept (SDKs add their own), but the fields the
rollup relies on are typed and validated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    field_validator,
    model_validator,
)

EventType = Literal["track", "identify", "page", "screen", "group", "alias"]
EVENT_TYPES: tuple[EventType, ...] = ("track", "identify", "page", "screen", "group", "alias")

_ID_MAX = 256


class EventContext(BaseModel):
    """The Segment `context` object: only the parts Touchpoint reads are typed, the rest is kept."""

    model_config = ConfigDict(extra="allow")

    channel: str | None = Field(default=None, max_length=64)
    ip: str | None = Field(default=None, max_length=64)
    location_id: str | None = Field(default=None, max_length=128)
    consent: dict[str, Any] | None = None
    campaign: dict[str, Any] | None = None
    page: dict[str, Any] | None = None


class BaseEvent(BaseModel):
    """Fields common to every Segment event type."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: EventType
    message_id: str | None = Field(default=None, alias="messageId", min_length=1, max_length=_ID_MAX)
    user_id: str | None = Field(default=None, alias="userId", max_length=_ID_MAX)
    anonymous_id: str | None = Field(default=None, alias="anonymousId", max_length=_ID_MAX)
    timestamp: AwareDatetime | None = None
    sent_at: AwareDatetime | None = Field(default=None, alias="sentAt")
    original_timestamp: AwareDatetime | None = Field(default=None, alias="originalTimestamp")
    context: EventContext = Field(default_factory=EventContext)
    integrations: dict[str, Any] | None = None

    @field_validator("user_id", "anonymous_id", mode="before")
    @classmethod
    def _ids_are_strings(cls, value: Any) -> Any:
        # Segment SDKs accept numeric ids and send them as JSON numbers; store them as strings.
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @model_validator(mode="after")
    def _has_identity(self) -> BaseEvent:
        if not self.user_id and not self.anonymous_id:
            raise ValueError("userId or anonymousId is required")
        return self

    @property
    def person_ref(self) -> str:
        """The id the event is attributed to before identity stitching (userId first)."""
        return self.user_id or self.anonymous_id or ""


class TrackEvent(BaseEvent):
    """A user action: `event` names what happened, `properties` describe it."""

    type: Literal["track"] = "track"
    event: str = Field(min_length=1, max_length=200)
    properties: dict[str, Any] = Field(default_factory=dict)


class PageEvent(BaseEvent):
    """A web page view."""

    type: Literal["page"] = "page"
    name: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=200)
    properties: dict[str, Any] = Field(default_factory=dict)


class ScreenEvent(BaseEvent):
    """A mobile app screen view."""

    type: Literal["screen"] = "screen"
    name: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=200)
    properties: dict[str, Any] = Field(default_factory=dict)


class IdentifyEvent(BaseEvent):
    """Ties a user to their traits (and links the anonymousId to the userId)."""

    type: Literal["identify"] = "identify"
    traits: dict[str, Any] = Field(default_factory=dict)


class GroupEvent(BaseEvent):
    """Associates a user with a group (company, household, ...)."""

    type: Literal["group"] = "group"
    group_id: str = Field(alias="groupId", min_length=1, max_length=_ID_MAX)
    traits: dict[str, Any] = Field(default_factory=dict)

    @field_validator("group_id", mode="before")
    @classmethod
    def _group_id_string(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class AliasEvent(BaseEvent):
    """Merges a previous id into the userId."""

    type: Literal["alias"] = "alias"
    previous_id: str = Field(alias="previousId", min_length=1, max_length=_ID_MAX)

    @field_validator("previous_id", mode="before")
    @classmethod
    def _previous_id_string(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _alias_needs_user(self) -> AliasEvent:
        if not self.user_id:
            raise ValueError("alias requires userId")
        return self


SegmentEvent = Annotated[
    TrackEvent | PageEvent | ScreenEvent | IdentifyEvent | GroupEvent | AliasEvent,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[SegmentEvent] = TypeAdapter(SegmentEvent)


def parse_event(raw: dict[str, Any]) -> SegmentEvent:
    """Validate one raw event dict (with its `type`) into its typed model."""
    return EVENT_ADAPTER.validate_python(raw)


class BatchRequest(BaseModel):
    """Body of `POST /v1/batch`: a list of events plus the request's own `sentAt` and context."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    batch: list[dict[str, Any]] = Field(min_length=1)
    sent_at: datetime | None = Field(default=None, alias="sentAt")
    context: dict[str, Any] | None = None
    write_key: str | None = Field(default=None, alias="writeKey")
