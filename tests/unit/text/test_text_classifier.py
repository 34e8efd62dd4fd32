"""The trained sentiment classifier: blend with the rules, shipped model file, reproducible training."""

from __future__ import annotations

import json
import math
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from touchpoint.text import analyze_comment
from touchpoint.text.analysis import prepare_comment
from touchpoint.text.classifier import SentimentModel, blend, classify_comment, load_model
from touchpoint.text.features import _bucket, extract_features
from touchpoint.text.models import Sentiment
from touchpoint.text.sentiment import classify
from touchpoint_cli.train_sentiment import (
    DATA_DIR,
    MODEL_PATH,
    build_model,
    load_rows,
    model_text,
    train_sentiment_command,
)

LABELS: tuple[Sentiment, ...] = ("positive", "neutral", "negative")


def tiny_model(
    bias: tuple[float, float, float], weights: dict[int, tuple[float, ...]] | None = None
) -> SentimentModel:
    return SentimentModel(classes=LABELS, buckets=1 << 18, bias=bias, weights=weights or {})


def test_bias_only_model_gives_hand_computed_probabilities_and_banded_score() -> None:
    # softmax(0, 0, ln 2) = (1, 1, 2) / 4 = (0.25, 0.25, 0.5): negative wins over the rules' positive,
    # and the rules' positive score is clamped to the negative band's edge, -0.25.
    model = tiny_model((0.0, 0.0, math.log(2)))
    probabilities = model.probabilities({})
    assert probabilities == pytest.approx({"positive": 0.25, "neutral": 0.25, "negative": 0.5})
    prepared = prepare_comment("Sehr gut, danke!", "de")
    assert classify(prepared.rule_score) == "positive"
    label, score = classify_comment(
        prepared.tokens, prepared.language, prepared.rule, prepared.rule_score, model
    )
    assert (label, score) == ("negative", -0.25)


def test_feature_weights_move_the_label() -> None:
    # one active feature of value v with weight +3 on neutral: logits (0, 3v, 0) with v > 0 favour neutral
    prepared = prepare_comment("good", "en")
    features = extract_features(
        prepared.tokens, prepared.language, prepared.rule, prepared.rule_score, 1 << 18
    )
    bias_index = _bucket("r:bias", 1 << 18)
    assert features[bias_index] == 1.0
    model = tiny_model((0.0, 0.0, 0.0), {bias_index: (0.0, 3.0, 0.0)})
    label, score = classify_comment(
        prepared.tokens, prepared.language, prepared.rule, prepared.rule_score, model
    )
    # softmax(0, 3, 0): e^3 / (e^3 + 2) = 0.909 neutral; the rules' positive score is clamped to
    # the largest neutral score, 0.25 - 0.0001 = 0.2499
    assert prepared.rule_score > 0.25
    assert label == "neutral"
    assert score == 0.2499


def test_bucket_is_crc32_and_stable_across_processes() -> None:
    assert _bucket("en|w|good", 1 << 18) == zlib.crc32(b"en|w|good") % (1 << 18)


@given(
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=-1.0, max_value=1.0),
)
def test_blend_score_always_classifies_as_the_label(
    pos: float, neu: float, neg: float, rule_score: float
) -> None:
    total = pos + neu + neg
    if total == 0:
        return
    probabilities: dict[Sentiment, float] = {
        "positive": pos / total,
        "neutral": neu / total,
        "negative": neg / total,
    }
    label, score = blend(probabilities, round(rule_score, 4))
    assert label == max(probabilities, key=lambda c: probabilities[c])
    assert classify(score) == label
    assert -1.0 <= score <= 1.0


def test_score_is_the_rule_score_when_model_and_rules_agree() -> None:
    prepared = prepare_comment("Sehr freundliches Personal, gerne wieder!", "de")
    analysis = analyze_comment("Sehr freundliches Personal, gerne wieder!", "de")
    assert analysis.sentiment == classify(prepared.rule_score) == "positive"
    assert analysis.score == prepared.rule_score


def test_shipped_model_is_small_and_holds_only_non_zero_weights() -> None:
    size = MODEL_PATH.stat().st_size
    assert size < 2 * 1024 * 1024
    model = load_model()
    assert model.classes == LABELS
    assert all(any(w for w in row) for row in model.weights.values())
    assert all(0 <= index < model.buckets for index in model.weights)


def test_training_never_reads_the_heldout_set(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="held-out set is never used"):
        load_rows(DATA_DIR, ("training.json", "heldout.json"))


def test_cli_with_missing_training_data_fails_and_writes_nothing(tmp_path: Path) -> None:
    output = tmp_path / "model.json"
    result = CliRunner().invoke(
        train_sentiment_command, ["--data-dir", str(tmp_path), "--output", str(output)]
    )
    assert result.exit_code != 0
    assert "training.json" in str(result.exception) or "training.json" in result.output
    assert not output.exists()


def test_cli_with_malformed_label_fails_and_writes_nothing(tmp_path: Path) -> None:
    for name in ("training.json", "development.json", "tuning.json"):
        rows = [{"text": "Alles gut", "language": "de", "label": "great"}]
        (tmp_path / name).write_text(json.dumps(rows), encoding="utf-8")
    output = tmp_path / "model.json"
    result = CliRunner().invoke(
        train_sentiment_command, ["--data-dir", str(tmp_path), "--output", str(output)]
    )
    assert result.exit_code != 0
    assert "great" in result.output
    assert not output.exists()


@pytest.mark.slow
def test_retraining_from_the_committed_data_reproduces_the_shipped_model() -> None:
    # Deterministic training (fixed seed and order, crc32 buckets): the committed model.json must be
    # exactly what `touchpoint train-sentiment` writes from the committed sets, so it cannot drift.
    assert model_text(build_model()) == MODEL_PATH.read_text(encoding="utf-8")
