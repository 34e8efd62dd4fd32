"""Follow-up cases: one unhappy answer (or person) someone in the team takes care of.

A case has a status, an assignee, internal notes, replies sent to the customer and a history of
every change. JSON field names are camelCase, as the API speaks them.

Status changes (`TRANSITIONS`): new -> in_progress | waiting_for_customer | resolved;
in_progress <-> waiting_for_customer; either -> resolved; resolved -> in_progress ("reopen").
Nothing goes back to `new`. Setting the status a case already has is a no-op (no history entry,
no version change): PATCH says what the case should look like, so a retried request succeeds.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer
from pydantic.alias_generators import to_camel

from touchpoint.models.surveys import iso_utc

#: `<UTC yyyymmddHHMMSS>-<suffix>`: sorts by time; the suffix is the response id of a case about
#: an answer (so an answer has at most one case), `p<hex>` for a case about a person.
CASE_ID_PATTERN = r"^[0-9]{14}-[A-Za-z0-9_-]{1,64}$"
CaseSource = Literal["answer", "person", "manual"]
HistoryAction = Literal["opened", "status", "assigned", "note", "reply"]
MANUAL_TRIGGER = "manual"


class CaseStatus(StrEnum):
    """Where a case stands."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING_FOR_CUSTOMER = "waiting_for_customer"
    RESOLVED = "resolved"


#: The statuses each status may change to.
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.WAITING_FOR_CUSTOMER, CaseStatus.RESOLVED}),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.WAITING_FOR_CUSTOMER, CaseStatus.RESOLVED}),
    CaseStatus.WAITING_FOR_CUSTOMER: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.IN_PROGRESS}),
}


class InvalidTransitionError(ValueError):
    """The case cannot go from its status to the requested one."""

    def __init__(self, current: CaseStatus, wanted: CaseStatus) -> None:
        self.current = current
        self.wanted = wanted
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none"
        super().__init__(f"a {current.value} case cannot become {wanted.value} (allowed: {allowed})")


def check_transition(current: CaseStatus, wanted: CaseStatus) -> bool:
    """True when the status changes, False for the same status (a no-op); raises
    InvalidTransitionError for a change `TRANSITIONS` does not allow."""
    if wanted == current:
        return False
    if wanted not in TRANSITIONS[current]:
        raise InvalidTransitionError(current, wanted)
    return True


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class Case(_Camel):
    """A follow-up case (the `CASE` item of its partition)."""

    tenant_id: str
    case_id: str = Field(pattern=CASE_ID_PATTERN)
    source: CaseSource
    trigger: str
    status: CaseStatus = CaseStatus.NEW
    response_id: str | None = None
    survey_id: str | None = None
    response_submitted_at: datetime | None = None
    person_id: str | None = None
    location_id: str | None = None
    channel: str | None = None
    band: str | None = None
    detractor: bool = False
    sentiment: str | None = None
    assignee: str | None = None
    opened_at: datetime
    opened_by: str
    due_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    version: int = 1
    #: When the case and its entries are deleted (TTL, epoch seconds): the tenant's response
    #: retention after the answer (or, for a person's case, after opening).
    expires_at: int | None = None

    @field_serializer("response_submitted_at", "opened_at", "due_at", "first_response_at", "resolved_at")
    def _fixed_width_time(self, moment: datetime | None) -> str | None:
        return None if moment is None else iso_utc(moment)


class HistoryEntry(_Camel):
    """One change of a case: who did what, when."""

    at: datetime
    actor: str
    action: HistoryAction
    detail: dict[str, Any] = Field(default_factory=dict)

    @field_serializer("at")
    def _fixed_width_time(self, moment: datetime) -> str:
        return iso_utc(moment)


class CaseNote(_Camel):
    """An internal note (never shown to the customer)."""

    note_id: str
    at: datetime
    actor: str
    text: str

    @field_serializer("at")
    def _fixed_width_time(self, moment: datetime) -> str:
        return iso_utc(moment)


class CaseReply(_Camel):
    """An e-mail sent to the customer about the case (or one that could not be sent)."""

    reply_id: str
    at: datetime
    actor: str
    subject: str
    body: str
    language: str
    status: Literal["sent", "failed"]
    message_id: str | None = None
    error: str | None = None

    @field_serializer("at")
    def _fixed_width_time(self, moment: datetime) -> str:
        return iso_utc(moment)


class CaseFact(_Camel):
    """A case as the loop metrics read it (plain values, UTC times)."""

    case_id: str
    location_id: str | None
    source: CaseSource
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    response_id: str | None
    response_submitted_at: datetime | None
    detractor: bool
