"""Sentiment engines: the local analyser (default) or Amazon Comprehend for the sentiment label.

A deployed stage chooses with `TOUCHPOINT_SENTIMENT_ENGINE` (`local` or `comprehend`, see
`touchpoint.settings`). Either way language detection, PII masking and key phrases stay local;
with `comprehend` only the sentiment label and score come from Comprehend's `DetectSentiment`
(`BatchDetectSentiment` for up to 25 comments of one language at a time).

Fallback: a comment keeps its local analysis when its language is not one Comprehend is asked
for, when it is empty, when Comprehend throttles or fails (a warning is logged, nothing is
raised), and when a batch reports an error for that single comment. A response is therefore
always stored; `comprehend_fallbacks` counts the comments that fell back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from touchpoint.settings import SENTIMENT_ENGINES, SentimentEngineName
from touchpoint.text.analysis import analyze_comment
from touchpoint.text.models import CommentAnalysis, Language, Sentiment
from touchpoint.text.sentiment import classify

BATCH_SIZE = 25
"""Most documents `BatchDetectSentiment` takes in one request."""
MAX_BYTES = 5000
"""Most UTF-8 bytes of one document `DetectSentiment` takes; longer comments are cut."""
THROTTLING_CODES = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded"}
)
_LABELS: Mapping[str, Sentiment] = {"POSITIVE": "positive", "NEGATIVE": "negative", "NEUTRAL": "neutral"}

logger = logging.getLogger(__name__)


class ComprehendClient(Protocol):
    """The two calls of a boto3 `comprehend` client the engine uses."""

    def detect_sentiment(self, *, Text: str, LanguageCode: str) -> Mapping[str, Any]: ...  # noqa: N803

    def batch_detect_sentiment(self, *, TextList: list[str], LanguageCode: str) -> Mapping[str, Any]: ...  # noqa: N803


class SentimentEngine(Protocol):
    """Analyses a batch of comments that share a language hint."""

    name: SentimentEngineName

    def analyze(self, texts: Sequence[str], language: str | None = None) -> list[CommentAnalysis]:
        """One analysis per text, in order."""
        ...


class LocalSentimentEngine:
    """The local lexicon- and rule-based analyser (`touchpoint.text.analyze_comment`)."""

    name: SentimentEngineName = "local"

    def analyze(self, texts: Sequence[str], language: str | None = None) -> list[CommentAnalysis]:
        """One local analysis per text, in order."""
        return [analyze_comment(text, language) for text in texts]


def comprehend_label(result: Mapping[str, Any]) -> tuple[Sentiment, float]:
    """Project label and score from one Comprehend sentiment result.

    The score is `Positive - Negative` of `SentimentScore` (in [-1, 1]); POSITIVE, NEGATIVE and
    NEUTRAL map to the same labels, MIXED is labelled by that score with the local neutral band.
    """
    scores = result.get("SentimentScore") or {}
    score = round(float(scores.get("Positive", 0.0)) - float(scores.get("Negative", 0.0)), 4)
    score = max(-1.0, min(1.0, score))
    label = _LABELS.get(str(result.get("Sentiment", "")))
    return (label if label is not None else classify(score)), score


def _clip(text: str) -> str:
    return text.encode("utf-8")[:MAX_BYTES].decode("utf-8", errors="ignore")


class ComprehendSentimentEngine:
    """Sentiment from Amazon Comprehend; language and key phrases from the local analyser."""

    name: SentimentEngineName = "comprehend"

    def __init__(
        self,
        client_factory: Callable[[], ComprehendClient],
        languages: Sequence[Language] = ("de", "en"),
    ) -> None:
        self._client_factory = client_factory
        self._client: ComprehendClient | None = None
        self._languages = frozenset(languages)
        self.comprehend_fallbacks = 0

    @property
    def client(self) -> ComprehendClient:
        """The Comprehend client, created on first use."""
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def analyze(self, texts: Sequence[str], language: str | None = None) -> list[CommentAnalysis]:
        """Local analyses with the sentiment replaced by Comprehend's where it answered."""
        local = [analyze_comment(text, language) for text in texts]
        results = list(local)
        by_language: dict[Language, list[int]] = {}
        for index, analysis in enumerate(local):
            if analysis.language in self._languages and texts[index].strip():
                by_language.setdefault(analysis.language, []).append(index)
        for lang, indexes in by_language.items():
            for start in range(0, len(indexes), BATCH_SIZE):
                chunk = indexes[start : start + BATCH_SIZE]
                answers = self._detect([_clip(texts[i]) for i in chunk], lang)
                for position, index in enumerate(chunk):
                    answer = answers.get(position)
                    if answer is None:
                        self.comprehend_fallbacks += 1
                        continue
                    label, score = comprehend_label(answer)
                    results[index] = local[index].model_copy(update={"sentiment": label, "score": score})
        return results

    def _detect(self, texts: list[str], language: Language) -> dict[int, Mapping[str, Any]]:
        """Comprehend's result per position in `texts`; positions that failed are missing."""
        try:
            if len(texts) == 1:
                return {0: self.client.detect_sentiment(Text=texts[0], LanguageCode=language)}
            response = self.client.batch_detect_sentiment(TextList=texts, LanguageCode=language)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            kind = "throttled" if code in THROTTLING_CODES else f"failed ({code})"
            logger.warning("Comprehend %s; %d comments keep the local sentiment", kind, len(texts))
            return {}
        except BotoCoreError as error:
            logger.warning(
                "Comprehend unreachable (%s); %d comments keep the local sentiment", error, len(texts)
            )
            return {}
        for item in response.get("ErrorList", []):
            logger.warning("Comprehend rejected comment %s: %s", item.get("Index"), item.get("ErrorCode"))
        return {int(item["Index"]): item for item in response.get("ResultList", [])}


def sentiment_engine(
    name: SentimentEngineName, client_factory: Callable[[], ComprehendClient] | None = None
) -> SentimentEngine:
    """The engine called `name`; `comprehend` needs a factory for its (lazily created) client."""
    if name == "local":
        return LocalSentimentEngine()
    if name == "comprehend":
        if client_factory is None:
            raise ValueError("the comprehend sentiment engine needs a client factory")
        return ComprehendSentimentEngine(client_factory)
    raise ValueError(f"unknown sentiment engine {name!r}; choose one of {', '.join(SENTIMENT_ENGINES)}")
