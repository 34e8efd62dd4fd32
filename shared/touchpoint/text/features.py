"""Hashed features of a comment for the sentiment classifier (shared by inference and training).

Groups, each scaled to a fixed L2 norm so that a long comment does not drown its rule features:

- words: lemmas (`morphology`) as unigrams and bigrams; a word a negator turned is also counted as
  `NOT_<lemma>` (the analyser's own negation scope) and every word up to three after a negator gets
  a `NOT_` twin;
- characters: 4-grams of each folded word with boundary marks (German compounds:
  "Lieferverzoegerung" shares "verz", "zoeg" with "verzoegert");
- emoji and emoticons, and the sign of their valence;
- the rules' verdict: squashed score, label, positive and negative sums, contrast, question and
  exclamation marks (unscaled).

A feature is the CRC-32 of its name modulo `buckets`: stable across processes and platforms.
"""

from __future__ import annotations

import math
import zlib
from functools import lru_cache

from touchpoint.text.models import Language
from touchpoint.text.morphology import adjective_lemma, noun_lemma
from touchpoint.text.resources import load_resources
from touchpoint.text.sentiment import NEUTRAL_BAND, RuleSentiment, classify, emoji_valence
from touchpoint.text.tokenize import Token

Features = dict[int, float]

_NEGATION_SCOPE = 3
_CHAR_SIZES = (4,)  # 3-5-grams: same cross-validated accuracy (82.2 vs 82.5 %), twice the features
_SCORE_BINS = (-0.75, -0.5, -NEUTRAL_BAND, -0.1, 0.1, NEUTRAL_BAND, 0.5, 0.75)
_WORD_NORM = 1.0
_CHAR_NORM = 1.0


@lru_cache(maxsize=262144)
def _bucket(name: str, buckets: int) -> int:
    return zlib.crc32(name.encode("utf-8")) % buckets


@lru_cache(maxsize=65536)
def lemma(language: Language, key: str) -> str:
    """Base form of a folded word: adjective lemma if it is one, else the noun singular."""
    if " " in key:
        return key
    adjective = adjective_lemma(language, key)
    if adjective is not None:
        return adjective[0]
    return noun_lemma(language, key)[0]


@lru_cache(maxsize=65536)
def _char_buckets(language: Language, key: str, buckets: int) -> tuple[int, ...]:
    """Buckets of the character n-grams of a folded word, with boundary marks."""
    marked = f"<{key}>"
    return tuple(
        _bucket(f"{language}|c|{marked[i : i + size]}", buckets)
        for size in _CHAR_SIZES
        for i in range(len(marked) - size + 1)
    )


def _add_group(features: Features, indices: set[int], norm: float) -> None:
    """Add binary features, scaled so that the group's L2 norm is `norm`."""
    if not indices:
        return
    value = norm / math.sqrt(len(indices))
    for index in indices:
        features[index] = features.get(index, 0.0) + value


def _rule_names(rule: RuleSentiment, score: float) -> list[tuple[str, float]]:
    named = [
        ("r:score", score),
        ("r:label=" + classify(score), 1.0),
        ("r:pos", min(rule.positive, 6.0) / 3.0),
        ("r:neg", max(rule.negative, -6.0) / 3.0),
        ("r:bias", 1.0),
    ]
    bin_index = sum(1 for edge in _SCORE_BINS if score >= edge)
    named.append((f"r:bin={bin_index}", 1.0))
    if rule.contrast:
        named.append(("r:contrast", 1.0))
    if rule.positive and rule.negative:
        named.append(("r:mixed", 1.0))
    if not rule.positive and not rule.negative:
        named.append(("r:none", 1.0))
    return named


def extract_features(
    tokens: list[Token], language: Language, rule: RuleSentiment, score: float, buckets: int
) -> Features:
    """Hashed, scaled features of a tokenised comment (expressions merged) and its rule verdict."""
    res = load_resources(language)
    negated = set(rule.negated)
    words: list[str] = []
    chars: set[int] = set()
    other: list[str] = []
    previous = "<s>"
    scope = 0
    exclamations = 0
    question = False
    for token in tokens:
        if token.kind in ("end", "sep"):
            scope = 0
            previous = "<s>"
            if token.kind == "end":
                exclamations += token.exclamations
                question = question or "?" in token.text
            continue
        if token.kind in ("emoji", "emoticon"):
            valence = emoji_valence(token.key)
            other.append("e:" + token.key)
            if valence:
                other.append("e:pos" if valence > 0 else "e:neg")
            continue
        if token.kind == "number":
            word = "<num>"
        elif token.kind == "placeholder":
            word = "<pii>"
        else:
            word = lemma(language, token.key)
            chars.update(_char_buckets(language, token.key, buckets))
        words.append(word)
        words.append(previous + " " + word)
        if scope or token.key in negated:
            words.append("NOT_" + word)
        scope = max(scope - 1, 0)
        if token.is_word and token.key in res.negators:
            scope = _NEGATION_SCOPE
        previous = word
    words.append(previous + " </s>")
    if exclamations:
        other.append("p:!")
    if question:
        other.append("p:?")
    features: Features = {}
    _add_group(features, {_bucket(f"{language}|w|{w}", buckets) for w in words}, _WORD_NORM)
    _add_group(features, chars, _CHAR_NORM)
    _add_group(features, {_bucket(name, buckets) for name in other}, 1.0)
    for name, value in _rule_names(rule, score):
        for prefixed in (name, f"{language}|{name}"):
            index = _bucket(prefixed, buckets)
            features[index] = features.get(index, 0.0) + value
    return features
