"""mask_pii: table tests for phone/e-mail formats and for numbers that must stay, plus properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from touchpoint.text import MaskResult, mask_pii

SIMPLE_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ruf mich an: +49 170 1234567", "Ruf mich an: [phone]"),
        ("Tel. 0170/1234567 bitte", "Tel. [phone] bitte"),
        ("Tel. 0170 / 1234567", "Tel. [phone]"),
        ("(030) 123 456 78", "[phone]"),
        ("Call +1 (415) 555-0132 now", "Call [phone] now"),
        ("0049-30-1234567", "[phone]"),
        ("+49 (0)30 1234567", "[phone]"),
        ("+49(0)170-123 45 67", "[phone]"),
        ("0170 - 123 45 67", "[phone]"),
        ("030 12345678", "[phone]"),
        ("+44 20 7946 0958", "[phone]"),
        ("(415) 555-0132", "[phone]"),
        ("415-555-0132", "[phone]"),
        ("Tel:01701234567.", "Tel:[phone]."),
        ("Filiale 12, Tel 0351 1234567", "Filiale 12, Tel [phone]"),
        ("Filiale 12 0170 1234567", "Filiale 12 [phone]"),
    ],
)
def test_phone_numbers_are_masked(text: str, expected: str) -> None:
    result = mask_pii(text)
    assert result.text == expected
    assert result.masked == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mail an max.mustermann@example.de.", "Mail an [email]."),
        ("Kontakt: jane_doe+shop@mail.example.co.uk", "Kontakt: [email]"),
        ("Schreibt an jürgen.müller@bäckerei-müller.de", "Schreibt an [email]"),
        ("max(at)example(dot)de", "[email]"),
        ("max [at] example.de", "[email]"),
    ],
)
def test_email_addresses_are_masked(text: str, expected: str) -> None:
    result = mask_pii(text)
    assert result.text == expected
    assert result.masked == 1


@pytest.mark.parametrize(
    "text",
    [
        "Der Mantel kostete 19,99 € statt 29,99 €.",
        "Preis: 1.299,00 EUR",
        "It was $1,299.99",
        "Geliefert am 23.11.2026 um 14:30 Uhr",
        "Abholung am 03.11.26",
        "Abholung am 03/11/2026",
        "Order placed 2026-11-23",
        "Bestellung 123456 ist nicht angekommen",
        "Order #4711 and #123456",
        "10115 Berlin",
        "D-10115 Berlin",
        "PLZ 01067 Dresden",
        "Öffnungszeiten 9-18 Uhr, samstags 10:00 - 16:00",
        "Größe 42, 2 Stück, 3x gewaschen",
        "ISBN 978-3-16-148410-0",
        "Rabatt 20 %, Kassenbon Nr. 0815",
        "1234567,89 €",
    ],
)
def test_ordinary_numbers_are_kept(text: str) -> None:
    result = mask_pii(text)
    assert result.text == text
    assert result.masked == 0


def test_counts_every_replacement() -> None:
    result = mask_pii("a@b.de, c@d.de oder 0170 1234567")
    assert result == MaskResult(text="[email], [email] oder [phone]", masked=3)


def test_result_is_frozen() -> None:
    result = mask_pii("x")
    with pytest.raises(ValueError, match="frozen"):
        result.text = "y"  # type: ignore[misc]


_PIECES = st.one_of(
    st.emails(),
    st.text(alphabet="abcXYZäöüß0123456789 .,:;-+()/@_%'\n€", max_size=30),
    st.from_regex(r"(\+49|0049|0)[1-9]\d{1,3}[ /-]?\d{3,8}", fullmatch=True),
    st.from_regex(r"[\w.+-]{1,8}@[\w-]{1,8}\.[\w.-]{1,6}", fullmatch=True),
    st.text(max_size=20),
)
_TEXTS = st.lists(_PIECES, max_size=8).map(" ".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXTS)
def test_masking_is_idempotent(text: str) -> None:
    once = mask_pii(text)
    twice = mask_pii(once.text)
    assert twice.text == once.text
    assert twice.masked == 0


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXTS)
def test_no_email_address_survives(text: str) -> None:
    assert SIMPLE_EMAIL.search(mask_pii(text).text) is None


@given(st.emails())
def test_every_generated_email_is_masked(address: str) -> None:
    result = mask_pii(f"Bitte an {address} schreiben")
    assert "@" not in result.text
    assert result.masked >= 1
