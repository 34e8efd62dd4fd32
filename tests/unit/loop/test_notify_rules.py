"""Notification rules: validation with clear errors, and matching one answer (case, umlauts, ranges)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from touchpoint.loop.notify_deliveries import delivery_id, retry_delay_s
from touchpoint.loop.notify_rules import Destination, NotificationRule, NotificationRuleInput, fold, matches
from touchpoint.models.surveys import Comment, Score, StoredResponse

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


def answer(
    *,
    nps: int | None = 3,
    text: str = "",
    phrases: tuple[str, ...] = (),
    sentiment: str = "negative",
    **fields: Any,
) -> StoredResponse:
    comments = [
        Comment(
            question_id="c",
            text=text,
            language="de",
            sentiment=sentiment,
            score=-0.5,
            key_phrases=list(phrases),
        )
    ]
    return StoredResponse(
        tenant_id="acme",
        survey_id="s1",
        response_id="r1",
        complete=True,
        channel=fields.pop("channel", "in_store"),
        location_id=fields.pop("location_id", "hamburg"),
        language="de",
        scores=[] if nps is None else [Score(question_id="nps", kind="nps", value=nps)],
        comments=comments if text else [],
        started_at=NOW,
        submitted_at=NOW,
        completed_at=NOW,
        **fields,
    )


def rule(**conditions: Any) -> NotificationRule:
    return NotificationRule(
        name="r",
        conditions=conditions,
        destinations={"slack_url": "https://hooks.slack.com/services/x"},
        tenant_id="acme",
        rule_id="nr-0123456789ab",
        created_at=NOW,
        updated_at=NOW,
    )


def test_nps_at_most_six_at_hamburg() -> None:
    detractors = rule(score={"kind": "nps", "max": 6}, location_ids=["hamburg"])
    assert detractors.conditions.describe() == "NPS <= 6 at hamburg"
    assert matches(detractors, answer(nps=6))
    assert not matches(detractors, answer(nps=7))
    assert not matches(detractors, answer(nps=3, location_id="berlin"))
    assert not matches(detractors, answer(nps=None, text="Kasse"))
    csat = rule(score={"kind": "csat", "min": 1, "max": 2})
    assert not matches(csat, answer(nps=1))  # a score of another kind does not count


@pytest.mark.parametrize(
    "text",
    [
        "Die KASSE war zu",
        "an der kasse",
        "Kassenbereich schmutzig",
        "KaSsE 3 geschlossen",
    ],
)
def test_a_word_matches_the_comment_case_insensitively(text: str) -> None:
    assert matches(rule(sentiment="negative", words=["Kasse"]), answer(text=text))


def test_umlauts_match_composed_or_decomposed_and_eszett_folds_to_ss() -> None:
    decomposed = unicodedata.normalize("NFD", "Die Bäckerei hatte kein Brötchen")
    assert decomposed != "Die Bäckerei hatte kein Brötchen"
    assert matches(rule(words=["BÄCKEREI"]), answer(text=decomposed))
    assert matches(rule(words=["Straße"]), answer(text="Parken in der STRASSE"))
    assert fold("Öffnungszeiten") == fold(unicodedata.normalize("NFD", "ÖFFNUNGSZEITEN"))
    assert not matches(rule(words=["Bäcker"]), answer(text="Backwaren"))  # ä is not a


def test_a_word_may_match_a_key_phrase_and_sentiment_must_be_negative() -> None:
    about_till = rule(sentiment="negative", words=["kasse"])
    assert matches(about_till, answer(text="zu lang gewartet", phrases=("Kasse 3",)))
    assert not matches(about_till, answer(text="Kasse super", sentiment="positive"))
    assert not matches(about_till, answer(text="zu lang gewartet"))


def test_surveys_channels_and_disabled_rules() -> None:
    assert matches(rule(survey_ids=["s1"], channels=["in_store"]), answer())
    assert not matches(rule(survey_ids=["s2"]), answer())
    assert not matches(rule(channels=["email"]), answer())
    off = rule(score={"kind": "nps", "max": 6}).model_copy(update={"enabled": False})
    assert not matches(off, answer())
    assert not matches(rule(score={"kind": "nps", "max": 6}), answer().model_copy(update={"complete": False}))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"conditions": {}}, "give at least one condition"),
        ({"conditions": {"score": {"kind": "nps"}}}, "give min, max or both"),
        ({"conditions": {"score": {"kind": "csat", "max": 6}}}, "csat scores run from 1 to 5"),
        ({"conditions": {"score": {"kind": "nps", "min": 7, "max": 3}}}, "min must not be greater than max"),
        ({"conditions": {"words": ["k"]}}, "each word must be 2 to 60 characters"),
        ({"conditions": {"location_ids": ["../x"]}}, "is not a valid id"),
        ({"destinations": {}}, "give at least one destination"),
        ({"destinations": {"digest_emails": ["not-an-address"]}}, "is not an e-mail address"),
    ],
)
def test_invalid_rules_say_what_is_wrong(body: dict[str, Any], message: str) -> None:
    valid: dict[str, Any] = {
        "name": "n",
        "conditions": {"score": {"kind": "nps", "max": 6}},
        "destinations": {"digest_emails": ["Team@Example.com"]},
    }
    with pytest.raises(ValidationError, match=message):
        NotificationRuleInput.model_validate({**valid, **body})
    assert NotificationRuleInput.model_validate(valid).destinations.digest_emails == ["team@example.com"]


def test_delivery_ids_are_deterministic_and_backoff_doubles_up_to_fifteen_minutes() -> None:
    first = delivery_id("r1", "nr-1", Destination.SLACK)
    assert first == delivery_id("r1", "nr-1", Destination.SLACK) and first.startswith("msg_")
    assert (
        len(
            {
                first,
                delivery_id("r1", "nr-1", Destination.WEBHOOK),
                delivery_id("r2", "nr-1", Destination.SLACK),
            }
        )
        == 3
    )
    assert [retry_delay_s(n) for n in range(1, 9)] == [30, 60, 120, 240, 480, 900, 900, 900]
