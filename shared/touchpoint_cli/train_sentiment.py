"""`touchpoint train-sentiment`: train the comment sentiment classifier shipped in `touchpoint.text`.

Pure Python, deterministic (fixed seed, fixed order), never part of a Lambda package. Reads the
labelled training sets in `tests/data/sentiment/` (never `heldout.json`), turns every comment into
hashed features (`touchpoint.text.features`, the rules' verdict included), fits a multinomial
logistic regression by AdaGrad SGD with L2 regularisation and writes
`shared/touchpoint/text/data/model.json` (non-zero weights, rounded). `--cross-validate` compares
logistic regression settings and complement Naive Bayes by k-fold cross-validation on the same
training data.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import click

from touchpoint.text.analysis import prepare_comment
from touchpoint.text.classifier import SentimentModel, blend
from touchpoint.text.features import Features, extract_features
from touchpoint.text.models import Sentiment
from touchpoint.text.sentiment import classify

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = REPO / "tests" / "data" / "sentiment"
MODEL_PATH = REPO / "shared" / "touchpoint" / "text" / "data" / "model.json"
TRAINING_SETS = ("training.json", "development.json", "tuning.json")
FORBIDDEN = "heldout.json"
CLASSES: tuple[Sentiment, ...] = ("positive", "neutral", "negative")
BUCKETS = 1 << 18
SEED = 17


@dataclass(frozen=True)
class Settings:
    """Hyper-parameters of the logistic regression (chosen by `--cross-validate`)."""

    epochs: int = 12
    learning_rate: float = 0.2
    l2: float = 1e-2
    digits: int = 3
    """Weights are rounded to this many decimals; those that round to zero are dropped."""


DEFAULT = Settings()


@dataclass(frozen=True)
class Example:
    """One labelled comment as features, with the rules' squashed score for the blend."""

    features: Features
    label: int
    language: str
    rule_score: float


def load_rows(data_dir: Path = DATA_DIR, names: Sequence[str] = TRAINING_SETS) -> list[dict[str, Any]]:
    """Labelled rows of the training sets, in a fixed order."""
    rows: list[dict[str, Any]] = []
    for name in names:
        if name == FORBIDDEN:
            raise click.UsageError("the held-out set is never used for training")
        path = data_dir / name
        if not path.is_file():
            raise click.ClickException(f"training set {name} not found in {data_dir}")
        for number, row in enumerate(json.loads(path.read_text(encoding="utf-8")), start=1):
            if (
                not isinstance(row, dict)
                or row.get("label") not in CLASSES
                or row.get("language") not in ("de", "en")
            ):
                label = row.get("label") if isinstance(row, dict) else None
                raise click.ClickException(f"{name} row {number}: label {label!r} or language is not valid")
            if not isinstance(row.get("text"), str):
                raise click.ClickException(f"{name} row {number}: text is missing")
            rows.append(row)
    return rows


def featurise(rows: Sequence[dict[str, Any]], buckets: int = BUCKETS) -> list[Example]:
    """Features of every row (the language of the row is the form's language hint)."""
    examples = []
    for row in rows:
        prepared = prepare_comment(row["text"], row["language"])
        features = extract_features(
            prepared.tokens, prepared.language, prepared.rule, prepared.rule_score, buckets
        )
        examples.append(Example(features, CLASSES.index(row["label"]), row["language"], prepared.rule_score))
    return examples


def _softmax(logits: list[float]) -> list[float]:
    top = max(logits)
    exps = [math.exp(v - top) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def train(
    examples: Sequence[Example], settings: Settings = DEFAULT, buckets: int = BUCKETS
) -> SentimentModel:
    """Fit a multinomial logistic regression (AdaGrad SGD, L2 on the touched weights), deterministically."""
    classes = len(CLASSES)
    weights: dict[int, list[float]] = {}
    squares: dict[int, list[float]] = {}
    bias = [0.0] * classes
    bias_squares = [1e-8] * classes
    order = list(range(len(examples)))
    rng = random.Random(SEED)
    for _ in range(settings.epochs):
        rng.shuffle(order)
        for n in order:
            example = examples[n]
            logits = list(bias)
            for index, value in example.features.items():
                row = weights.get(index)
                if row is not None:
                    for k in range(classes):
                        logits[k] += row[k] * value
            probs = _softmax(logits)
            for k in range(classes):
                gradient = probs[k] - (1.0 if k == example.label else 0.0)
                bias_squares[k] += gradient * gradient
                bias[k] -= settings.learning_rate * gradient / math.sqrt(bias_squares[k])
            for index, value in example.features.items():
                row = weights.setdefault(index, [0.0] * classes)
                sq = squares.setdefault(index, [1e-8] * classes)
                for k in range(classes):
                    gradient = (probs[k] - (1.0 if k == example.label else 0.0)) * value + settings.l2 * row[
                        k
                    ]
                    sq[k] += gradient * gradient
                    row[k] -= settings.learning_rate * gradient / math.sqrt(sq[k])
    kept = {
        index: tuple(round(w, settings.digits) for w in row)
        for index, row in weights.items()
        if any(round(w, settings.digits) for w in row)
    }
    return SentimentModel(
        classes=CLASSES,
        buckets=buckets,
        bias=tuple(round(b, settings.digits) for b in bias),
        weights=kept,
    )


class ComplementNaiveBayes:
    """Complement Naive Bayes (Rennie et al. 2003) on the non-negative features, for comparison only."""

    def __init__(self, examples: Sequence[Example], alpha: float = 0.3) -> None:
        counts = [dict[int, float]() for _ in CLASSES]
        totals = [0.0] * len(CLASSES)
        vocabulary: set[int] = set()
        for example in examples:
            for index, value in example.features.items():
                if value > 0:
                    counts[example.label][index] = counts[example.label].get(index, 0.0) + value
                    totals[example.label] += value
                    vocabulary.add(index)
        self.weights: list[dict[int, float]] = []
        self.default: list[float] = []
        size = len(vocabulary)
        for k in range(len(CLASSES)):
            others = [j for j in range(len(CLASSES)) if j != k]
            denominator = sum(totals[j] for j in others) + alpha * size
            self.default.append(-math.log(alpha / denominator))
            self.weights.append(
                {
                    index: -math.log((sum(counts[j].get(index, 0.0) for j in others) + alpha) / denominator)
                    for index in vocabulary
                }
            )

    def predict(self, features: Features) -> int:
        """The class whose complement fits the comment least."""
        scores = [
            sum(value * self.weights[k].get(index, 0.0) for index, value in features.items() if value > 0)
            for k in range(len(CLASSES))
        ]
        return max(range(len(CLASSES)), key=lambda k: scores[k])


def predict(model: SentimentModel, example: Example) -> int:
    """Blended label (as `analyze_comment` gives it) of one featurised comment."""
    label, _ = blend(model.probabilities(example.features), example.rule_score)
    return CLASSES.index(label)


def folds(examples: Sequence[Example], k: int) -> list[tuple[list[Example], list[Example]]]:
    """k (train, test) splits, stratified by language and label, in a fixed order."""
    groups: dict[tuple[str, int], list[int]] = {}
    for n, example in enumerate(examples):
        groups.setdefault((example.language, example.label), []).append(n)
    fold_of = [0] * len(examples)
    rng = random.Random(SEED)
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        for position, n in enumerate(members):
            fold_of[n] = position % k
    return [
        (
            [e for n, e in enumerate(examples) if fold_of[n] != f],
            [e for n, e in enumerate(examples) if fold_of[n] == f],
        )
        for f in range(k)
    ]


def accuracy(pairs: Sequence[tuple[Example, int]]) -> dict[str, float]:
    """Accuracy overall and per language of (example, predicted class) pairs."""
    result = {"all": sum(p == e.label for e, p in pairs) / len(pairs)}
    for language in sorted({e.language for e, _ in pairs}):
        chosen = [(e, p) for e, p in pairs if e.language == language]
        result[language] = sum(p == e.label for e, p in chosen) / len(chosen)
    return result


def _format(figures: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:.1%}" for name, value in figures.items())


def cross_validate(examples: Sequence[Example], k: int = 5) -> None:
    """Print k-fold accuracy of the rules alone, complement NB and a few logistic regression settings."""
    splits = folds(examples, k)
    rules = [(e, CLASSES.index(classify(e.rule_score))) for e in examples]
    click.echo(f"rules alone: {_format(accuracy(rules))}")
    nb: list[tuple[Example, int]] = []
    for train_part, test_part in splits:
        bayes = ComplementNaiveBayes(train_part)
        nb.extend((e, bayes.predict(e.features)) for e in test_part)
    click.echo(f"complement naive Bayes: {_format(accuracy(nb))}")
    candidates = [
        DEFAULT,
        Settings(epochs=8),
        Settings(epochs=20),
        Settings(l2=1e-3),
        Settings(learning_rate=0.5),
    ]
    for settings in candidates:
        pairs: list[tuple[Example, int]] = []
        for train_part, test_part in splits:
            model = train(train_part, settings)
            pairs.extend((e, predict(model, e)) for e in test_part)
        click.echo(f"logistic regression {settings}: {_format(accuracy(pairs))}")


def model_text(model: SentimentModel) -> str:
    """The model file's text: compact JSON, keys sorted, one trailing newline."""
    return json.dumps(model.to_json(), separators=(",", ":"), sort_keys=True) + "\n"


def build_model(data_dir: Path = DATA_DIR, settings: Settings = DEFAULT) -> SentimentModel:
    """Train the shipped model from the committed training sets."""
    return train(featurise(load_rows(data_dir)), settings)


@click.command("train-sentiment")
@click.option(
    "--data-dir", type=click.Path(path_type=Path, file_okay=False), default=DATA_DIR, show_default=True
)
@click.option(
    "--output", type=click.Path(path_type=Path, dir_okay=False), default=MODEL_PATH, show_default=True
)
@click.option(
    "--cross-validate", "folds_count", type=int, default=0, help="Only compare models by k-fold CV."
)
def train_sentiment_command(data_dir: Path, output: Path, folds_count: int) -> None:
    """Train the sentiment classifier from the labelled sets and write its weights."""
    rows = load_rows(data_dir)
    examples = featurise(rows)
    click.echo(f"{len(examples)} comments from {', '.join(TRAINING_SETS)}")
    if folds_count:
        cross_validate(examples, folds_count)
        return
    model = train(examples)
    text = model_text(model)
    output.write_text(text, encoding="utf-8")
    fitted = accuracy([(e, predict(model, e)) for e in examples])
    click.echo(
        f"wrote {output} ({len(text.encode()) / 1024:.0f} KiB, {len(model.weights)} features); "
        f"training accuracy {_format(fitted)}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point when run as `python -m touchpoint_cli.train_sentiment`."""
    train_sentiment_command.main(args=cast(list[str] | None, argv), standalone_mode=True)


if __name__ == "__main__":
    main()
