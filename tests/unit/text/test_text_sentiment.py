"""Sentiment rules: negation, intensifiers, contrast, compounds, spelling variants, emoji, emphasis."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from touchpoint.text import CommentAnalysis, analyze_comment
from touchpoint.text.sentiment import classify, emoji_valence, squash


def score(text: str, language: str) -> float:
    return analyze_comment(text, language).score


def label(text: str, language: str) -> str:
    return analyze_comment(text, language).sentiment


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("gut", "de", "positive"),
        ("nicht gut", "de", "negative"),
        ("Das hat mir nicht gefallen", "de", "negative"),
        ("Gefällt mir nicht", "de", "negative"),
        ("nicht schlecht", "de", "positive"),
        ("Kein Problem", "de", "positive"),
        ("keine Probleme beim Umtausch", "de", "positive"),
        ("ohne Probleme geliefert", "de", "positive"),
        ("Nie wieder", "de", "negative"),
        ("Nie wieder Probleme gehabt", "de", "negative"),
        ("Keine Antwort bekommen", "de", "negative"),
        ("Der Drucker funktioniert nicht", "de", "negative"),
        ("nicht zu empfehlen", "de", "negative"),
        ("Nicht nur freundlich, sondern auch kompetent", "de", "positive"),
        ("good", "en", "positive"),
        ("not good", "en", "negative"),
        ("not bad at all", "en", "positive"),
        ("no problem", "en", "positive"),
        ("never again", "en", "negative"),
        ("didn't work", "en", "negative"),
        ("nobody could help me", "en", "negative"),
        ("not only friendly but also competent", "en", "positive"),
    ],
)
def test_negation(text: str, language: str, expected: str) -> None:
    assert label(text, language) == expected


def test_negated_negative_is_weaker_than_plain_positive() -> None:
    assert 0 < score("nicht schlecht", "de") < score("gut", "de")
    assert 0 < score("not bad", "en") < score("good", "en")


@pytest.mark.parametrize(
    ("plain", "stronger", "language"),
    [
        ("gut", "sehr gut", "de"),
        ("freundlich", "super freundlich", "de"),
        ("schlecht", "extrem schlecht", "de"),
        ("good", "very good", "en"),
        ("bad", "really really bad", "en"),
        ("Das war gut", "Das war GUT", "de"),
        ("super", "suuuuper", "de"),
        ("Toll.", "Toll!!!", "de"),
        ("great.", "great!", "en"),
    ],
)
def test_intensifiers_and_emphasis(plain: str, stronger: str, language: str) -> None:
    assert abs(score(stronger, language)) > abs(score(plain, language))


@pytest.mark.parametrize(
    ("weaker", "plain", "language"),
    [("etwas teuer", "teuer", "de"), ("ein bisschen laut", "zu laut", "de"), ("slightly slow", "slow", "en")],
)
def test_diminishers(weaker: str, plain: str, language: str) -> None:
    assert abs(score(weaker, language)) < abs(score(plain, language))


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Das Essen war gut, aber der Service war schlecht", "de", "negative"),
        ("Der Service war schlecht, aber das Essen war gut", "de", "positive"),
        ("Zwar teuer, aber die Qualität ist hervorragend", "de", "positive"),
        ("Obwohl es voll war, ging es an der Kasse schnell", "de", "positive"),
        ("Alles super, nur die Lieferung war leider sehr langsam", "de", "negative"),
        ("The food was good but the service was terrible", "en", "negative"),
        ("The service was terrible but the food was great", "en", "positive"),
        ("Although it was busy, the queue moved quickly", "en", "positive"),
        ("Nice staff, slow checkout though", "en", "negative"),
    ],
)
def test_contrast_weights_the_clause_after(text: str, language: str, expected: str) -> None:
    assert label(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Lange Wartezeit", "de", "negative"),
        ("Kurze Wartezeit", "de", "positive"),
        ("Lange Haltbarkeit", "de", "positive"),
        ("Die Preise sind hoch", "de", "negative"),
        ("Die Wartezeit war zu lang", "de", "negative"),
        ("Parkplatz zu klein", "de", "negative"),
        ("Long wait", "en", "negative"),
        ("Short queue", "en", "positive"),
        ("The battery life is long", "en", "positive"),
        ("Prices too high", "en", "negative"),
    ],
)
def test_aspect_dependent_adjectives(text: str, language: str, expected: str) -> None:
    assert label(text, language) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Superservice", "positive"),
        ("Spitzenqualität", "positive"),
        ("Horrorlieferung", "negative"),
        ("Lieferverzögerung", "negative"),
        ("kundenfreundlich", "positive"),
        ("Riesenenttäuschung", "negative"),
        ("stressfrei eingekauft", "positive"),
        ("Top-Beratung", "positive"),
        ("unfair", "negative"),
        ("Supermarkt", "neutral"),
        ("Mehrwertsteuer", "neutral"),
    ],
)
def test_german_compounds(text: str, expected: str) -> None:
    assert label(text, "de") == expected


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("Schoen, freundlich und puenktlich", "Schön, freundlich und pünktlich"),
        ("Gruesse, sehr zuverlaessig", "Grüße, sehr zuverlässig"),
        ("Ueberteuert und maessig", "Überteuert und mäßig"),
        ("SCHÖNER LADEN", "schöner Laden"),
        ("grossartig", "großartig"),
    ],
)
def test_umlaut_and_sharp_s_variants_score_alike(variant: str, canonical: str) -> None:
    a, b = analyze_comment(variant, "de"), analyze_comment(canonical, "de")
    assert a.sentiment == b.sentiment != "neutral"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (":)", "positive"),
        (":-(", "negative"),
        ("👍", "positive"),
        ("👎👎", "negative"),
        ("😡", "negative"),
        ("😍", "positive"),
        ("Lieferung 🙁", "negative"),
        ("Bestellung angekommen :D", "positive"),
        ("Bestellung angekommen 😐", "neutral"),
    ],
)
def test_emoticons_and_emoji(text: str, expected: str) -> None:
    assert label(text, "de") == expected


def test_unlisted_emoji_fall_back_to_their_unicode_name() -> None:
    assert emoji_valence("😸") > 0  # GRINNING CAT FACE WITH SMILING EYES
    assert emoji_valence("😾") < 0  # POUTING CAT FACE
    assert emoji_valence("🚲") == 0


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("ok", "de", "neutral"),
        ("geht so", "de", "neutral"),
        ("naja", "de", "neutral"),
        ("passt", "de", "positive"),
        ("5 Sterne", "de", "positive"),
        ("Einen Stern", "de", "negative"),
        ("Wäre schön, wenn es mehr Parkplätze gäbe", "de", "neutral"),
        ("Mit freundlichen Grüßen", "de", "neutral"),
        ("ok", "en", "neutral"),
        ("meh", "en", "neutral"),
        ("five stars", "en", "positive"),
        ("1 star", "en", "negative"),
        ("It would be nice to have more parking spaces", "en", "neutral"),
        ("Kind regards", "en", "neutral"),
        ("Problem gelöst", "de", "positive"),
        ("issue resolved quickly", "en", "positive"),
    ],
)
def test_short_and_formulaic_comments(text: str, language: str, expected: str) -> None:
    assert label(text, language) == expected


def test_squash_and_classify() -> None:
    assert squash(0.0) == 0.0
    assert 0 < squash(2.0) < squash(10.0) < 1
    assert squash(-2.0) == -squash(2.0)
    assert classify(0.0) == "neutral"
    assert classify(0.9) == "positive"
    assert classify(-0.9) == "negative"


def test_empty_comment() -> None:
    assert analyze_comment("", "en") == CommentAnalysis(
        language="en", sentiment="neutral", score=0.0, key_phrases=[]
    )


def test_analysis_is_frozen() -> None:
    result = analyze_comment("gut", "de")
    with pytest.raises(ValueError, match="frozen"):
        result.score = 1.0  # type: ignore[misc]


@given(st.text(max_size=400), st.sampled_from([None, "de", "en"]))
def test_any_text_gives_a_valid_analysis(text: str, language: str | None) -> None:
    result = analyze_comment(text, language)
    assert -1.0 <= result.score <= 1.0
    assert result.language in ("de", "en")
    assert result.sentiment == classify(result.score)
