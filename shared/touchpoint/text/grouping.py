"""Grouping of analysed comments by key phrase, for the dashboard's "why is the score bad" view."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from touchpoint.text.models import CommentAnalysis, Sentiment


def group_by_phrase(
    analyses: Iterable[CommentAnalysis],
    sentiment: Sentiment | None = None,
    min_count: int = 1,
) -> dict[str, list[int]]:
    """Map each key phrase to the indexes of the comments that mention it, most frequent first.

    With `sentiment`, only comments of that sentiment count (e.g. "negative" to explain a bad score).
    """
    groups: dict[str, list[int]] = {}
    for index, analysis in enumerate(analyses):
        if sentiment is not None and analysis.sentiment != sentiment:
            continue
        for phrase in analysis.key_phrases:
            groups.setdefault(phrase, []).append(index)
    counts = Counter({phrase: len(indexes) for phrase, indexes in groups.items()})
    return {phrase: groups[phrase] for phrase, count in counts.most_common() if count >= min_count}
