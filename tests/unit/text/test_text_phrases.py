"""Key phrases: normalisation, grouping across comments, limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from touchpoint.text import analyze_comment, group_by_phrase
from touchpoint.text.morphology import inflect_de, noun_gender, noun_lemma


def phrases(text: str, language: str | None = None) -> list[str]:
    return analyze_comment(text, language).key_phrases


def test_attributive_and_predicative_wait_share_phrases() -> None:
    first = phrases("Lange Wartezeit an der Kasse")
    second = phrases("die Wartezeit war lang")
    assert "wartezeit" in first
    assert "wartezeit" in second
    assert "lange wartezeit" in first
    assert "lange wartezeit" in second
    assert first[0] == "lange wartezeit"


@pytest.mark.parametrize(
    "text",
    [
        "Lange Wartezeit an der Kasse",
        "Die Wartezeit an der Kasse war viel zu lang!",
        "sehr lange wartezeiten",
        "Wartezeit zu lang",
        "Die Wartezeiten sind einfach zu lang.",
    ],
)
def test_long_wait_variants_group_in_german(text: str) -> None:
    assert "lange wartezeit" in phrases(text, "de")


@pytest.mark.parametrize(
    "text",
    ["Long wait at the checkout", "The wait was way too long", "Long waits again", "wait too long"],
)
def test_long_wait_variants_group_in_english(text: str) -> None:
    assert "long wait" in phrases(text, "en")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sehr freundliches Personal", "freundliches personal"),
        ("Das Personal war freundlich", "freundliches personal"),
        ("Freundliche Mitarbeiter, gerne wieder", "freundlicher mitarbeiter"),
        ("Gute Preise und nettes Personal.", "guter preis"),
        ("Preise zu hoch.", "hoher preis"),
        ("Viel zu hohe Preise", "hoher preis"),
        ("Schlechte Beratung", "schlechte beratung"),
        ("Super Service", "super service"),
        ("Die Verkaeuferin war unfreundlich", "unfreundliche verkäuferin"),
        ("Lieferung pünktlich, Ware einwandfrei.", "pünktliche lieferung"),
        ("Die Dame an der Kasse war super nett", "nette dame"),
    ],
)
def test_german_phrases_are_normalised(text: str, expected: str) -> None:
    assert expected in phrases(text, "de")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Very friendly staff", "friendly staff"),
        ("The staff were really friendly", "friendly staff"),
        ("Excellent customer service", "excellent customer service"),
        ("Prices too high", "high price"),
        ("The parcels arrived damaged, damaged parcels again", "damaged parcel"),
        ("Long queues at the tills", "long queue"),
    ],
)
def test_english_phrases_are_normalised(text: str, expected: str) -> None:
    assert expected in phrases(text, "en")


def test_negated_adjective_makes_no_phrase() -> None:
    result = phrases("Der Service war nicht gut", "de")
    assert "guter service" not in result
    assert "service" in result
    assert "hidden fee" not in phrases("Easy returns and no hidden fees.", "en")


def test_sentiment_nouns_and_function_words_are_not_topics() -> None:
    assert phrases("Was für eine Frechheit!", "de") == []
    assert phrases("It was okay, nothing special.", "en") == []


def test_at_most_five_lower_case_phrases() -> None:
    text = (
        "Freundliches Personal, schnelle Lieferung, faire Preise, saubere Filiale, "
        "gute Beratung, tolle Auswahl und kurze Wartezeit."
    )
    result = phrases(text, "de")
    assert len(result) == 5
    assert all(p == p.lower() for p in result)
    assert len(set(result)) == len(result)


def test_phrases_never_contain_pii() -> None:
    result = phrases("Bitte rufen Sie mich an: 0170 1234567 oder max.mustermann@example.de", "de")
    assert not any("mustermann" in p or "example" in p or any(ch.isdigit() for ch in p) for p in result)


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("wartezeiten", "wartezeit"),
        ("kassen", "kasse"),
        ("mitarbeitern", "mitarbeiter"),
        ("preise", "preis"),
        ("laeden", "laden"),
        ("kassenpersonals", "kassenpersonal"),
        ("beratungen", "beratung"),
    ],
)
def test_german_noun_lemmas(word: str, lemma: str) -> None:
    assert noun_lemma("de", word)[0] == lemma


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("deliveries", "delivery"),
        ("boxes", "box"),
        ("prices", "price"),
        ("shelves", "shelf"),
        ("goods", "goods"),
    ],
)
def test_english_noun_lemmas(word: str, lemma: str) -> None:
    assert noun_lemma("en", word)[0] == lemma


@pytest.mark.parametrize(
    ("adjective", "noun", "expected"),
    [
        ("lang", "wartezeit", "lange"),
        ("freundlich", "personal", "freundliches"),
        ("hoch", "preis", "hoher"),
        ("teuer", "versand", "teurer"),
        ("super", "service", "super"),
        ("leise", "kassenbereich", "leiser"),
        ("hoch", "versandkosten", "hohe"),
    ],
)
def test_german_adjective_endings(adjective: str, noun: str, expected: str) -> None:
    assert inflect_de(adjective, noun_gender(noun)) == expected


def test_group_by_phrase() -> None:
    analyses = [
        analyze_comment("Lange Wartezeit an der Kasse", "de"),
        analyze_comment("die Wartezeit war lang", "de"),
        analyze_comment("Sehr freundliches Personal", "de"),
        analyze_comment("The wait was way too long", "en"),
    ]
    groups = group_by_phrase(analyses)
    assert groups["wartezeit"] == [0, 1]
    assert groups["lange wartezeit"] == [0, 1]
    assert next(iter(groups)) in ("wartezeit", "lange wartezeit")
    negative = group_by_phrase(analyses, sentiment="negative", min_count=2)
    assert set(negative) == {"wartezeit", "lange wartezeit"}
    assert "freundliches personal" not in negative


@given(st.text(max_size=300))
def test_phrases_are_well_formed_for_any_text(text: str) -> None:
    result = analyze_comment(text).key_phrases
    assert len(result) <= 5
    assert all(p == p.strip() and p for p in result)
