"""Lexicon- and rule-based sentiment of a tokenised comment.

Each sentiment-bearing token gets its lexicon score, adjusted by the words around it: negators
("nicht gut", "not good"; a trailing German "nicht" looks back), intensifiers and diminishers,
"zu"/"too" before an adjective, aspect-dependent adjectives ("lange Wartezeit"), emphasis by
capitals or repeated letters, implicit waiting complaints ("25 Minuten gewartet", "still waiting").
Emoji keep their polarity whatever precedes them. Clauses are weighted: after a contrast ("aber",
"but", "jedoch", "however") 1.5, before it 0.5 (0.25 when the clause after carries sentiment);
"aber auch" / "but also" adds rather than contrasts; concessive ("obwohl", "although") and wishful
clauses ("wäre schön") count less; an elliptic "others not" / "andere nicht" negates the clause
before it.
Exclamation marks amplify their sentence. The sum is squashed into [-1, 1].
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from touchpoint.text.models import Language, Sentiment
from touchpoint.text.morphology import adjective_lemma, noun_lemma, valence
from touchpoint.text.normalize import has_repeats
from touchpoint.text.resources import LanguageResources, WaitingRule, load_emoji, load_resources
from touchpoint.text.tokenize import Token

NEUTRAL_BAND = 0.25
"""Scores in (-NEUTRAL_BAND, NEUTRAL_BAND) are neutral."""

_ALPHA = 6.0  # squashing constant: a single "gut"/"good" (2.0) scores about 0.63
_NEGATE_POSITIVE = -0.75
_NEGATE_NEGATIVE = -0.5
_NEGATED_EXPECTATION = -1.5
_TOO_NEUTRAL = -1.5
_TOO_NEGATIVE = 1.3
_EMPHASIS = 1.25
_EXCLAMATION = 0.15
_MAX_EXCLAMATIONS = 3
_BEFORE_CONTRAST = 0.5
_BEFORE_DECIDED_CONTRAST = 0.25  # when the clause after the contrast carries sentiment itself
_AFTER_CONTRAST = 1.5
_CONCESSIVE = 0.5
_IRREALIS = 0.2
_QUESTION = 0.25  # a real question ("How long do refunds take?") asks rather than judges
_BALANCED = 0.2  # a comment that calls itself balanced ("mixed feelings")
_NEGATION_REACH = 3
_NEGATION_SCAN = 6  # tokens looked at, counting words the negator reaches across ("a single")
_ELLIPSIS_WORDS = 3  # at most this many words in an elliptic negated clause ("others not")
_POSTPOSED_REACH = 4
_POSTPOSED_EXPECTATION_REACH = 6
_INTENSIFIER_REACH = 2
_PREPOSITION_REACH = 3
_NUMBER_WORDS = {
    "null": 0, "zero": 0, "ein": 1, "eine": 1, "einen": 1, "einem": 1, "eins": 1, "one": 1, "a": 1, "zwei": 2,
    "two": 2, "drei": 3, "three": 3, "vier": 4, "four": 4, "fuenf": 5, "five": 5, "sechs": 6, "zehn": 10, "ten": 10,
}  # fmt: skip
_STAR_VALENCE = {0: -2.5, 1: -2.5, 2: -1.5, 3: 0.0, 4: 1.5, 5: 2.5}


@dataclass(slots=True)
class _Clause:
    tokens: list[Token] = field(default_factory=list)
    sentence: int = 0
    contrast: bool = False
    concessive: bool = False
    irrealis: bool = False


@dataclass(slots=True)
class _Sentence:
    exclamations: int = 0
    question: bool = False
    first_word: str = ""
    rhetorical: bool = False


def _number(text: str) -> float:
    """A written number ("25", "1,5", "2.5"); 1 when it cannot be read."""
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return 1.0


@lru_cache(maxsize=4096)
def emoji_valence(symbol: str) -> float:
    """Valence of an emoticon or emoji: listed value, else a rule on its Unicode name, else 0."""
    data = load_emoji()
    if symbol in data.emoticons:
        return data.emoticons[symbol]
    if symbol in data.emoji:
        return data.emoji[symbol]
    name = " ".join(unicodedata.name(ch, "") for ch in symbol)
    if any(part in name for part in data.negative_names):
        return -1.5
    if any(part in name for part in data.positive_names):
        return 1.5
    return 0.0


@lru_cache(maxsize=65536)
def _aspect_cues(language: Language, key: str) -> frozenset[str]:
    """Names of the aspects a word is a cue for ("Wartezeiten" -> duration)."""
    res = load_resources(language)
    lemma = noun_lemma(language, key)[0]
    names = set()
    for aspect in res.aspects:
        compound = language == "de" and any(len(cue) >= 4 and lemma.endswith(cue) for cue in aspect.cues)
        if key in aspect.cues or lemma in aspect.cues or compound:
            names.add(aspect.name)
    return frozenset(names)


@lru_cache(maxsize=65536)
def _aspect_scores(language: Language, key: str) -> tuple[tuple[str, float], ...]:
    """(aspect, score) pairs of a scalar adjective ("lange" -> duration: -1.5, durability: 1.5)."""
    lemma = adjective_lemma(language, key)
    forms = (key,) if lemma is None else (key, lemma[0])
    pairs = []
    for aspect in load_resources(language).aspects:
        score = next((aspect.scores[f] for f in forms if f in aspect.scores), None)
        if score is not None:
            pairs.append((aspect.name, score))
    return tuple(pairs)


def _split(tokens: list[Token], res: LanguageResources) -> tuple[list[_Clause], list[_Sentence]]:
    """Clauses (split at punctuation, contrast conjunctions and concessive words) and the sentences
    (exclamation marks, whether a sentence is a question)."""
    clauses: list[_Clause] = [_Clause()]
    sentences = [_Sentence()]
    sentence = 0
    for index, token in enumerate(tokens):
        key = token.key
        if token.kind == "end":
            sentences[sentence].exclamations += token.exclamations
            sentences[sentence].question = "?" in token.text
            sentence += 1
            sentences.append(_Sentence())
            clauses.append(_Clause(sentence=sentence))
            continue
        if token.is_word:
            if not sentences[sentence].first_word:
                sentences[sentence].first_word = key
            if key in res.rhetorical_question_words:
                sentences[sentence].rhetorical = True
        if token.kind == "sep":
            clauses.append(_Clause(sentence=sentence))
            continue
        current = clauses[-1]
        starts_clause = not current.tokens
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if key in res.contrast and following is not None and following.key in res.contrast_cancellers:
            current.tokens.append(token)  # "aber auch" / "but also": additive, not a contrast
            continue
        after_verb = index > 0 and _is_verb(tokens[index - 1], res)
        if key in res.contrast and res.language == "de" and after_verb and not starts_clause:
            current.contrast = True  # "kam aber nie": the verb's own clause is the contrast
            continue
        if token.is_word and (key in res.contrast or key in res.concessive) and not starts_clause:
            current = _Clause(sentence=sentence)
            clauses.append(current)
            starts_clause = True
        if token.is_word:
            initial = (
                starts_clause and key in res.contrast_clause_initial and any(c.tokens for c in clauses[:-1])
            )
            if key in res.contrast or key in res.contrast_adverbs or initial:
                current.contrast = True
            if key in res.concessive:
                current.concessive = True
            if key in res.irrealis or key in res.hypothetical:
                current.irrealis = True
        current.tokens.append(token)
    kept = [c for c in clauses if c.tokens]
    for sentence_no in {c.sentence for c in kept}:
        in_sentence = [c for c in kept if c.sentence == sentence_no]
        conditional = any(t.key in res.conditional for c in in_sentence for t in c.tokens)
        if conditional:
            for clause in in_sentence:
                if any(t.key in res.conditional_modal for t in clause.tokens):
                    clause.irrealis = True
    return kept, sentences


def _is_verb(token: Token, res: LanguageResources) -> bool:
    """True for a known finite verb form ("kam", "findet", "ist")."""
    return token.is_word and (
        token.key in res.verbs or token.key in res.copulas or token.key in res.lexicon_verbs
    )


class _ClauseScorer:
    """Scores one clause; keeps per-token values so that modifiers can act on their neighbours."""

    def __init__(self, language: Language, res: LanguageResources, clause: list[Token]) -> None:
        self.language = language
        self.res = res
        self.tokens = clause
        self.values: list[float | None] = [None] * len(clause)
        self.negated = [False] * len(clause)
        self.expectation = [False] * len(clause)
        self.modifier_use = [False] * len(clause)

    # -- helpers -----------------------------------------------------------------
    def _word(self, i: int) -> Token | None:
        if 0 <= i < len(self.tokens) and self.tokens[i].is_word:
            return self.tokens[i]
        return None

    def _is_emoji(self, i: int) -> bool:
        return self.tokens[i].kind in ("emoji", "emoticon")

    def _is_adjectival(self, i: int) -> bool:
        token = self._word(i)
        if token is None:
            return False
        lemma = adjective_lemma(self.language, token.key)
        return lemma is not None and token.key not in self.res.verbs

    def _carries_sentiment(self, i: int) -> bool:
        token = self._word(i)
        return token is not None and (bool(valence(self.language, token.key)) or self._is_adjectival(i))

    def _aspect_value(self, i: int, key: str) -> float | None:
        scores = _aspect_scores(self.language, key)
        if not scores:
            return None
        window = self.res.aspect_window
        lo, hi = max(0, i - window), min(len(self.tokens), i + window + 1)
        for name, score in scores:
            for j in range(lo, hi):
                other = self.tokens[j]
                if j != i and other.is_word and name in _aspect_cues(self.language, other.key):
                    return score
        return None

    def _long_wait(self, rule: WaitingRule) -> bool:
        """True when the clause names a wait in one of the rule's complaint ranges, or says it goes on
        ("still", "seit", "immer noch")."""
        for k, token in enumerate(self.tokens):
            if token.key in rule.persistence:
                return True
            minutes = rule.units.get(token.key)
            if minutes is not None and rule.is_long(minutes * self._amount_before(rule, k)):
                return True
        return False

    def _quick(self, rule: WaitingRule) -> bool:
        """True when the clause names a short time, written out ("took two seconds", "in zwei Minuten")."""
        for k, token in enumerate(self.tokens):
            minutes = rule.units.get(token.key)
            if (
                minutes is not None
                and k > 0
                and (self.tokens[k - 1].kind == "number" or self.tokens[k - 1].key in rule.quantities)
            ):
                return minutes * self._amount_before(rule, k) <= rule.praise_max_minutes
        return False

    def _amount_before(self, rule: WaitingRule, k: int) -> float:
        """The amount in front of a time unit ("25 minutes", "half an hour", "zwei Stunden"); 1 if none
        is written, 0 after a limiter ("only 5 minutes", "nur 5 Minuten")."""
        amount: float | None = None
        for j in range(k - 1, max(-1, k - 4), -1):
            token = self.tokens[j]
            if token.key in rule.limiters:
                return 0.0
            if amount is not None:
                continue
            if token.kind == "number":
                amount = _number(token.text)
            elif token.key in rule.quantities:
                amount = rule.quantities[token.key]
            elif not token.is_word:
                break
        return 1.0 if amount is None else amount

    def _stars(self, i: int) -> float | None:
        token = self.tokens[i]
        following = self._word(i + 1)
        if following is None or following.key not in self.res.stars:
            return None
        if token.kind == "number" and token.text.isdigit():
            count = int(token.text)
        elif token.is_word and token.key in _NUMBER_WORDS:
            count = _NUMBER_WORDS[token.key]
        else:
            return None
        return _STAR_VALENCE.get(count, 2.5 if count > 5 else 0.0)

    # -- passes ------------------------------------------------------------------
    def base_values(self) -> None:
        res = self.res
        for i, token in enumerate(self.tokens):
            if token.kind in ("emoticon", "emoji"):
                self.values[i] = emoji_valence(token.key)
                continue
            stars = self._stars(i)
            if stars is not None:
                self.values[i] = stars
                continue
            if not token.is_word:
                continue
            key = token.key
            if key in res.intensifiers and key in res.lexicon and self._carries_sentiment(i + 1):
                self.modifier_use[i] = True  # "super nett": "super" intensifies
                continue
            if key in res.modifier_words and key not in res.lexicon:
                self.modifier_use[i] = True
                continue
            value = self._aspect_value(i, key)
            if value is None:
                value = valence(self.language, key)
            readings = res.verb_readings.get(key)
            previous = self._word(i - 1)
            if readings is not None and previous is not None and previous.key not in readings:
                value = None  # "treated like a thief": a preposition, not "to like"
            for rule in (res.waiting, res.duration):
                if key in rule.words and (value or 0.0) > rule.value and self._long_wait(rule):
                    value = rule.value
            if key in res.duration.words and not value and self._quick(res.duration):
                value = res.duration.praise_value
            if not value and key in res.expectations:
                self.expectation[i] = True
            if value and (token.shouted or has_repeats(token.text)):
                value *= _EMPHASIS
            self.values[i] = value

    def resolve(self) -> None:
        """Once resolved, a complaint no longer counts ("Problem gelöst", "charged twice, fixed at once");
        an unresolved one still does ("not fixed", "nicht behoben")."""
        resolved = [
            k
            for k, t in enumerate(self.tokens)
            if t.key in self.res.resolvers
            and not any(
                w is not None and w.key in self.res.negators for w in map(self._word, range(k - 3, k))
            )
        ]
        if not resolved:
            return
        for i, value in enumerate(self.values):
            if value is not None and value < 0 and not self._is_emoji(i):
                self.values[i] = 0.0

    def modify(self) -> None:
        res = self.res
        used_negators: set[int] = set()
        for i, token in enumerate(self.tokens):
            value = self.values[i]
            if not value and not self.expectation[i] and not self._after_too(i):
                continue
            multiplier = 1.0
            too = False
            for j in range(i - 1, max(-1, i - 1 - _INTENSIFIER_REACH), -1):
                word = self._word(j)
                if word is None:
                    break
                if word.key in res.intensifiers and (self.modifier_use[j] or word.key not in res.lexicon):
                    multiplier *= 1.0 + res.intensifiers[word.key]
                elif word.key in res.diminishers:
                    multiplier *= 1.0 + res.diminishers[word.key]
                elif word.key in res.too_words:
                    too = True
                elif j == i - 1 and word.key in res.weak_negators and value:
                    multiplier *= _NEGATE_POSITIVE if value > 0 else _NEGATE_NEGATIVE
            if too and self._is_adjectival(i):
                if value is None or value == 0:
                    value = _TOO_NEUTRAL
                elif value < 0:
                    multiplier *= _TOO_NEGATIVE
            negator = None if self._is_emoji(i) else self._negator_before(i)
            if negator is not None and token.key not in res.unnegatable:
                used_negators.add(negator)
                value = self._negate(i, value)
            if value is not None:
                self.values[i] = value * multiplier
        if res.postposed_negators:
            self._postposed_negation(used_negators)
        self._post_intensify()

    def _after_too(self, i: int) -> bool:
        """True for an adjective right after "zu"/"too" (an intensifier may sit between: "viel zu")."""
        for j in (i - 1, i - 2):
            word = self._word(j)
            if word is not None and word.key in self.res.too_words:
                return self._is_adjectival(i)
        return False

    def _negator_before(self, i: int) -> int | None:
        """Index of the negator governing token i: within reach, where determiners and auxiliaries
        ("never had a single issue") do not use up the reach; "noch" after "weder" negates too."""
        res = self.res
        reach = 0
        for j in range(i - 1, max(-1, i - 1 - _NEGATION_SCAN), -1):
            word = self._word(j)
            if word is None:
                return None
            if word.key in res.negators or self._correlative_negator(j):
                following = self._word(j + 1)
                breakers = res.negation_breakers.get(word.key, frozenset())
                if following is not None and following.key in breakers:
                    return None
                return j
            if self.values[j] or self.expectation[j]:
                return None  # a sentiment word in between takes the negation
            if word.key not in res.negation_transparent:
                reach += 1
                if reach >= _NEGATION_REACH:
                    return None
        return None

    def _correlative_negator(self, j: int) -> bool:
        partner = self.res.correlative_negators.get(self.tokens[j].key)
        return partner is not None and any(t.key == partner for t in self.tokens[:j])

    def _negate(self, i: int, value: float | None) -> float | None:
        self.negated[i] = True
        if value is None or value == 0:
            return _NEGATED_EXPECTATION if self.expectation[i] else value
        if value > 0:
            negated = value * _NEGATE_POSITIVE
            if self.tokens[i].key in self.res.expectations:
                negated = min(negated, _NEGATED_EXPECTATION)
            return negated
        return value * _NEGATE_NEGATIVE

    def _postposed_negation(self, used: set[int]) -> None:
        """German "Das gefällt mir nicht": a negator with nothing to negate after it looks back."""
        res = self.res
        for j, token in enumerate(self.tokens):
            if not token.is_word or token.key not in res.postposed_negators or j in used:
                continue
            following = self._word(j + 1)
            if following is not None and following.key in res.negation_breakers.get(token.key, frozenset()):
                continue
            for i in range(j - 1, max(-1, j - 1 - _POSTPOSED_EXPECTATION_REACH), -1):
                if not self.tokens[i].is_word and self.tokens[i].kind not in ("emoji", "emoticon"):
                    break
                value = self.values[i]
                if self._is_emoji(i):
                    continue  # "nicht 😡" and "😡 nicht" stay angry
                expected = self.expectation[i] and not value
                if not expected and j - i > _POSTPOSED_REACH:
                    continue  # only an expected event is denied from further back ("ging nach zwei Tagen nicht mehr")
                if (value or expected) and not self.negated[i] and self.tokens[i].key not in res.unnegatable:
                    self.values[i] = self._negate(i, value)  # "Das Paket kam nie", "wusste keiner"
                    break

    def _post_intensify(self) -> None:
        """A trailing intensifier strengthens the preceding sentiment ("didn't like it at all")."""
        for j, token in enumerate(self.tokens):
            boost = self.res.post_intensifiers.get(token.key) if token.is_word else None
            if boost is None:
                continue
            for i in range(j - 1, max(-1, j - 1 - _NEGATION_REACH - 1), -1):
                value = self.values[i]
                if value:
                    self.values[i] = value * (1.0 + boost)
                    break

    def total(self) -> float:
        self.base_values()
        self.resolve()
        self.modify()
        self._prepositional_concession()
        return sum(v for v in self.values if v) + self._obligation()

    def _obligation(self) -> float:
        """Being made to act is a mild complaint ("had to ask twice"), unless negated ("never had to wait")."""
        res = self.res
        if not any(t.key in res.obligation_words for t in self.tokens):
            return 0.0
        if any(t.key in res.negators for t in self.tokens):
            return 0.0
        return res.obligation_value

    def _prepositional_concession(self) -> None:
        """Only the words governed by a concessive preposition count less ("Trotz des Andrangs")."""
        for j, token in enumerate(self.tokens):
            if token.is_word and token.key in self.res.concessive_prepositions:
                for i in range(j + 1, min(len(self.tokens), j + 1 + _PREPOSITION_REACH)):
                    value = self.values[i]
                    if value:
                        self.values[i] = value * _CONCESSIVE


@dataclass(frozen=True, slots=True)
class RuleSentiment:
    """The rules' verdict on a comment: the unbounded sum and what it was made of (classifier features)."""

    total: float
    positive: float
    """Sum of the positive token values (before clause weights)."""
    negative: float
    """Sum of the negative token values (before clause weights), <= 0."""
    negated: tuple[str, ...]
    """Keys of the words a negator turned ("gut" in "nicht gut", "antwort" in "keine Antwort")."""
    contrast: bool
    """True when a contrast clause ("aber", "but") weighs the comment."""


def raw_sentiment(tokens: list[Token], language: Language) -> float:
    """Unbounded sentiment sum of a tokenised comment (positive > 0 > negative)."""
    return rule_sentiment(tokens, language).total


def rule_sentiment(tokens: list[Token], language: Language) -> RuleSentiment:
    """Score a tokenised comment by the rules and keep the parts the classifier uses as features."""
    res = load_resources(language)
    clauses, sentences = _split(tokens, res)
    last_contrast = max((i for i, c in enumerate(clauses) if c.contrast), default=None)
    totals: list[float] = []
    positive = negative = 0.0
    negated: list[str] = []
    for clause in clauses:
        scorer = _ClauseScorer(language, res, clause.tokens)
        total = scorer.total()
        for value in scorer.values:
            if value and value > 0:
                positive += value
            elif value:
                negative += value
        negated.extend(t.key for t, flag in zip(scorer.tokens, scorer.negated, strict=True) if flag)
        if totals and not total and _is_negated_ellipsis(clause.tokens, res):
            total = totals[-1] * (_NEGATE_POSITIVE if totals[-1] > 0 else _NEGATE_NEGATIVE)
        totals.append(total)
    _ironic_interjections(clauses, totals, res)
    before = _BEFORE_CONTRAST
    if last_contrast is not None and any(totals[last_contrast:]):
        before = _BEFORE_DECIDED_CONTRAST
    sentence_totals = [0.0] * len(sentences)
    for index, clause in enumerate(clauses):
        weight = 1.0
        if last_contrast is not None:
            weight = before if index < last_contrast else _AFTER_CONTRAST
        if clause.concessive:
            weight *= _CONCESSIVE
        if clause.irrealis:
            weight *= _IRREALIS
        sentence_totals[clause.sentence] += weight * totals[index]
    total = 0.0
    for sentence_total, sentence in zip(sentence_totals, sentences, strict=True):
        if sentence.question and sentence.first_word in res.question_words and not sentence.rhetorical:
            sentence_total *= _QUESTION
        total += sentence_total * (1.0 + _EXCLAMATION * min(sentence.exclamations, _MAX_EXCLAMATIONS))
    if any(t.key in res.balance_markers for t in tokens):
        total *= _BALANCED
    return RuleSentiment(total, positive, negative, tuple(negated), last_contrast is not None)


def _ironic_interjections(clauses: list[_Clause], totals: list[float], res: LanguageResources) -> None:
    """A lone word of praise beside a complaint is ironic ("Wrong size again. Brilliant.", "Great, still
    no parcel"): it counts against, not for."""
    for index, clause in enumerate(clauses):
        if len(clause.tokens) != 1 or not clause.tokens[0].is_word or totals[index] <= 0:
            continue
        if clause.tokens[0].key in res.unnegatable:
            continue  # thanks after a complaint are polite, not ironic
        rest = [t for k, t in enumerate(totals) if k != index]
        if sum(rest) < 0 and all(t <= 0 for t in rest):
            totals[index] = -totals[index]


def _is_negated_ellipsis(tokens: list[Token], res: LanguageResources) -> bool:
    """A short clause ending in a negator, "others not" / "andere nicht": it denies the clause before."""
    words = [t for t in tokens if t.is_word]
    while len(words) > 2 and words[-1].key in res.ellipsis_tails:
        words.pop()  # "others not so much"
    return 2 <= len(words) <= _ELLIPSIS_WORDS and words[-1].key in res.negators


def squash(total: float) -> float:
    """Map an unbounded sentiment sum into [-1, 1]."""
    return total / math.sqrt(total * total + _ALPHA)


def classify(score: float) -> Sentiment:
    """Label a squashed score."""
    if score >= NEUTRAL_BAND:
        return "positive"
    if score <= -NEUTRAL_BAND:
        return "negative"
    return "neutral"
