"""Acceptance (issue 17, point 6): accuracy of the local analyser on the held-out comment set.

`tests/data/sentiment/heldout.json` (213 de/en comments) was written and labelled before the
analyser was changed for the issue and is never tuned against (see the README beside it). The
target is at least 90 % overall and at least 88 % in each language; it is not met yet (77.9 %),
so the test is a strict expected failure that turns into a failure once the target is reached
(then drop the marker). Run with `-s` to see the figures and the misses. `tuning.json`, the
development set, must stay at 90 % or more.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from touchpoint.text import analyze_comment

DATA = Path(__file__).resolve().parents[2] / "data" / "sentiment"
LABELS = ("positive", "neutral", "negative")
MIN_OVERALL = 0.90
MIN_PER_LANGUAGE = 0.88


def load(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return rows


def score(rows: list[dict[str, Any]]) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """(hits, total) per language and the misses, as printable lines."""
    counts: dict[str, list[int]] = {}
    misses = []
    for row in rows:
        result = analyze_comment(row["text"], row["language"])
        hit = result.sentiment == row["label"]
        tally = counts.setdefault(row["language"], [0, 0])
        tally[0] += hit
        tally[1] += 1
        if not hit:
            misses.append(
                f"{row['language']} {row['label']:>8} -> {result.sentiment:<8} {result.score:+.2f}  {row['text']}"
            )
    return {lang: (h, n) for lang, (h, n) in counts.items()}, misses


@pytest.mark.parametrize("name", ["heldout.json", "tuning.json"])
def test_sets_are_well_formed_and_disjoint(name: str) -> None:
    rows = load(name)
    assert all(set(r) == {"text", "language", "label"} for r in rows)
    assert all(r["label"] in LABELS and r["language"] in ("de", "en") for r in rows)
    assert len({r["text"] for r in rows}) == len(rows)
    other = load("tuning.json" if name == "heldout.json" else "heldout.json")
    assert not {r["text"].lower() for r in rows} & {r["text"].lower() for r in other}


def test_heldout_set_size_and_spread() -> None:
    rows = load("heldout.json")
    assert len(rows) >= 200
    for language in ("de", "en"):
        labels = Counter(r["label"] for r in rows if r["language"] == language)
        assert sum(labels.values()) >= 100
        assert min(labels[label] for label in LABELS) >= 25


@pytest.mark.xfail(
    strict=True,
    reason="issue 17.6 target not met yet: held-out 77.9 % (de 77.6 %, en 78.3 %), see docs/SENTIMENT.md",
)
def test_heldout_accuracy() -> None:
    per_language, misses = score(load("heldout.json"))
    hits = sum(h for h, _ in per_language.values())
    total = sum(n for _, n in per_language.values())
    overall = hits / total
    rates = {lang: h / n for lang, (h, n) in per_language.items()}
    print(
        f"\nheld-out: overall {hits}/{total} = {overall:.1%}; "
        + ", ".join(
            f"{lang} {per_language[lang][0]}/{per_language[lang][1]} = {rate:.1%}"
            for lang, rate in sorted(rates.items())
        )
    )
    for miss in misses:
        print("   ", miss)
    assert overall >= MIN_OVERALL
    assert all(rate >= MIN_PER_LANGUAGE for rate in rates.values()), rates


def test_tuning_accuracy() -> None:
    per_language, misses = score(load("tuning.json"))
    hits = sum(h for h, _ in per_language.values())
    total = sum(n for _, n in per_language.values())
    print(f"\ntuning: overall {hits}/{total} = {hits / total:.1%}")
    for miss in misses:
        print("   ", miss)
    assert hits / total >= MIN_OVERALL
