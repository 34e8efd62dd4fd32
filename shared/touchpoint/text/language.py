"""Language identification (German or English) from function words, word lists and letters."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from touchpoint.text.models import SUPPORTED_LANGUAGES, Language
from touchpoint.text.resources import LanguageResources, load_resources
from touchpoint.text.tokenize import Token, tokenize

DEFAULT_LANGUAGE: Language = "de"
"""Returned when neither the text nor a hint tells the language."""

_MIN_MARGIN = 1.5  # below this evidence margin the text is "too short to tell" and the hint wins
_FUNCTION_WORD = 1.0
_CONTENT_WORD = 0.6
_UMLAUT = 1.5
_SHAPE = 0.4
_DE_SHAPES = ("sch", "ung", "keit", "heit", "lich", "chen", "tz", "pf", "ei", "ie")
_EN_SHAPES = ("th", "wh", "ing", "ly", "ness", "ee", "oo", "ay", "ow")


@dataclass(frozen=True, slots=True)
class _Markers:
    function: dict[str, Language]
    content: dict[str, Language]


def _vocabulary(res: LanguageResources) -> tuple[frozenset[str], frozenset[str]]:
    function = res.stopwords | res.modifier_words | res.copulas
    content = (
        frozenset(k for k in res.lexicon if " " not in k)
        | frozenset(res.nouns)
        | res.adjectives
        | res.verbs
        | frozenset(res.irregular_nouns)
    )
    return function, content


@cache
def _markers() -> _Markers:
    de_function, de_content = _vocabulary(load_resources("de"))
    en_function, en_content = _vocabulary(load_resources("en"))
    de_all, en_all = de_function | de_content, en_function | en_content
    function: dict[str, Language] = {}
    content: dict[str, Language] = {}
    for word in de_function - en_all:
        function[word] = "de"
    for word in en_function - de_all:
        function[word] = "en"
    for word in de_content - en_all:
        content.setdefault(word, "de")
    for word in en_content - de_all:
        content.setdefault(word, "en")
    return _Markers(function, content)


def _normalise_hint(hint: str | None) -> Language | None:
    if not hint:
        return None
    code = hint.strip().lower()[:2]
    return next((lang for lang in SUPPORTED_LANGUAGES if lang == code), None)


def language_evidence(tokens: list[Token]) -> dict[Language, float]:
    """Evidence for each language: marker words, umlauts/ß and typical letter sequences."""
    markers = _markers()
    evidence: dict[Language, float] = {"de": 0.0, "en": 0.0}
    for token in tokens:
        if not token.is_word:
            continue
        key = token.key
        lower = token.text.lower()
        if any(ch in lower for ch in "äöüß"):
            evidence["de"] += _UMLAUT
        if key in markers.function:
            evidence[markers.function[key]] += _FUNCTION_WORD
        elif key in markers.content:
            evidence[markers.content[key]] += _CONTENT_WORD
        elif len(key) > 3:
            if any(shape in key for shape in _DE_SHAPES):
                evidence["de"] += _SHAPE
            if any(shape in key for shape in _EN_SHAPES):
                evidence["en"] += _SHAPE
    return evidence


def detect_language(text: str, hint: str | None = None) -> Language:
    """Tell whether `text` is German or English.

    `hint` (for example the form's language, "de", "en-GB") decides when the text is too short or
    too ambiguous to tell ("ok", "Top!"); without a hint such texts get `DEFAULT_LANGUAGE`.
    """
    return detect_language_of_tokens(tokenize(text), hint)


def detect_language_of_tokens(tokens: list[Token], hint: str | None = None) -> Language:
    """`detect_language` for an already tokenised text."""
    preferred = _normalise_hint(hint)
    evidence = language_evidence(tokens)
    margin = evidence["de"] - evidence["en"]
    if abs(margin) < _MIN_MARGIN and preferred is not None:
        return preferred
    if margin > 0:
        return "de"
    if margin < 0:
        return "en"
    return preferred or DEFAULT_LANGUAGE
