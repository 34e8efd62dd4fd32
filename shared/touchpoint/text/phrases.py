"""Key phrases: adjective + noun phrases and nouns, normalised so that comments group together.

"Lange Wartezeit an der Kasse" and "die Wartezeit war lang" both yield "lange wartezeit" (the
predicative adjective is moved in front of its subject) and "wartezeit" (the head noun).
German adjectives get the strong nominative singular ending of their noun's gender, nouns are
singularised, English nouns in a row form one compound ("customer service").
"""

from __future__ import annotations

from dataclasses import dataclass

from touchpoint.text.models import MAX_KEY_PHRASES, Language
from touchpoint.text.morphology import adjective_display, inflect_de, noun_display, noun_gender, valence
from touchpoint.text.resources import LanguageResources, load_resources
from touchpoint.text.tagger import Tagged, tag_tokens
from touchpoint.text.tokenize import Token

_PHRASE_WEIGHT = 2.0
_NOUN_WEIGHT = 1.0
_KNOWN_NOUN_BONUS = 0.5
_HEAD_WEIGHT = 0.9
_REPEAT_BONUS = 0.5
_MAX_COMPOUND = 3
_EVALUATIVE_NOUN = 1.0  # nouns such as "Frechheit" or "problem" are sentiment, not topic
_COORDINATORS = frozenset({"und", "and", "sowie", "&", ","})


@dataclass(slots=True)
class _Candidate:
    weight: float
    first: int
    count: int = 1


@dataclass(frozen=True, slots=True)
class _NounUnit:
    text: str
    start: int
    end: int  # exclusive
    head: str  # folded lemma of the last noun
    known: bool


class _Collector:
    def __init__(self) -> None:
        self.candidates: dict[str, _Candidate] = {}

    def add(self, phrase: str, weight: float, position: int) -> None:
        phrase = " ".join(phrase.split())
        if len(phrase) < 2:
            return
        found = self.candidates.get(phrase)
        if found is None:
            self.candidates[phrase] = _Candidate(weight, position)
        else:
            found.count += 1
            found.weight = max(found.weight, weight)
            found.first = min(found.first, position)

    def ranked(self, limit: int) -> list[str]:
        order = sorted(
            self.candidates.items(),
            key=lambda kv: (-(kv[1].weight + _REPEAT_BONUS * (kv[1].count - 1)), kv[1].first),
        )
        return [phrase for phrase, _ in order[:limit]]


def _segments(tagged: list[Tagged]) -> list[list[Tagged]]:
    """Clauses: runs of tokens between punctuation, numbers, emoji and fixed expressions."""
    segments: list[list[Tagged]] = []
    current: list[Tagged] = []
    for item in tagged:
        if item.token.kind in ("sep", "end"):
            if current:
                segments.append(current)
            current = []
        else:
            current.append(item)
    if current:
        segments.append(current)
    return segments


def _noun_units(language: Language, segment: list[Tagged]) -> list[_NounUnit]:
    units: list[_NounUnit] = []
    i = 0
    while i < len(segment):
        if segment[i].tag != "N":
            i += 1
            continue
        j = i
        if language == "en":
            while j + 1 < len(segment) and segment[j + 1].tag == "N" and j + 1 - i < _MAX_COMPOUND:
                j += 1
        last = segment[j]
        words = [t.token.text.lower() for t in segment[i:j]]
        words.append(noun_display(language, last.lemma, last.token.text))
        units.append(_NounUnit(" ".join(words), i, j + 1, last.lemma, last.listed))
        i = j + 1
    return units


def _adjective_phrase(language: Language, adjective: Tagged, unit: _NounUnit) -> str:
    base = adjective_display(language, adjective.lemma)
    if language == "de":
        return f"{inflect_de(base, noun_gender(unit.head))} {unit.text}"
    return f"{base} {unit.text}"


def _usable_adjective(res: LanguageResources, item: Tagged) -> bool:
    return item.tag == "A" and item.lemma not in res.non_phrase_adjectives


def _adjective_weight(language: Language, item: Tagged) -> float:
    return _PHRASE_WEIGHT + 0.3 * abs(valence(language, item.lemma) or 0.0)


def _predicate(res: LanguageResources, segment: list[Tagged], start: int, elliptic: bool) -> Tagged | None:
    """The adjective after a copula or, if `elliptic`, right after the subject and ending the clause
    ("Preise zu hoch"); None if it is negated. An adjective right before another one is an adverb
    ("super nett", "ständig besetzt") and is skipped."""
    for index in range(start, len(segment)):
        item = segment[index]
        key = item.token.key
        if key in res.negators:
            return None
        if item.tag == "A":
            following = segment[index + 1] if index + 1 < len(segment) else None
            if following is not None and following.tag == "A":
                continue
            if elliptic and any(t.token.is_word for t in segment[index + 1 :]):
                return None
            return item if _usable_adjective(res, item) else None
        if item.tag in ("N", "V", "X"):
            return None
        if (
            elliptic
            and key not in res.too_words
            and key not in res.intensifiers
            and key not in res.diminishers
        ):
            return None
    return None


def _in_prepositional_phrase(res: LanguageResources, segment: list[Tagged], unit: _NounUnit) -> bool:
    for k in range(unit.start - 1, max(-1, unit.start - 4), -1):
        item = segment[k]
        if item.token.key in res.prepositions:
            return True
        if item.tag in ("N", "V", "X"):
            return False
    return False


def _subject(
    res: LanguageResources, segment: list[Tagged], units: list[_NounUnit], copula: int
) -> _NounUnit | None:
    """The subject of a copula: the last noun before it that is not inside a prepositional phrase
    ("Die Wartezeit an der Kasse war lang" -> Wartezeit); None if there is none."""
    for unit in reversed([u for u in units if u.end <= copula]):
        if not _in_prepositional_phrase(res, segment, unit):
            return unit
    return None


def _negated(res: LanguageResources, segment: list[Tagged], index: int) -> bool:
    return index > 0 and segment[index - 1].token.key in res.negators


def _collect_segment(
    language: Language, res: LanguageResources, segment: list[Tagged], offset: int, out: _Collector
) -> None:
    units = _noun_units(language, segment)
    if not units:
        return
    phrased: set[str] = set()
    for unit in units:
        position = offset + unit.start
        adjective_index = unit.start - 1
        before = segment[adjective_index] if adjective_index >= 0 else None
        if before is None or not _usable_adjective(res, before) or _negated(res, segment, adjective_index):
            continue  # "keine versteckten Kosten" is no phrase about hidden costs
        out.add(_adjective_phrase(language, before, unit), _adjective_weight(language, before), position)
        phrased.add(unit.text)
        # "freundliches und kompetentes Personal": the first adjective describes the noun too.
        k = unit.start - 2
        if k >= 1 and segment[k].token.key in _COORDINATORS and _usable_adjective(res, segment[k - 1]):
            adjective = segment[k - 1]
            out.add(
                _adjective_phrase(language, adjective, unit), _adjective_weight(language, adjective), position
            )
    copula = next(
        (i for i in range(units[0].end, len(segment)) if segment[i].token.key in res.copulas),
        None,
    )
    subject: _NounUnit | None = units[-1]
    predicate: Tagged | None = None
    if copula is not None:
        subject = _subject(res, segment, units, copula)
        predicate = _predicate(res, segment, copula + 1, elliptic=False)
    elif not _in_prepositional_phrase(res, segment, units[-1]):
        predicate = _predicate(res, segment, units[-1].end, elliptic=True)
    if predicate is not None and subject is not None:
        out.add(
            _adjective_phrase(language, predicate, subject), _adjective_weight(language, predicate), offset
        )
        phrased.add(subject.text)
    for unit in units:
        evaluative = abs(res.lexicon.get(unit.head, 0.0)) >= _EVALUATIVE_NOUN and " " not in unit.text
        if evaluative or unit.head in res.stopwords:
            continue
        if unit.text in phrased:
            out.add(unit.text, _HEAD_WEIGHT, offset + unit.start)
        else:
            weight = _NOUN_WEIGHT + (_KNOWN_NOUN_BONUS if unit.known else 0.0)
            out.add(unit.text, weight, offset + unit.start)


def extract_key_phrases(tokens: list[Token], language: Language, limit: int = MAX_KEY_PHRASES) -> list[str]:
    """Key phrases of a tokenised comment, most salient first (adjective phrases, then nouns)."""
    res = load_resources(language)
    tagged = tag_tokens(tokens, language)
    collector = _Collector()
    offset = 0
    for segment in _segments(tagged):
        _collect_segment(language, res, segment, offset, collector)
        offset += len(segment)
    return collector.ranked(limit)
