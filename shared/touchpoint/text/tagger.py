"""A coarse, list- and rule-based part-of-speech tagger for key-phrase extraction.

Tags: N (noun), A (adjective), V (verb), S (function word or sentiment modifier) and X (anything
that breaks a phrase: punctuation, numbers, emoji, fixed expressions). German nouns are recognised
by capitalisation when the writer uses it, otherwise by the noun list, compounds and suffixes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from touchpoint.text.models import Language
from touchpoint.text.morphology import adjective_lemma, has_noun_suffix, noun_lemma
from touchpoint.text.resources import LanguageResources, load_resources
from touchpoint.text.tokenize import Token

Tag = Literal["N", "A", "V", "S", "X"]

_EN_VERB_CONTEXT = frozenset(
    {"to", "i", "we", "you", "they", "he", "she", "it", "will", "would", "can", "could", "should", "must",
     "didn't", "don't", "doesn't", "won't", "can't", "couldn't", "never", "not", "please", "i'll", "we'll"}
)  # fmt: skip
_DE_VERB_ENDINGS = ("en", "t", "te", "ten", "st", "est")


@dataclass(frozen=True, slots=True)
class Tagged:
    """A token with its tag and folded lemma (singular noun / base adjective; the key otherwise)."""

    token: Token
    tag: Tag
    lemma: str
    listed: bool = True


def _uses_noun_capitals(tokens: list[Token]) -> bool:
    words = [t for t in tokens if t.is_word]
    has_lower = any(t.text.islower() for t in words)
    return has_lower and any(t.capitalised and not t.sentence_start for t in words)


def _is_function_word(res: LanguageResources, key: str) -> bool:
    if key in res.stopwords or key in res.copulas:
        return True
    return key in res.modifier_words and key not in res.lexicon


def _tag_de(res: LanguageResources, token: Token, capitals: bool) -> Tagged:
    key = token.key
    noun, noun_known = noun_lemma("de", key)
    adjective = adjective_lemma("de", key)
    if key in res.lexicon_verbs:
        return Tagged(token, "V", key)
    if token.capitalised and not token.sentence_start and capitals:
        if not noun_known and adjective is not None and adjective[1] and adjective[0] != key:
            return Tagged(token, "S", key)  # a nominalised adjective: "nichts Besonderes"
        return Tagged(token, "N", noun, noun_known)
    if token.capitalised and token.sentence_start:
        if noun_known and not (adjective and adjective[1]):
            return Tagged(token, "N", noun)
        if adjective is not None:
            return Tagged(token, "A", adjective[0], adjective[1])
        if key in res.verbs:
            return Tagged(token, "V", key)
        return Tagged(token, "N", noun, noun_known)
    if adjective is not None and adjective[1]:
        return Tagged(token, "A", adjective[0])
    if noun_known and not capitals and key not in res.verbs:
        return Tagged(token, "N", noun)
    if key in res.verbs:
        return Tagged(token, "V", key)
    if adjective is not None:
        return Tagged(token, "A", adjective[0], False)
    if not capitals and (has_noun_suffix("de", key) or not key.endswith(_DE_VERB_ENDINGS)):
        return Tagged(token, "N", noun, False)
    return Tagged(token, "S", key)


def _tag_en(res: LanguageResources, token: Token, previous: str) -> Tagged:
    key = token.key
    if key in res.lexicon_verbs:
        return Tagged(token, "V", key)
    noun, noun_known = noun_lemma("en", key)
    if noun_known:
        if key in res.verbs and previous in _EN_VERB_CONTEXT:
            return Tagged(token, "V", key)
        return Tagged(token, "N", noun)
    adjective = adjective_lemma("en", key)
    if adjective is not None and adjective[1]:
        return Tagged(token, "A", adjective[0])
    if key in res.verbs:
        return Tagged(token, "V", key)
    if key.endswith("ly") and len(key) > 4:
        return Tagged(token, "S", key)
    if key.endswith(("ed", "ing")) and len(key) > 4:
        return Tagged(token, "V", key, False)  # may become A/N before a noun, see below
    if adjective is not None:
        return Tagged(token, "A", adjective[0], False)
    if len(key) >= 3 and key.replace("-", "").isalpha():
        return Tagged(token, "N", noun, False)
    return Tagged(token, "S", key)


def tag_tokens(tokens: list[Token], language: Language) -> list[Tagged]:
    """Tag every token; fixed expressions, numbers, emoji and punctuation are X."""
    res = load_resources(language)
    capitals = language == "de" and _uses_noun_capitals(tokens)
    tagged: list[Tagged] = []
    previous = ""
    for token in tokens:
        if not token.is_word or " " in token.key:
            tagged.append(Tagged(token, "X", token.key))
            previous = ""
            continue
        if _is_function_word(res, token.key) or len(token.key) < 2:
            tagged.append(Tagged(token, "S", token.key))
        elif language == "de":
            tagged.append(_tag_de(res, token, capitals))
        else:
            tagged.append(_tag_en(res, token, previous))
        previous = token.key
    if language == "en":
        _retag_en_participles(tagged)
    return tagged


def _retag_en_participles(tagged: list[Tagged]) -> None:
    """Before a noun, an unlisted -ed word is an adjective ("damaged parcel") and an -ing word a
    noun modifier ("waiting time"); after a noun, a noun-or-verb in -s is a verb ("the jacket fits")."""
    res = load_resources("en")
    for i in range(1, len(tagged)):
        item = tagged[i]
        key = item.token.key
        if item.tag == "N" and tagged[i - 1].tag == "N" and key.endswith("s") and key[:-1] in res.verbs:
            tagged[i] = Tagged(item.token, "V", key)
    for i in range(len(tagged) - 2, -1, -1):
        item = tagged[i]
        if item.tag != "V" or item.listed or tagged[i + 1].tag != "N":
            continue
        key = item.token.key
        if key.endswith("ed"):
            tagged[i] = Tagged(item.token, "A", key, False)
        elif key.endswith("ing"):
            tagged[i] = Tagged(item.token, "N", key, False)
