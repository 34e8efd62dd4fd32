"""detect_language: stopword/character evidence, and the hint for texts too short to tell."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from touchpoint.text import detect_language


@pytest.mark.parametrize(
    "text",
    [
        "Die Lieferung war pünktlich und das Personal sehr freundlich.",
        "Ich habe zwei Wochen auf meine Bestellung gewartet",
        "Nie wieder!",
        "Gefällt mir nicht",
        "Grüße aus München",
        "schnell geliefert, alles gut verpackt",
        "Leider keine Antwort erhalten",
        "Die Verkaeuferin war sehr nett und hat mir gut geholfen",
    ],
)
def test_german(text: str) -> None:
    assert detect_language(text) == "de"
    assert detect_language(text, hint="en") == "de"


@pytest.mark.parametrize(
    "text",
    [
        "The delivery was on time and the staff were very friendly.",
        "I waited two weeks for my order",
        "Never again!",
        "Didn't like it",
        "quick delivery, everything well packed",
        "Unfortunately no answer yet",
        "Thank you so much for your help",
    ],
)
def test_english(text: str) -> None:
    assert detect_language(text) == "en"
    assert detect_language(text, hint="de") == "en"


@pytest.mark.parametrize("text", ["ok", "OK!", "Top", "Super!", "👍", "", "   ", "5/5", "Service"])
@pytest.mark.parametrize("hint", ["de", "en"])
def test_hint_decides_when_too_short(text: str, hint: str) -> None:
    assert detect_language(text, hint=hint) == hint


@pytest.mark.parametrize(("hint", "expected"), [("de-DE", "de"), ("EN_gb", "en"), ("en", "en")])
def test_hint_is_normalised(hint: str, expected: str) -> None:
    assert detect_language("ok", hint=hint) == expected


def test_unknown_hint_and_no_evidence_fall_back_to_default() -> None:
    assert detect_language("ok", hint="fr") == "de"
    assert detect_language("ok") == "de"


@given(st.text(max_size=200), st.sampled_from([None, "de", "en", "fr", ""]))
def test_always_returns_a_supported_language(text: str, hint: str | None) -> None:
    assert detect_language(text, hint=hint) in ("de", "en")
