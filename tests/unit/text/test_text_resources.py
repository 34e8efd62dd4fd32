"""Shipped word lists: loaded once, lazily, well-formed, of useful size; and analysis speed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import touchpoint.text
from touchpoint.text import analyze_comment
from touchpoint.text.models import SUPPORTED_LANGUAGES, Language
from touchpoint.text.resources import load_emoji, load_resources

DATA = Path(touchpoint.text.__file__).parent / "data"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_lists_have_a_few_hundred_words(language: Language) -> None:
    res = load_resources(language)
    single_words = [k for k in res.lexicon if " " not in k]
    assert len(single_words) >= 300
    assert len(res.stopwords) >= 200
    assert len(res.nouns) >= 150
    positive = sum(1 for v in res.lexicon.values() if v > 0)
    negative = sum(1 for v in res.lexicon.values() if v < 0)
    assert positive >= 100
    assert negative >= 100
    assert all(-3.0 <= v <= 3.0 for v in res.lexicon.values())


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_lexicon_has_no_conflicting_duplicates(language: Language) -> None:
    seen: dict[str, str] = {}
    for raw in (DATA / language / "sentiment.txt").read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        fields = raw.split("\t")
        assert len(fields) in (2, 3), raw
        assert fields[2:] in ([], ["n"], ["v"]), raw
        word, score = fields[0].lower(), fields[1]
        assert seen.get(word, score) == score, f"{word} listed twice with different scores"
        seen[word] = score


@pytest.mark.parametrize("path", sorted(DATA.rglob("*.json")), ids=lambda p: str(p.relative_to(DATA)))
def test_json_files_are_objects(path: Path) -> None:
    assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict)


def test_resources_are_cached() -> None:
    assert load_resources("de") is load_resources("de")
    assert load_emoji() is load_emoji()


def test_umlaut_spellings_are_folded_when_loaded() -> None:
    res = load_resources("de")
    assert "schoen" in res.lexicon
    assert "großartig" not in res.lexicon
    assert res.display["schoen"] == "schön"


def test_analysis_is_fast() -> None:
    texts = [
        "Sehr freundliches Personal und schnelle Beratung, gerne wieder!",
        "Lange Wartezeit an der Kasse, nur eine von vier Kassen war besetzt.",
        "The quality is good but the price is a joke.",
        "Rude staff, parking too small, prices too high.",
        "ok",
    ] * 100
    analyze_comment("warm up the word lists")
    start = time.perf_counter()
    for text in texts:
        analyze_comment(text)
    micros = (time.perf_counter() - start) / len(texts) * 1e6
    print(f"\nanalyze_comment: {micros:.0f} µs per comment")
    assert micros < 2000  # about 100 µs on a developer machine; generous for slow CI
