"""The form's optional contact: one field for an e-mail address or a phone number, and the consent.

The consent checkbox is never ticked by the form itself. A contact without the tick, or one that
is neither a valid address nor a valid number, is refused with a message next to the field (and
nothing is stored); the tick without a contact changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from touchpoint.models.contacts import ContactSubmission, normalize_email, normalize_phone
from touchpoint.respondent_form.texts import text

CONTACT_FIELD = "contact"
CONSENT_FIELD = "contact_consent"
CONSENT_VALUE = "yes"


@dataclass(frozen=True)
class ParsedContact:
    """The contact read from a form: what to keep (or None), the error and the raw values to show again."""

    contact: ContactSubmission | None = None
    error: str | None = None
    values: dict[str, list[str]] = field(default_factory=dict)


def _first(fields: Mapping[str, Sequence[str]], name: str) -> str:
    values = fields.get(name) or [""]
    return values[0]


def parse_contact(fields: Mapping[str, Sequence[str]], language: str) -> ParsedContact:
    """Read the contact field and the consent box (see the module doc)."""
    values = {name: [_first(fields, name)] for name in (CONTACT_FIELD, CONSENT_FIELD)}
    raw = values[CONTACT_FIELD][0].strip()
    if not raw:
        return ParsedContact(values=values)
    if values[CONSENT_FIELD][0] != CONSENT_VALUE:
        return ParsedContact(error=text(language, "contact_consent_missing"), values=values)
    email = normalize_email(raw) if "@" in raw else None
    phone = None if "@" in raw else normalize_phone(raw)
    if email is None and phone is None:
        return ParsedContact(error=text(language, "contact_invalid"), values=values)
    return ParsedContact(ContactSubmission(email=email, phone=phone, consent=True), values=values)
