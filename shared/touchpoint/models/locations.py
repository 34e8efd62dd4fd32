"""Locations (stores) and the touchpoints inside them (till, entrance, fitting room, ...)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

LOCATION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"


class TouchpointKind(StrEnum):
    """Where in a store a QR code hangs."""

    TILL = "till"
    ENTRANCE = "entrance"
    FITTING_ROOM = "fitting_room"
    RECEIPT = "receipt"
    EVENT = "event"
    POSTER = "poster"


class Location(BaseModel):
    """A store of a tenant."""

    tenant_id: str
    location_id: str = Field(pattern=LOCATION_ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    default_language: str = Field(default="de", pattern=r"^[a-z]{2}$")
    has_door_counter: bool = False
    created_at: datetime


class Touchpoint(BaseModel):
    """A spot inside a store with its own QR code; `token_version` changes when the code is rotated."""

    tenant_id: str
    location_id: str
    touchpoint_id: str = Field(pattern=LOCATION_ID_PATTERN)
    kind: TouchpointKind
    label: str = Field(min_length=1, max_length=200)
    survey_id: str | None = None
    token_version: int = 1
    revoked: bool = False
    created_at: datetime
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None
