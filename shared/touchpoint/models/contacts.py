"""A respondent's contact details, given with explicit consent to be contacted about one answer.

The survey API takes `{"email": ..., "phone": ..., "consent": true}` beside the answers
(`ContactSubmission`); the QR form one field that holds either. Both are checked here: an e-mail
address has one `@`, a dot in its domain, at most 254 characters and no spaces or control
characters; a phone number is `+` and 7 to 15 digits (spaces and dashes are allowed and dropped).
Error messages never repeat the value: they end up in responses and logs.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

MAX_EMAIL_LENGTH = 254
MAX_CONTACT_INPUT = 320  # longer input is refused before it is looked at
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.][^@\s]*$")
_PHONE_RE = re.compile(r"^\+[0-9]{7,15}$")
_PHONE_SEPARATORS = re.compile(r"[ \-]")

EMAIL_PROBLEM = (
    "is not a valid e-mail address (one @, a dot in the domain, at most 254 characters, no spaces)"
)
PHONE_PROBLEM = "is not a valid phone number (+ and 7 to 15 digits, e.g. +49 30 1234567)"
CONSENT_PROBLEM = (
    "must be true: contact details are kept only with the consent to be contacted about this answer"
)
EMPTY_PROBLEM = "needs an email or a phone"

ContactChannel = Literal["email", "phone"]


def _has_control(value: str) -> bool:
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value)


def normalize_email(raw: str) -> str | None:
    """The e-mail address (surrounding blanks dropped), or None when it is not a valid one."""
    value = raw.strip()
    if not value or len(value) > MAX_EMAIL_LENGTH or _has_control(value) or value.count("@") != 1:
        return None
    local, domain = value.split("@")
    if not local or ".." in domain or domain.startswith(".") or domain.endswith("."):
        return None
    return value if _EMAIL_RE.match(value) else None


def normalize_phone(raw: str) -> str | None:
    """The phone number as `+` and digits (spaces and dashes dropped), or None when it is not one."""
    if len(raw) > MAX_CONTACT_INPUT or _has_control(raw):
        return None
    value = _PHONE_SEPARATORS.sub("", raw.strip())
    return value if _PHONE_RE.match(value) else None


def _checked(value: Any, normalize: Any, problem: str) -> Any:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_CONTACT_INPUT:
        raise ValueError(problem)
    if not value.strip():
        return None
    normalized = normalize(value)
    if normalized is None:
        raise ValueError(problem)
    return normalized


class ContactSubmission(BaseModel):
    """The `contact` of a survey answer: an e-mail address and/or a phone number, and the consent."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    email: str | None = None
    phone: str | None = None
    consent: bool = Field(default=False, validate_default=True)

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: Any) -> Any:
        return _checked(value, normalize_email, EMAIL_PROBLEM)

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: Any) -> Any:
        return _checked(value, normalize_phone, PHONE_PROBLEM)

    @field_validator("consent", mode="before")
    @classmethod
    def _consent(cls, value: Any) -> Any:
        if value is not True:
            raise ValueError(CONSENT_PROBLEM)
        return value

    @model_validator(mode="after")
    def _something_given(self) -> ContactSubmission:
        if self.email is None and self.phone is None:
            raise ValueError(EMPTY_PROBLEM)
        return self

    def details(self, language: str) -> ContactDetails:
        """The contact details to keep, in the respondent's language."""
        return ContactDetails(email=self.email, phone=self.phone, language=language)


class ContactDetails(BaseModel):
    """Contact details as kept (encrypted) for one answer: `reveal` gives them back to send a reply."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")

    email: str | None = None
    phone: str | None = None
    language: str = Field(pattern=r"^[a-z]{2}$")

    @property
    def channel(self) -> ContactChannel:
        """How the respondent may be reached: by e-mail when they gave an address, else by phone."""
        return "email" if self.email else "phone"


class ContactRef(BaseModel):
    """An answer whose respondent consented to be contacted, without the contact itself."""

    model_config = ConfigDict(frozen=True)

    response_id: str
    survey_id: str
    location_id: str | None
    submitted_at: datetime
    language: str
    channel: ContactChannel
