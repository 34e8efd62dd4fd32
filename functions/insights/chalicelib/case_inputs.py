"""The JSON bodies of the case API (`cases_routes` documents them, `cases_api` validates them).

Apart from `cases_api` so that the insights function's init, which builds the route table and its
documented bodies, does not load the case logic.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

from touchpoint.loop.replies import MAX_BODY, MAX_SUBJECT
from touchpoint.models.cases import CaseStatus
from touchpoint.models.locations import LOCATION_ID_PATTERN
from touchpoint.models.surveys import RESPONSE_ID_PATTERN, SURVEY_ID_PATTERN

MAX_NOTE = 4000
MAX_PERSON_ID = 256
_EMAIL = r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$"
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=r"^[^\x00-\x1f\x7f]*$")]


class _Body(BaseModel):
    # defer_build: the validator is built by the first request that validates a body, not at init
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", defer_build=True
    )


class CasePatch(_Body):
    """`PATCH /v1/cases/{case_id}`: what should change (`assignee: null` unassigns)."""

    status: CaseStatus | None = None
    assignee: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=_EMAIL)] | None
    ) = None
    note: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NOTE)] | None
    ) = None
    version: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _something(self) -> CasePatch:
        if not ({"status", "assignee", "note"} & self.model_fields_set):
            raise ValueError("give status, assignee or note")
        return self


class CaseOpening(_Body):
    """`POST /v1/cases`: a case for an answer (`responseId` + `surveyId`) or a person (`personId`)."""

    response_id: str | None = Field(default=None, pattern=RESPONSE_ID_PATTERN)
    survey_id: str | None = Field(default=None, pattern=SURVEY_ID_PATTERN)
    person_id: Line | None = Field(default=None, max_length=MAX_PERSON_ID)
    location_id: str | None = Field(default=None, pattern=LOCATION_ID_PATTERN)
    note: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NOTE)] | None
    ) = None

    @model_validator(mode="after")
    def _one_form(self) -> CaseOpening:
        answer = self.response_id is not None or self.survey_id is not None
        if answer == (self.person_id is not None):
            raise ValueError("give responseId and surveyId (an answer) or personId (a person), not both")
        if answer and (self.response_id is None or self.survey_id is None):
            raise ValueError("an answer is named by responseId and surveyId together")
        if answer and self.location_id is not None:
            raise ValueError("locationId is only for a person's case (an answer has its own store)")
        return self


class ReplyInput(_Body):
    """`POST /v1/cases/{case_id}/replies`: the e-mail to the customer (subject optional)."""

    subject: Line | None = Field(default=None, max_length=MAX_SUBJECT)
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BODY)]
