"""Contact validation: strict e-mail addresses, E.164-like phone numbers, consent required."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from touchpoint.models.contacts import ContactDetails, ContactSubmission, normalize_email, normalize_phone
from touchpoint.models.surveys import ResponseSubmission
from touchpoint.respondent_form.contact import parse_contact


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("erika@example.org", "erika@example.org"),
        ("  Erika.M+tag@sub.example.co.uk\t", "Erika.M+tag@sub.example.co.uk"),
        ("a@b.de", "a@b.de"),
        ("x" * 64 + "@" + "d" * 186 + ".de", "x" * 64 + "@" + "d" * 186 + ".de"),  # 254 characters
        ("x" * 64 + "@" + "d" * 187 + ".de", None),  # 255
        ("erika@localhost", None),
        ("erika@@example.org", None),
        ("erika@exa@mple.org", None),
        ("@example.org", None),
        ("erika@", None),
        ("erika@.example.org", None),
        ("erika@example.org.", None),
        ("erika@example..org", None),
        ("erika muster@example.org", None),
        ("erika@exam ple.org", None),
        ("erika\x00@example.org", None),
        ("erika\u0085@example.org", None),
        ("erika\n@example.org", None),
        ("", None),
    ],
)
def test_email_addresses(raw: str, expected: str | None) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+49 30 1234567", "+49301234567"),
        ("+49-176-1234-5678", "+4917612345678"),
        ("+1234567", "+1234567"),  # 7 digits
        ("+123456789012345", "+123456789012345"),  # 15 digits
        ("+1234567890123456", None),  # 16
        ("+123456", None),  # 6
        ("0049 30 1234567", None),
        ("030 1234567", None),
        ("+49 (30) 1234567", None),
        ("+49/30/1234567", None),
        ("+49 30 123456a", None),
        ("++49301234567", None),
        ("+49\t301234567", None),
        ("", None),
    ],
)
def test_phone_numbers(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_a_submission_keeps_the_normalized_contact_only_with_consent() -> None:
    contact = ContactSubmission.model_validate(
        {"email": " a@b.de ", "phone": "+49 30 1234567", "consent": True}
    )
    assert (contact.email, contact.phone, contact.consent) == ("a@b.de", "+49301234567", True)
    assert contact.details("en") == ContactDetails(email="a@b.de", phone="+49301234567", language="en")
    assert contact.details("en").channel == "email"
    assert ContactDetails(phone="+49301234567", language="de").channel == "phone"


@pytest.mark.parametrize(
    ("contact", "location"),
    [
        ({"email": "a@b.de"}, ("contact", "consent")),
        ({"email": "a@b.de", "consent": False}, ("contact", "consent")),
        ({"email": "a@b.de", "consent": 1}, ("contact", "consent")),
        ({"email": "a@b.de", "consent": "true"}, ("contact", "consent")),
        ({"email": "nope", "consent": True}, ("contact", "email")),
        ({"email": 42, "consent": True}, ("contact", "email")),
        ({"phone": "12345", "consent": True}, ("contact", "phone")),
        ({"email": "   ", "consent": True}, ("contact",)),
        ({"consent": True}, ("contact",)),
    ],
)
def test_a_response_submission_refuses_a_contact_without_consent_or_valid_details(
    contact: dict[str, object], location: tuple[str, ...]
) -> None:
    with pytest.raises(ValidationError) as caught:
        ResponseSubmission.model_validate({"answers": {}, "contact": contact})
    [error] = caught.value.errors()
    assert error["loc"] == location
    assert "a@b.de" not in error["msg"] and "nope" not in error["msg"]


def test_contact_details_are_frozen() -> None:
    details = ContactDetails(email="a@b.de", language="de")
    with pytest.raises(ValidationError):
        details.email = "c@d.de"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("fields", "email", "phone", "error"),
    [
        ({}, None, None, None),
        ({"contact": ["  "], "contact_consent": ["yes"]}, None, None, None),
        ({"contact": ["a@b.de"], "contact_consent": ["yes"]}, "a@b.de", None, None),
        ({"contact": ["+49 30 1234567"], "contact_consent": ["yes"]}, None, "+49301234567", None),
        ({"contact": ["a@b.de"]}, None, None, "contact_consent_missing"),
        ({"contact": ["a@b.de"], "contact_consent": ["on"]}, None, None, "contact_consent_missing"),
        ({"contact": ["a@b"], "contact_consent": ["yes"]}, None, None, "contact_invalid"),
        ({"contact": ["12345"], "contact_consent": ["yes"]}, None, None, "contact_invalid"),
    ],
)
def test_the_form_reads_one_field_for_an_address_or_a_number(
    fields: dict[str, list[str]], email: str | None, phone: str | None, error: str | None
) -> None:
    from touchpoint.respondent_form.texts import text

    parsed = parse_contact(fields, "en")
    assert parsed.error == (None if error is None else text("en", error))
    if email is None and phone is None:
        assert parsed.contact is None
    else:
        assert parsed.contact is not None and (parsed.contact.email, parsed.contact.phone) == (email, phone)
