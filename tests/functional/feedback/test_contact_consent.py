"""The QR form's optional contact: kept (encrypted) only with the consent box ticked, in both languages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.functional.feedback.conftest import (
    Store,
    lake_response_keys,
    open_form,
    post_form,
    rejected_since,
    rejections,
    stored_responses,
)
from tests.functional.privacy.support import everything_stored
from touchpoint.models.contacts import ContactDetails
from touchpoint.runtime import Runtime

pytestmark = pytest.mark.usefixtures("no_fill_time")

EMAIL = "kim.kunde@example.net"
CHECKBOX = re.compile(
    r'<input type="checkbox" id="contact_consent" name="contact_consent" value="yes"( checked)?>'
)


def _contact_items(aws: Runtime) -> list[dict[str, Any]]:
    items = aws.clients.dynamodb.scan(TableName=aws.settings.responses_table)["Items"]
    return [i for i in items if i.get("item_type", {}).get("S") == "contact"]


@pytest.mark.parametrize(
    ("language", "label", "consent"),
    [
        ("de", "E-Mail-Adresse oder Telefonnummer", "Sie dürfen mich zu dieser Antwort kontaktieren"),
        ("en", "E-mail address or phone number", "You may contact me about this answer"),
    ],
)
def test_the_form_offers_an_unticked_consent_in_the_respondents_language(
    store: Store, language: str, label: str, consent: str
) -> None:
    status, html, _ = open_form(store.client, f"{store.path}?lang={language}")
    assert status == 200
    assert f'<label class="label" for="contact">{label}</label>' in html
    assert f'<label for="contact_consent">{consent}</label>' in html
    match = CHECKBOX.search(html)
    assert match is not None and match.group(1) is None  # never ticked by the form
    assert '<details class="contact"><summary>' in html  # folded: the form stays short on a phone
    assert "<script" not in html


@pytest.mark.parametrize(
    ("language", "raw", "kept"),
    [
        ("de", f"  {EMAIL} ", ContactDetails(email=EMAIL, language="de")),
        ("en", "+44 20-7946 0958", ContactDetails(phone="+442079460958", language="en")),
    ],
)
def test_a_contact_with_consent_is_kept_encrypted_and_the_answer_holds_none_of_it(
    aws: Runtime, store: Store, language: str, raw: str, kept: ContactDetails
) -> None:
    _, _, fields = open_form(store.client, f"{store.path}?lang={language}")
    body = {**fields, "q_csat": "2", "q_comment": "Lange Schlange", "contact": raw, "contact_consent": "yes"}
    status, html = post_form(store.client, store.path, body)
    assert status == 200, html
    [response] = stored_responses(aws)
    assert aws.contacts.reveal("acme", response.response_id) == kept
    assert len(_contact_items(aws)) == 1 and len(lake_response_keys(aws)) == 1
    stored = "\n".join(s.text for s in everything_stored(aws))
    assert raw.strip() not in stored and (kept.email or kept.phone or "-") not in stored


@pytest.mark.parametrize(
    ("language", "fields", "message"),
    [
        ("de", {"contact": EMAIL}, "Bitte setzen Sie das Häkchen, damit wir Sie kontaktieren dürfen"),
        ("en", {"contact": EMAIL, "contact_consent": ""}, "Please tick the box so that we may contact you"),
        ("de", {"contact": "kim@", "contact_consent": "yes"}, "Bitte geben Sie eine gültige E-Mail-Adresse"),
        ("en", {"contact": "0176 123", "contact_consent": "yes"}, "Please enter a valid e-mail address"),
    ],
)
def test_a_contact_without_consent_or_a_bad_one_shows_the_form_again_and_stores_nothing(
    aws: Runtime, store: Store, language: str, fields: dict[str, str], message: str
) -> None:
    _, _, hidden = open_form(store.client, f"{store.path}?lang={language}")
    before = rejections()
    status, html = post_form(store.client, store.path, {**hidden, "q_csat": "4", **fields})
    assert status == 422
    assert f'<p class="error" id="err_contact">{message}' in html
    assert '<a href="#contact">' in html  # in the summary at the top, linking to the field
    assert '<details class="contact" open>' in html and 'aria-describedby="err_contact"' in html
    assert f'value="{fields["contact"]}"' in html  # the input is kept
    match = CHECKBOX.search(html)
    assert match is not None and bool(match.group(1)) == (fields.get("contact_consent") == "yes")
    assert stored_responses(aws) == [] and _contact_items(aws) == [] and lake_response_keys(aws) == []
    assert rejected_since(before) == {"invalid_answer": 1}
    # corrected (consent ticked, or the contact left out), the same form is accepted
    status, _ = post_form(
        store.client, store.path, {**hidden, "q_csat": "4", "contact": "", "contact_consent": ""}
    )
    assert status == 200 and len(stored_responses(aws)) == 1 and _contact_items(aws) == []


def test_the_consent_box_alone_stores_no_contact(aws: Runtime, store: Store) -> None:
    _, _, hidden = open_form(store.client, store.path)
    status, _ = post_form(store.client, store.path, {**hidden, "q_csat": "5", "contact_consent": "yes"})
    assert status == 200 and len(stored_responses(aws)) == 1 and _contact_items(aws) == []
