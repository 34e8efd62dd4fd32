"""Acceptance (issue 17, point 6): accuracy of the local analyser on the held-out comment set.

`tests/data/sentiment/heldout.json` (213 de/en comments) was written and labelled before the
analyser was changed for the issue and is never tuned against (see the README beside it). The
target is at least 90 % overall and at least 88 % in each language; it is met since round 4
(91.1 %, de 89.7 %, en 92.5 %) and the test asserts it.

The held-out test prints figures only (accuracy overall and per language, the confusion counts
gold -> predicted), never a sentence, and none of its assertions can show one: a set that is
looked at stops being held out. `tuning.json` and `development.json`, the development sets, must
stay at 90 % and 88 % or more, and `training.json` (the classifier's training corpus, so an
in-sample figure) at 88 %; their misses are printed with `-s`.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from touchpoint.text import analyze_comment

DATA = Path(__file__).resolve().parents[2] / "data" / "sentiment"
LABELS = ("positive", "neutral", "negative")
SETS = ("heldout.json", "tuning.json", "development.json", "training.json")
MIN_OVERALL = 0.90
MIN_PER_LANGUAGE = 0.88
MIN_DEVELOPMENT = {"tuning.json": 0.90, "development.json": 0.88, "training.json": 0.88}  # regression floors


def load(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return rows


def normalised(text: str) -> str:
    """Comparison key of a comment: case, accents, punctuation and spacing ignored (emoji kept)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    kept = (ch if ch.isalnum() or unicodedata.category(ch) == "So" else " " for ch in folded)
    return " ".join("".join(ch for ch in kept if not unicodedata.combining(ch)).split())


@dataclass
class Score:
    """Hits and totals per language, confusion counts (language, gold, predicted) and misses."""

    per_language: dict[str, tuple[int, int]] = field(default_factory=dict)
    confusion: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    @property
    def overall(self) -> float:
        hits = sum(h for h, _ in self.per_language.values())
        return hits / sum(n for _, n in self.per_language.values())

    def rates(self) -> dict[str, float]:
        return {lang: h / n for lang, (h, n) in self.per_language.items()}

    def figures(self, name: str) -> str:
        """Accuracy and confusion counts, without any sentence."""
        hits = sum(h for h, _ in self.per_language.values())
        total = sum(n for _, n in self.per_language.values())
        lines = [
            f"{name}: overall {hits}/{total} = {self.overall:.1%}; "
            + ", ".join(f"{lang} {h}/{n} = {h / n:.1%}" for lang, (h, n) in sorted(self.per_language.items()))
        ]
        for lang in sorted(self.per_language):
            cells = " ".join(
                f"{gold[:3]}->{pred[:3]} {self.confusion[(lang, gold, pred)]:>3}"
                for gold in LABELS
                for pred in LABELS
            )
            lines.append(f"  {lang} gold->predicted: {cells}")
        return "\n".join(lines)


def score(rows: list[dict[str, Any]]) -> Score:
    """Score the analyser on labelled rows."""
    counts: dict[str, list[int]] = {}
    result = Score()
    for row in rows:
        analysis = analyze_comment(row["text"], row["language"])
        hit = analysis.sentiment == row["label"]
        tally = counts.setdefault(row["language"], [0, 0])
        tally[0] += hit
        tally[1] += 1
        result.confusion[(row["language"], row["label"], analysis.sentiment)] += 1
        if not hit:
            result.misses.append(
                f"{row['language']} {row['label']:>8} -> {analysis.sentiment:<8} {analysis.score:+.2f}  {row['text']}"
            )
    result.per_language = {lang: (h, n) for lang, (h, n) in counts.items()}
    return result


@pytest.mark.parametrize("name", SETS)
def test_sets_are_well_formed_and_disjoint(name: str) -> None:
    rows = load(name)
    assert all(set(r) == {"text", "language", "label"} for r in rows)
    assert all(r["label"] in LABELS and r["language"] in ("de", "en") for r in rows)
    keys = {normalised(r["text"]) for r in rows}
    duplicates = len(rows) - len(keys)  # counts only: a failure must not show a held-out sentence
    assert duplicates == 0, f"{duplicates} duplicate comment(s) in {name}"
    for other_name in SETS:
        if other_name != name:
            overlaps = len(keys & {normalised(r["text"]) for r in load(other_name)})
            assert overlaps == 0, f"{overlaps} comment(s) of {name} also in {other_name}"


def test_heldout_set_size_and_spread() -> None:
    rows = load("heldout.json")
    assert len(rows) >= 200
    for language in ("de", "en"):
        labels = Counter(r["label"] for r in rows if r["language"] == language)
        assert sum(labels.values()) >= 100
        assert min(labels[label] for label in LABELS) >= 25


def test_heldout_accuracy() -> None:
    result = score(load("heldout.json"))
    print("\n" + result.figures("held-out"))  # figures only: never print a held-out sentence
    rates = result.rates()
    below = sorted(lang for lang, rate in rates.items() if rate < MIN_PER_LANGUAGE)
    assert result.overall >= MIN_OVERALL, f"overall {result.overall:.1%}"
    assert not below, "below 88 %: " + ", ".join(f"{lang} {rates[lang]:.1%}" for lang in below)


@pytest.mark.parametrize("name", list(MIN_DEVELOPMENT))
def test_development_sets_accuracy(name: str) -> None:
    result = score(load(name))
    print("\n" + result.figures(name))
    for miss in result.misses:
        print("   ", miss)
    assert result.overall >= MIN_DEVELOPMENT[name]
