"""Word lists shipped in `touchpoint/text/data/`, loaded lazily once per language and cached.

Every word is stored under its folded key (see `normalize.fold`), so lookups are insensitive to case
and to umlaut/ß spellings. Nothing is downloaded: the files are package data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from touchpoint.text.models import Language
from touchpoint.text.normalize import fold

_DATA = "data"


@dataclass(frozen=True, slots=True)
class Aspect:
    """Scalar adjectives whose polarity depends on a cue word nearby ("lange Wartezeit")."""

    name: str
    cues: frozenset[str]
    scores: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class WaitingRule:
    """Implicit waiting complaints: a waiting word with a long enough wait or a persistence word."""

    words: frozenset[str]
    persistence: frozenset[str]
    units: Mapping[str, float]
    """Minutes per time unit ("hour" -> 60)."""
    quantities: Mapping[str, float]
    """Number words ("half" -> 0.5, "zwei" -> 2)."""
    limiters: frozenset[str]
    """Words before an amount that make the wait short ("only 5 minutes")."""
    ranges: tuple[tuple[float, float], ...]
    """Amounts (minutes, from inclusive, to exclusive) that make a complaint."""
    value: float
    praise_max_minutes: float = -1.0
    """A written amount up to this many minutes is praise ("done in two minutes"); below 0: never."""
    praise_value: float = 0.0

    def is_long(self, minutes: float) -> bool:
        """True when a wait of `minutes` falls in one of the complaint ranges."""
        return any(low <= minutes < high for low, high in self.ranges)


@dataclass(frozen=True, slots=True)
class LanguageResources:
    """All word lists of one language, keyed by folded word."""

    language: Language
    stopwords: frozenset[str]
    lexicon: Mapping[str, float]
    lexicon_nouns: frozenset[str]
    lexicon_verbs: frozenset[str]
    nouns: Mapping[str, str]
    adjectives: frozenset[str]
    verbs: frozenset[str]
    display: Mapping[str, str]
    irregular_nouns: Mapping[str, str]
    irregular_adjectives: Mapping[str, str]
    invariable_adjectives: frozenset[str]
    attributive_stems: Mapping[str, str]
    negators: frozenset[str]
    weak_negators: frozenset[str]
    negation_breakers: Mapping[str, frozenset[str]]
    negation_transparent: frozenset[str]
    """Words a negator reaches across without using up its reach ("never had a single issue")."""
    correlative_negators: Mapping[str, str]
    """A word that negates after its partner earlier in the clause ("weder ... noch")."""
    contrast_cancellers: frozenset[str]
    """Words that make a following contrast conjunction additive ("aber auch", "but also")."""
    waiting: WaitingRule
    duration: WaitingRule
    """Duration words ("took", "gedauert") with an amount in a complaint range ("the parcel took 6 days")."""
    question_words: frozenset[str]
    """First words of a real question ("How long do refunds take?"): its sentiment counts little."""
    rhetorical_question_words: frozenset[str]
    """Words that make a question a complaint rather than a request ("why", "warum")."""
    hypothetical: frozenset[str]
    """Words of an open condition or indirect question ("whether it works", "ob es funktioniert")."""
    balance_markers: frozenset[str]
    """Expressions by which a comment calls itself balanced ("mixed feelings", "gleicht sich aus")."""
    obligation_words: frozenset[str]
    """Words of being made to act ("had to", "musste"): a mild complaint unless negated."""
    obligation_value: float
    ellipsis_tails: frozenset[str]
    """Words that may end an elliptic negated clause ("others not so much")."""
    verb_readings: Mapping[str, frozenset[str]]
    """Words that carry sentiment only after one of the listed words ("I like"; "treated like a thief")."""
    unnegatable: frozenset[str]
    intensifiers: Mapping[str, float]
    post_intensifiers: Mapping[str, float]
    diminishers: Mapping[str, float]
    too_words: frozenset[str]
    copulas: frozenset[str]
    contrast: frozenset[str]
    contrast_adverbs: frozenset[str]
    contrast_clause_initial: frozenset[str]
    concessive: frozenset[str]
    irrealis: frozenset[str]
    conditional: frozenset[str]
    conditional_modal: frozenset[str]
    expectations: frozenset[str]
    stars: frozenset[str]
    postposed_negators: frozenset[str]
    concessive_prepositions: frozenset[str]
    resolvers: frozenset[str]
    non_phrase_adjectives: frozenset[str]
    prepositions: frozenset[str]
    compound_prefixes: Mapping[str, float]
    compound_intensifiers: frozenset[str]
    privative_suffixes: tuple[str, ...]
    aspects: tuple[Aspect, ...]
    aspect_window: int
    expressions: frozenset[str]
    expression_starts: frozenset[str]
    longest_expression: int
    modifier_words: frozenset[str]
    """Every word that modifies sentiment rather than carrying it (negators, intensifiers, ...)."""


@dataclass(frozen=True, slots=True)
class EmojiResources:
    """Valence of emoticons and emoji, plus Unicode-name rules for unlisted emoji."""

    emoticons: Mapping[str, float]
    emoji: Mapping[str, float]
    positive_names: tuple[str, ...]
    negative_names: tuple[str, ...]


def _read_text(*parts: str) -> str:
    node = resources.files("touchpoint.text").joinpath(_DATA)
    for part in parts:
        node = node.joinpath(part)
    return node.read_text(encoding="utf-8")


def _lines(*parts: str) -> Iterator[str]:
    """Non-empty lines of a word list, without comment lines (starting with '#')."""
    for raw in _read_text(*parts).splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            yield line


def _json(*parts: str) -> dict[str, Any]:
    data = json.loads(_read_text(*parts))
    if not isinstance(data, dict):
        raise ValueError(f"{'/'.join(parts)} must hold a JSON object")
    return data


def fold_phrase(phrase: str) -> str:
    """Fold every word of a (possibly multi-word) entry."""
    return " ".join(fold(word) for word in phrase.split())


def _folded_set(values: Any) -> frozenset[str]:
    return frozenset(fold_phrase(str(v)) for v in values)


def _folded_map(values: Mapping[str, Any]) -> dict[str, float]:
    return {fold_phrase(k): float(v) for k, v in values.items() if not k.startswith("_")}


def _remember_spelling(display: dict[str, str], word: str) -> None:
    lowered = word.lower()
    key = fold(lowered)
    current = display.get(key)
    # Prefer the spelling with umlauts/ß over a transliterated one.
    if current is None or (current.isascii() and not lowered.isascii()):
        display[key] = lowered


@cache
def load_resources(language: Language) -> LanguageResources:
    """Load (once) and return the word lists of `language`."""
    display: dict[str, str] = {}

    lexicon: dict[str, float] = {}
    lexicon_nouns: set[str] = set()
    lexicon_verbs: set[str] = set()
    for line in _lines(language, "sentiment.txt"):
        fields = line.split("\t")
        word, score = fields[0].strip(), float(fields[1])
        pos = fields[2].strip() if len(fields) > 2 else ""
        key = fold_phrase(word)
        lexicon[key] = score
        if pos == "n" or (language == "de" and word[:1].isupper()):
            lexicon_nouns.add(key)
        elif pos == "v":
            lexicon_verbs.add(key)
        if " " not in word:
            _remember_spelling(display, word)

    nouns: dict[str, str] = {}
    for line in _lines(language, "nouns.txt"):
        fields = line.split("\t")
        word = fields[0].strip()
        nouns[fold(word)] = fields[1].strip() if len(fields) > 1 else ""
        _remember_spelling(display, word)

    adjectives: set[str] = set()
    for word in _lines(language, "adjectives.txt"):
        adjectives.add(fold(word.strip()))
        _remember_spelling(display, word.strip())

    verbs = frozenset(fold(w.strip()) for w in _lines(language, "verbs.txt"))
    stopwords = frozenset(fold(w.strip()) for w in _lines(language, "stopwords.txt"))

    lemmas = _json(language, "lemmas.json")
    for word in list(lemmas["nouns"].values()) + list(lemmas["adjectives"].values()):
        _remember_spelling(display, word)

    mods = _json(language, "modifiers.json")
    aspects_data = _json(language, "aspects.json")
    wait = mods["waiting"]
    waiting = WaitingRule(
        words=_folded_set(wait["words"]),
        persistence=_folded_set(wait["persistence"]),
        units=_folded_map(wait["units"]),
        quantities=_folded_map(wait["quantities"]),
        limiters=_folded_set(wait["limiters"]),
        ranges=((float(wait["min_minutes"]), float("inf")),),
        value=float(wait["value"]),
    )
    took = mods["duration"]
    duration = WaitingRule(
        words=_folded_set(took["words"]),
        persistence=frozenset(),
        units=waiting.units,
        quantities=waiting.quantities,
        limiters=waiting.limiters,
        ranges=tuple((float(low), float(high)) for low, high in took["ranges"]),
        value=float(took["value"]),
        praise_max_minutes=float(took.get("praise_max_minutes", -1)),
        praise_value=float(took.get("praise_value", 0)),
    )
    balance_markers = _folded_set(mods["balance_markers"])
    aspects = tuple(
        Aspect(name=name, cues=_folded_set(spec["cues"]), scores=_folded_map(spec["scores"]))
        for name, spec in aspects_data["aspects"].items()
    )

    intensifiers = _folded_map(mods["intensifiers"])
    post_intensifiers = _folded_map(mods.get("post_intensifiers", {}))
    diminishers = _folded_map(mods["diminishers"])
    concessive = _folded_set(mods["concessive"])
    concessive_prepositions = _folded_set(mods["concessive_prepositions"])
    irrealis = _folded_set(mods["irrealis"])
    resolvers = _folded_set(mods["resolvers"])
    modifier_phrases = {
        w
        for w in (
            *intensifiers,
            *post_intensifiers,
            *diminishers,
            *concessive,
            *concessive_prepositions,
            *irrealis,
            *resolvers,
            *waiting.persistence,
        )
        if " " in w
    }
    obligation_words = _folded_set(mods["obligation"]["words"])
    modifier_phrases |= {w for w in (*balance_markers, *obligation_words) if " " in w}
    expressions = frozenset({k for k in lexicon if " " in k} | modifier_phrases)

    negators = _folded_set(mods["negators"])
    weak_negators = _folded_set(mods["weak_negators"])
    too_words = _folded_set(mods["too"])
    contrast = _folded_set(mods["contrast"])
    contrast_adverbs = _folded_set(mods["contrast_adverbs"])
    conditional = _folded_set(mods["conditional"])
    conditional_modal = _folded_set(mods["conditional_modal"])
    modifier_words = frozenset().union(
        negators,
        weak_negators,
        intensifiers,
        diminishers,
        too_words,
        contrast,
        contrast_adverbs,
        concessive,
        concessive_prepositions,
        irrealis,
        conditional,
        conditional_modal,
    )

    return LanguageResources(
        language=language,
        stopwords=stopwords,
        lexicon=lexicon,
        lexicon_nouns=frozenset(lexicon_nouns),
        lexicon_verbs=frozenset(lexicon_verbs),
        nouns=nouns,
        adjectives=frozenset(adjectives),
        verbs=verbs,
        display=display,
        irregular_nouns={fold(k): v for k, v in lemmas["nouns"].items()},
        irregular_adjectives={fold(k): v for k, v in lemmas["adjectives"].items()},
        invariable_adjectives=_folded_set(lemmas.get("invariable_adjectives", [])),
        attributive_stems={fold(k): v for k, v in lemmas.get("attributive_stems", {}).items()},
        negators=negators,
        weak_negators=weak_negators,
        negation_breakers={fold(k): _folded_set(v) for k, v in mods["negation_breakers"].items()},
        negation_transparent=_folded_set(mods["negation_transparent"]),
        correlative_negators={fold(k): fold(v) for k, v in mods["correlative_negators"].items()},
        contrast_cancellers=_folded_set(mods["contrast_cancellers"]),
        waiting=waiting,
        duration=duration,
        question_words=_folded_set(mods["question_words"]),
        rhetorical_question_words=_folded_set(mods["rhetorical_question_words"]),
        hypothetical=_folded_set(mods["hypothetical"]),
        balance_markers=balance_markers,
        obligation_words=obligation_words,
        obligation_value=float(mods["obligation"]["value"]),
        ellipsis_tails=_folded_set(mods["ellipsis_tails"]),
        verb_readings={
            fold(k): _folded_set(v) for k, v in mods["verb_readings"].items() if not k.startswith("_")
        },
        unnegatable=_folded_set(mods["unnegatable"]),
        intensifiers=intensifiers,
        post_intensifiers=post_intensifiers,
        diminishers=diminishers,
        too_words=too_words,
        copulas=_folded_set(mods["copulas"]),
        contrast=contrast,
        contrast_adverbs=contrast_adverbs,
        contrast_clause_initial=_folded_set(mods["contrast_clause_initial"]),
        concessive=concessive,
        irrealis=irrealis,
        conditional=conditional,
        conditional_modal=conditional_modal,
        expectations=_folded_set(mods["expectations"]),
        stars=_folded_set(mods["stars"]),
        postposed_negators=_folded_set(mods["postposed_negators"]),
        concessive_prepositions=concessive_prepositions,
        resolvers=resolvers,
        non_phrase_adjectives=_folded_set(mods["non_phrase_adjectives"]),
        prepositions=_folded_set(mods["prepositions"]),
        compound_prefixes=_folded_map(mods["compound_prefixes"]),
        compound_intensifiers=_folded_set(mods["compound_intensifiers"]),
        privative_suffixes=tuple(fold(s) for s in mods["privative_suffixes"]),
        aspects=aspects,
        aspect_window=int(aspects_data.get("window", 5)),
        expressions=expressions,
        expression_starts=frozenset(e.split()[0] for e in expressions),
        modifier_words=modifier_words,
        longest_expression=max((len(e.split()) for e in expressions), default=1),
    )


@cache
def load_emoji() -> EmojiResources:
    """Load (once) the emoticon and emoji valences."""
    data = _json("emoji.json")
    rules = data["name_rules"]
    return EmojiResources(
        emoticons={k: float(v) for k, v in data["emoticons"].items()},
        emoji={k.replace("\ufe0f", ""): float(v) for k, v in data["emoji"].items()},
        positive_names=tuple(rules["positive"]),
        negative_names=tuple(rules["negative"]),
    )
