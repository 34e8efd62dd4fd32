"""The JSON body of `POST /v1/announcements` (`cases_routes` documents it, `announcements_api` reads it).

Apart from `announcements_api` so that the insights function's init, which builds the route table
and its documented bodies, does not load the announcement logic.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

from touchpoint.loop.replies import MAX_BODY, MAX_SUBJECT
from touchpoint.models.locations import LOCATION_ID_PATTERN

MAX_DAYS = 366
Subject = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_SUBJECT, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BODY)]


class _Body(BaseModel):
    # defer_build: the validator is built by the first request that validates a body, not at init
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", defer_build=True
    )


class SubjectTexts(_Body):
    """The subject in German and English (each customer gets their language)."""

    de: Subject
    en: Subject


class BodyTexts(_Body):
    """The message in German and English."""

    de: Body
    en: Body


class AnnouncementInput(_Body):
    """An announcement: the audience (a theme or a store, answers `from`..`to`) and its texts."""

    announcement_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
    theme: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = (
        None
    )
    location_id: str | None = Field(default=None, pattern=LOCATION_ID_PATTERN)
    first: date = Field(alias="from")
    last: date = Field(alias="to")
    subject: SubjectTexts
    body: BodyTexts

    @model_validator(mode="after")
    def _consistent(self) -> AnnouncementInput:
        if (self.theme is None) == (self.location_id is None):
            raise ValueError("give theme or locationId (one of them)")
        if self.first > self.last:
            raise ValueError("from must not be after to")
        if (self.last - self.first).days + 1 > MAX_DAYS:
            raise ValueError(f"at most {MAX_DAYS} days")
        return self
