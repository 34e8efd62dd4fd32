"""Sentiment engines: local by default, Amazon Comprehend when a stage chooses it, with fallbacks.

moto implements `DetectSentiment` (a canned NEUTRAL answer) but not `BatchDetectSentiment`, so
single comments go through moto and batches through botocore's Stubber.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, cast

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from tests.functional.surveys.support import NPS_SURVEY
from touchpoint.models.surveys import Survey, SurveyDefinition
from touchpoint.settings import ConfigurationError, settings_from_env
from touchpoint.surveys.comment_analysis import analyze_text_answers
from touchpoint.text import analyze_comment
from touchpoint.text.engine import (
    BATCH_SIZE,
    MAX_BYTES,
    ComprehendClient,
    ComprehendSentimentEngine,
    LocalSentimentEngine,
    comprehend_label,
    sentiment_engine,
)

REGION = "eu-central-1"


def _result(sentiment: str, positive: float, negative: float, index: int | None = None) -> dict[str, Any]:
    neutral = max(0.0, 1.0 - positive - negative)
    result: dict[str, Any] = {
        "Sentiment": sentiment,
        "SentimentScore": {"Positive": positive, "Negative": negative, "Neutral": neutral, "Mixed": 0.0},
    }
    if index is not None:
        result["Index"] = index
    return result


@pytest.fixture
def client() -> Any:
    return boto3.client("comprehend", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")


class _Factory:
    """Counts how often the engine asks for its client."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls = 0

    def __call__(self) -> ComprehendClient:
        self.calls += 1
        return cast(ComprehendClient, self.client)


# --- choice of engine ---------------------------------------------------------------------------


def test_settings_default_to_the_local_engine() -> None:
    assert settings_from_env({"TOUCHPOINT_STAGE": "test"}).sentiment_engine == "local"


@pytest.mark.parametrize("raw", ["comprehend", " Comprehend ", "COMPREHEND"])
def test_settings_accept_comprehend(raw: str) -> None:
    settings = settings_from_env({"TOUCHPOINT_STAGE": "test", "TOUCHPOINT_SENTIMENT_ENGINE": raw})
    assert settings.sentiment_engine == "comprehend"


def test_settings_reject_an_unknown_engine_naming_the_variable() -> None:
    with pytest.raises(ConfigurationError) as caught:
        settings_from_env({"TOUCHPOINT_STAGE": "test", "TOUCHPOINT_SENTIMENT_ENGINE": "openai"})
    assert caught.value.variable == "TOUCHPOINT_SENTIMENT_ENGINE"
    assert "local, comprehend" in str(caught.value)


def test_engine_factory() -> None:
    assert isinstance(sentiment_engine("local"), LocalSentimentEngine)
    factory = _Factory(object())
    engine = sentiment_engine("comprehend", factory)
    assert isinstance(engine, ComprehendSentimentEngine)
    assert factory.calls == 0  # the client is created on first use, not with the engine
    with pytest.raises(ValueError, match="client factory"):
        sentiment_engine("comprehend")
    with pytest.raises(ValueError, match="unknown sentiment engine 'watson'"):
        sentiment_engine(cast(Any, "watson"))


def test_local_engine_is_the_local_analyser() -> None:
    texts = ["Waited 25 minutes at the checkout.", "Super freundliches Personal 👍", ""]
    assert LocalSentimentEngine().analyze(texts, "en") == [analyze_comment(t, "en") for t in texts]


# --- label mapping ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "label", "score"),
    [
        (_result("POSITIVE", 0.9, 0.05), "positive", 0.85),  # 0.9 - 0.05
        (_result("NEGATIVE", 0.1, 0.8), "negative", -0.7),  # 0.1 - 0.8
        (_result("NEUTRAL", 0.2, 0.1), "neutral", 0.1),  # 0.2 - 0.1
        (_result("MIXED", 0.6, 0.3), "positive", 0.3),  # MIXED: 0.6 - 0.3 = 0.3 >= 0.25 band
        (_result("MIXED", 0.4, 0.35), "neutral", 0.05),  # MIXED: 0.4 - 0.35 = 0.05 inside the band
        (_result("MIXED", 0.1, 0.5), "negative", -0.4),  # MIXED: 0.1 - 0.5 = -0.4
    ],
)
def test_comprehend_labels_map_to_project_labels(result: dict[str, Any], label: str, score: float) -> None:
    got_label, got_score = comprehend_label(result)
    assert got_label == label
    assert got_score == pytest.approx(score)


# --- Comprehend: single comments against moto ---------------------------------------------------


def test_single_comment_goes_to_detect_sentiment_on_moto() -> None:
    with mock_aws():
        factory = _Factory(boto3.client("comprehend", region_name=REGION))
        engine = ComprehendSentimentEngine(factory)
        [analysis] = engine.analyze(["Waited 25 minutes at the checkout."], "en")
    local = analyze_comment("Waited 25 minutes at the checkout.", "en")
    assert local.sentiment == "negative"
    # moto's canned answer: NEUTRAL, Positive 0.0081 - Negative 0.0003 = 0.0078
    assert analysis.sentiment == "neutral"
    assert analysis.score == pytest.approx(0.0078, abs=1e-4)
    assert analysis.language == local.language and analysis.key_phrases == local.key_phrases
    assert factory.calls == 1 and engine.comprehend_fallbacks == 0


# --- Comprehend: batches with the Stubber -------------------------------------------------------


def test_batch_per_language_with_a_per_item_error_falling_back(client: Any, caplog: Any) -> None:
    texts = ["Tolle Beratung!", "Paket kam nass an.", "Great staff.", "Weder gut noch schlecht."]
    with Stubber(client) as stub:
        stub.add_response(
            "batch_detect_sentiment",
            {
                "ResultList": [_result("POSITIVE", 0.95, 0.01, 0), _result("NEGATIVE", 0.02, 0.9, 1)],
                "ErrorList": [{"Index": 2, "ErrorCode": "INTERNAL_SERVER_ERROR", "ErrorMessage": "boom"}],
            },
            {"TextList": [texts[0], texts[1], texts[3]], "LanguageCode": "de"},
        )
        stub.add_response(
            "detect_sentiment",
            _result("POSITIVE", 0.9, 0.0),
            {"Text": texts[2], "LanguageCode": "en"},
        )
        engine = ComprehendSentimentEngine(_Factory(client))
        with caplog.at_level(logging.WARNING):
            results = engine.analyze(texts, None)
        stub.assert_no_pending_responses()
    assert [r.language for r in results] == ["de", "de", "en", "de"]
    assert [r.sentiment for r in results[:3]] == ["positive", "negative", "positive"]
    assert results[3] == analyze_comment(texts[3])  # the rejected one keeps its local analysis
    assert engine.comprehend_fallbacks == 1
    assert "INTERNAL_SERVER_ERROR" in caplog.text


def test_batches_hold_at_most_25_comments(client: Any) -> None:
    texts = [f"Great service number {n}." for n in range(BATCH_SIZE + 5)]
    with Stubber(client) as stub:
        for chunk in (texts[:BATCH_SIZE], texts[BATCH_SIZE:]):
            stub.add_response(
                "batch_detect_sentiment",
                {
                    "ResultList": [_result("NEGATIVE", 0.0, 1.0, i) for i in range(len(chunk))],
                    "ErrorList": [],
                },
                {"TextList": chunk, "LanguageCode": "en"},
            )
        results = ComprehendSentimentEngine(_Factory(client)).analyze(texts, "en")
        stub.assert_no_pending_responses()
    assert {r.sentiment for r in results} == {"negative"}  # Comprehend's answer, not the local "positive"


def test_throttling_keeps_the_local_sentiment(client: Any, caplog: Any) -> None:
    texts = ["Waited 25 minutes at the checkout.", "Great staff."]
    with Stubber(client) as stub:
        stub.add_client_error(
            "batch_detect_sentiment", service_error_code="ThrottlingException", http_status_code=400
        )
        engine = ComprehendSentimentEngine(_Factory(client))
        with caplog.at_level(logging.WARNING):
            results = engine.analyze(texts, "en")
    assert results == [analyze_comment(t, "en") for t in texts]
    assert engine.comprehend_fallbacks == 2
    assert "throttled" in caplog.text


def test_other_service_errors_keep_the_local_sentiment_and_name_the_code(client: Any, caplog: Any) -> None:
    with Stubber(client) as stub:
        stub.add_client_error(
            "detect_sentiment", service_error_code="AccessDeniedException", http_status_code=403
        )
        engine = ComprehendSentimentEngine(_Factory(client))
        with caplog.at_level(logging.WARNING):
            [result] = engine.analyze(["Great staff."], "en")
    assert result == analyze_comment("Great staff.", "en")
    assert "AccessDeniedException" in caplog.text


def test_languages_not_asked_for_and_empty_comments_never_reach_comprehend() -> None:
    factory = _Factory(object())  # any call on it would fail
    engine = ComprehendSentimentEngine(factory, languages=("de",))
    texts = ["Great staff, quick checkout.", "   "]
    assert engine.analyze(texts, "en") == [analyze_comment(t, "en") for t in texts]
    assert factory.calls == 0


def test_long_comments_are_cut_to_5000_utf8_bytes(client: Any) -> None:
    text = "Schön " * 1200  # 7 bytes a repetition: 8,400 bytes
    clipped = text.encode("utf-8")[:MAX_BYTES].decode("utf-8", errors="ignore")
    assert len(clipped.encode("utf-8")) <= MAX_BYTES
    with Stubber(client) as stub:
        stub.add_response(
            "detect_sentiment", _result("POSITIVE", 0.8, 0.1), {"Text": clipped, "LanguageCode": "de"}
        )
        [result] = ComprehendSentimentEngine(_Factory(client)).analyze([text], "de")
        stub.assert_no_pending_responses()
    assert result.sentiment == "positive"


# --- routing: survey answers use the engine -----------------------------------------------------


def _survey() -> Survey:
    definition = SurveyDefinition.model_validate(NPS_SURVEY)
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    return Survey(
        tenant_id="acme",
        survey_id="s1",
        name=definition.name,
        default_language="de",
        questions=definition.questions,
        created_at=now,
        updated_at=now,
    )


def test_survey_text_answers_default_to_the_local_engine() -> None:
    masked, [comment] = analyze_text_answers(
        _survey(), {"nps": 3, "improve": "Mail an a@b.de, 25 Minuten gewartet."}, "de"
    )
    local = analyze_comment("Mail an [email], 25 Minuten gewartet.", "de")
    assert masked["improve"] == "Mail an [email], 25 Minuten gewartet."
    assert (comment.sentiment, comment.score, comment.masked) == (local.sentiment, local.score, 1)


def test_survey_text_answers_use_the_chosen_engine_on_the_masked_text(client: Any) -> None:
    with Stubber(client) as stub:
        stub.add_response(
            "detect_sentiment",
            _result("POSITIVE", 0.7, 0.1),
            {"Text": "Mail an [email], 25 Minuten gewartet.", "LanguageCode": "de"},
        )
        engine = ComprehendSentimentEngine(_Factory(client))
        _, [comment] = analyze_text_answers(
            _survey(), {"nps": 3, "improve": "Mail an a@b.de, 25 Minuten gewartet."}, "de", engine
        )
        stub.assert_no_pending_responses()
    assert comment.sentiment == "positive"
    assert comment.score == pytest.approx(0.6)  # 0.7 - 0.1
