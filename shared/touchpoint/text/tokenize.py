"""Tokenisation of a comment into words, numbers, emoticons, emoji and punctuation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from touchpoint.text.normalize import clean, fold
from touchpoint.text.resources import load_emoji

TokenKind = Literal["word", "number", "emoticon", "emoji", "placeholder", "sep", "end"]

_EMOJI = (
    r"(?:[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\u2190-\u21FF\u3297\u3299]"
    r"[\uFE0F\U0001F3FB-\U0001F3FF]*(?:\u200D[\U0001F000-\U0001FAFF\u2600-\u27BF][\uFE0F]?)*)"
)
_WORD = r"(?:[^\W\d_]+(?:['\-][^\W\d_]+)*'?)"
_NUMBER = r"(?:\d+(?:[.,:]\d+)*)"
_PLACEHOLDER = r"(?:\[(?:email|phone)\])"
_EMOJI_VARIANTS = re.compile("[\ufe0f\U0001f3fb-\U0001f3ff]")
_SIMPLE_KINDS: dict[str, TokenKind] = {
    "emoticon": "emoticon",
    "emoji": "emoji",
    "placeholder": "placeholder",
    "number": "number",
}
_END = r"(?:[.!?…]+|\n)"
_SEP = r"(?:[,;:()\[\]{}\"„“”«»/|]|\s[-–—]+\s|[–—])"


@dataclass(frozen=True, slots=True)
class Token:
    """One token. `key` is the folded lookup form (see `normalize.fold`)."""

    text: str
    key: str
    kind: TokenKind
    capitalised: bool = False
    shouted: bool = False
    sentence_start: bool = False

    @property
    def is_word(self) -> bool:
        """True for word tokens (including merged fixed expressions)."""
        return self.kind == "word"

    @property
    def exclamations(self) -> int:
        """Number of exclamation marks in an end-of-sentence token."""
        return self.text.count("!") if self.kind == "end" else 0


@lru_cache(maxsize=1)
def _token_pattern() -> re.Pattern[str]:
    emoticons = sorted(load_emoji().emoticons, key=len, reverse=True)
    emoticon = "|".join(re.escape(e) for e in emoticons)
    return re.compile(
        rf"(?P<placeholder>{_PLACEHOLDER})"
        rf"|(?P<emoticon>(?<![\w:/]){emoticon}(?![\w/]))"
        rf"|(?P<emoji>{_EMOJI})"
        rf"|(?P<word>{_WORD})"
        rf"|(?P<number>{_NUMBER})"
        rf"|(?P<end>{_END})"
        rf"|(?P<sep>{_SEP})"
    )


def tokenize(text: str) -> list[Token]:
    """Split a comment into tokens; sentence-initial words are flagged for the noun tagger."""
    text = clean(text)
    letters = [ch for ch in text if ch.isalpha()]
    mostly_upper = bool(letters) and sum(ch.isupper() for ch in letters) > 0.6 * len(letters)
    tokens: list[Token] = []
    at_start = True
    for match in _token_pattern().finditer(text):
        kind = match.lastgroup
        value = match.group()
        if kind == "word":
            word = value.strip("'")
            if not word:
                continue
            shouted = not mostly_upper and len(word) > 2 and word.isupper()
            tokens.append(
                Token(
                    text=word,
                    key=fold(word),
                    kind="word",
                    capitalised=word[0].isupper(),
                    shouted=shouted,
                    sentence_start=at_start,
                )
            )
            at_start = False
        elif kind == "end":
            tokens.append(Token(text=value, key=value, kind="end"))
            at_start = True
        elif kind == "sep":
            tokens.append(Token(text=value.strip(), key=value.strip(), kind="sep"))
        else:
            simple = _SIMPLE_KINDS.get(kind or "")
            if simple is not None:
                key = _EMOJI_VARIANTS.sub("", value) if simple == "emoji" else value
                tokens.append(Token(text=value, key=key, kind=simple))
                at_start = False
    return tokens


def merge_expressions(
    tokens: list[Token], expressions: frozenset[str], starts: frozenset[str], longest: int
) -> list[Token]:
    """Merge runs of word tokens that form a fixed expression ("nie wieder") into one word token.

    `starts` holds the first words of the expressions (a cheap pre-check).
    """
    if not expressions or longest < 2:
        return tokens
    merged: list[Token] = []
    i = 0
    n = len(tokens)
    while i < n:
        token = tokens[i]
        if token.kind == "word" and token.key in starts:
            for size in range(min(longest, n - i), 1, -1):
                window = tokens[i : i + size]
                if any(t.kind != "word" for t in window):
                    continue
                key = " ".join(t.key for t in window)
                if key in expressions:
                    merged.append(
                        Token(
                            text=" ".join(t.text for t in window),
                            key=key,
                            kind="word",
                            capitalised=token.capitalised,
                            shouted=all(t.shouted for t in window),
                            sentence_start=token.sentence_start,
                        )
                    )
                    i += size
                    break
            else:
                merged.append(token)
                i += 1
        else:
            merged.append(token)
            i += 1
    return merged
