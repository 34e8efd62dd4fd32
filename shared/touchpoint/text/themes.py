"""Comments grouped into themes: one theme per set of comments that key phrases name.

Phrases naming the same comments form one theme, and a narrower phrase sharing a word with a
broader theme (`lange wartezeit` in `wartezeit`) is listed as related instead of repeating its
comments. Themes are ordered by their number of negative comments, then by size, so the most
frequent complaint comes first; comments without a key phrase form the last theme (no phrase).
Used by the insights comment drill-down and the survey results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from touchpoint.text.grouping import group_by_phrase
from touchpoint.text.models import CommentAnalysis


@dataclass(frozen=True)
class ThemeInput:
    """What grouping needs of one analysed comment: its stored sentiment and key phrases."""

    sentiment: str
    key_phrases: Sequence[str]


@dataclass
class Theme:
    """Comments (indexes into the input) sharing a key phrase; `phrases` is empty for the unphrased."""

    phrases: list[str]
    members: frozenset[int]
    related: list[str] = field(default_factory=list)

    def words(self) -> set[str]:
        """The words of the theme's phrases."""
        return {word for phrase in self.phrases for word in phrase.split()}


def _analyses(comments: Sequence[ThemeInput]) -> list[CommentAnalysis]:
    # The stored analysis of each comment, as the text package's grouping reads it (already validated).
    fields: list[dict[str, Any]] = [
        {"language": "de", "sentiment": c.sentiment, "score": 0.0, "key_phrases": list(c.key_phrases)}
        for c in comments
    ]
    return [CommentAnalysis.model_construct(**f) for f in fields]


def group_into_themes(comments: Sequence[ThemeInput]) -> list[Theme]:
    """The comments' themes: the most negative first, the unphrased comments last."""

    def negatives(members: frozenset[int]) -> int:
        return sum(1 for i in members if comments[i].sentiment == "negative")

    groups = {phrase: frozenset(indexes) for phrase, indexes in group_by_phrase(_analyses(comments)).items()}
    ordered = sorted(
        groups.items(), key=lambda kv: (-negatives(kv[1]), -len(kv[1]), len(kv[0].split()), kv[0])
    )
    themes: list[Theme] = []
    for phrase, members in ordered:
        same = next((t for t in themes if t.members == members), None)
        if same is not None:
            same.phrases.append(phrase)
            continue
        broader = next((t for t in themes if members < t.members and set(phrase.split()) & t.words()), None)
        if broader is not None:
            broader.related.append(phrase)
            continue
        themes.append(Theme([phrase], members))
    unphrased = frozenset(i for i, c in enumerate(comments) if not c.key_phrases)
    if unphrased:
        themes.append(Theme([], unphrased))
    return themes
