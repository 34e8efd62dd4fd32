"""The trained sentiment classifier beside the rules: a multinomial logistic regression over hashed
features (`features.py`), weights shipped as `data/model.json`, inference in pure Python.

The model sees the rules' verdict as features, so it learns when to trust them. Its label decides;
the score is the rules' squashed score, clamped into the band of the model's label (unchanged when
both agree), so that `sentiment.classify(score)` always gives back the label and the rules' order
of scores ("etwas teuer" milder than "teuer") is kept as far as the labels allow.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, cast

from touchpoint.text.features import Features, extract_features
from touchpoint.text.models import Language, Sentiment
from touchpoint.text.sentiment import NEUTRAL_BAND, RuleSentiment
from touchpoint.text.tokenize import Token

MODEL_FILE = "model.json"
_NEUTRAL_EDGE = round(NEUTRAL_BAND - 0.0001, 4)  # largest |score| still neutral after rounding


@dataclass(frozen=True, slots=True)
class SentimentModel:
    """Weights of a linear model per class; `weights` holds only the non-zero hashed features."""

    classes: tuple[Sentiment, ...]
    buckets: int
    bias: tuple[float, ...]
    weights: dict[int, tuple[float, ...]]

    def probabilities(self, features: Features) -> dict[Sentiment, float]:
        """Softmax of the class scores."""
        first, second, third = self.bias  # three classes (checked when loaded and trained)
        weights = self.weights
        for index, value in features.items():
            row = weights.get(index)
            if row is not None:
                first += row[0] * value
                second += row[1] * value
                third += row[2] * value
        logits = (first, second, third)
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return {label: e / total for label, e in zip(self.classes, exps, strict=True)}

    def to_json(self) -> dict[str, Any]:
        """The model as the JSON object stored in `data/model.json`."""
        return {
            "kind": "multinomial logistic regression over hashed features (touchpoint.text.features)",
            "classes": list(self.classes),
            "buckets": self.buckets,
            "bias": list(self.bias),
            "weights": {str(k): list(v) for k, v in sorted(self.weights.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SentimentModel:
        """Read a model written by `to_json`."""
        classes = tuple(cast(Sentiment, c) for c in data["classes"])
        if sorted(classes) != sorted(("positive", "neutral", "negative")):
            raise ValueError(f"a sentiment model needs the three classes, not {classes}")
        if len(data["bias"]) != len(classes) or any(
            len(row) != len(classes) for row in data["weights"].values()
        ):
            raise ValueError("a sentiment model needs one bias and one weight per class")
        return cls(
            classes=classes,
            buckets=int(data["buckets"]),
            bias=tuple(float(b) for b in data["bias"]),
            weights={int(k): tuple(float(w) for w in v) for k, v in data["weights"].items()},
        )


@cache
def load_model() -> SentimentModel:
    """The shipped model (read once per process)."""
    text = resources.files("touchpoint.text").joinpath("data", MODEL_FILE).read_text(encoding="utf-8")
    return SentimentModel.from_json(json.loads(text))


def blend(probabilities: dict[Sentiment, float], rule_score: float) -> tuple[Sentiment, float]:
    """Label by the model; the rules' score clamped into that label's band."""
    label = max(probabilities, key=lambda c: probabilities[c])
    if label == "positive":
        return label, max(rule_score, NEUTRAL_BAND)
    if label == "negative":
        return label, min(rule_score, -NEUTRAL_BAND)
    return label, max(-_NEUTRAL_EDGE, min(_NEUTRAL_EDGE, rule_score))


def classify_comment(
    tokens: list[Token],
    language: Language,
    rule: RuleSentiment,
    rule_score: float,
    model: SentimentModel | None = None,
) -> tuple[Sentiment, float]:
    """Label and score of a tokenised comment from the rules' verdict and the trained model."""
    model = model or load_model()
    features = extract_features(tokens, language, rule, rule_score, model.buckets)
    return blend(model.probabilities(features), rule_score)
