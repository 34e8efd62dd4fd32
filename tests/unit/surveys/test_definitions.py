"""Survey definitions: what an admin may write, and how a survey may change over its life."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from tests.functional.surveys.support import NPS_SURVEY
from touchpoint.models.surveys import Survey, SurveyDefinition, SurveyStatus
from touchpoint.surveys.definitions import (
    DEFAULT_IN_STORE_SURVEY_ID,
    check_transition,
    check_update,
    default_in_store_survey,
)
from touchpoint.surveys.errors import SurveyChangeError

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _definition(**changes: Any) -> dict[str, Any]:
    return {**NPS_SURVEY, **changes}


def _survey(status: SurveyStatus, raw: dict[str, Any] | None = None) -> Survey:
    definition = SurveyDefinition.model_validate(raw or NPS_SURVEY)
    return Survey(
        tenant_id="acme",
        survey_id="s1",
        name=definition.name,
        default_language=definition.default_language,
        questions=definition.questions,
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )


def test_a_full_definition_parses_with_languages_scales_and_follow_up() -> None:
    definition = SurveyDefinition.model_validate(NPS_SURVEY)
    by_id = {q.id: q for q in definition.questions}
    assert definition.languages == ["de", "en"]
    assert by_id["nps"].scale == (0, 10) and by_id["csat"].scale == (1, 5) and by_id["ces"].scale == (1, 7)
    assert by_id["stars"].scale == (1, 10)
    assert by_id["improve"].show_if is not None and by_id["improve"].show_if.max == 6
    assert by_id["topics"].choice_bounds == (0, 2)


def _question(**fields: Any) -> dict[str, Any]:
    return {"id": "q", "kind": "csat", "text": {"de": "Frage", "en": "Question"}, **fields}


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"questions": []}, "at least 1 item"),
        ({"questions": [_question(), _question()]}, "question id 'q' is used twice"),
        ({"questions": [_question(text={"en": "Only English"})]}, "no text in the default language 'de'"),
        ({"questions": [_question(kind="single_choice")]}, "needs at least 2 options"),
        (
            {
                "questions": [
                    _question(options=[{"id": "a", "label": {"de": "A"}}, {"id": "b", "label": {"de": "B"}}])
                ]
            },
            "only choice questions have options",
        ),
        ({"questions": [_question(kind="nps", scaleMax=5)]}, "only rating questions have their own scale"),
        (
            {"questions": [_question(kind="rating", scaleMin=5, scaleMax=5)]},
            "scaleMin must be below scaleMax",
        ),
        ({"questions": [_question(kind="bogus")]}, "Input should be 'nps'"),
        ({"questions": [_question(id="Bad Id")]}, "String should match pattern"),
        (
            {"questions": [_question(kind="text", showIf={"questionId": "nope", "min": 0, "max": 6})]},
            "showIf must name an earlier score question, not 'nope'",
        ),
        (
            {
                "questions": [
                    _question(id="score", kind="csat"),
                    _question(id="why", kind="text", showIf={"questionId": "score", "min": 0, "max": 2}),
                ]
            },
            "showIf range 0-2 lies outside the 1-5 scale of 'score'",
        ),
        ({"incentive": {"kind": "pattern", "pattern": "THANKS"}}, "must contain {randomN}"),
        ({"incentive": {"kind": "pattern", "pattern": "X-{random2}"}}, "{randomN} takes N from 4 to 16"),
        ({"incentive": {"kind": "pool", "codes": ["A", "A"]}}, "the pool codes must be unique"),
        (
            {"incentive": {"kind": "pool", "pattern": "X-{random6}"}},
            "a pool incentive has codes, not a pattern",
        ),
        ({"unknown": 1}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_definitions_are_rejected_with_a_reason(changes: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SurveyDefinition.model_validate(_definition(**changes))
    assert fragment in str(caught.value)


def test_the_default_in_store_survey_is_one_csat_question_and_an_optional_comment() -> None:
    for language in ("de", "en"):
        definition = default_in_store_survey(language)
        assert definition.survey_id == DEFAULT_IN_STORE_SURVEY_ID
        assert definition.default_language == language and definition.languages[0] == language
        assert set(definition.languages) == {"de", "en"}
        kinds = [(q.kind.value, q.required) for q in definition.questions]
        assert kinds == [("csat", True), ("text", False)]


def test_a_draft_may_change_in_any_way() -> None:
    changed = _definition(questions=[_question(kind="nps", required=True)])
    check_update(_survey(SurveyStatus.DRAFT), SurveyDefinition.model_validate(changed))


def test_an_active_survey_keeps_its_questions_but_may_gain_optional_ones() -> None:
    active = _survey(SurveyStatus.ACTIVE)
    questions = [dict(q) for q in NPS_SURVEY["questions"]]
    questions[0] = {**questions[0], "text": {"de": "Neu formuliert", "en": "Reworded"}, "required": False}
    added = [*questions, _question(id="extra")]
    check_update(active, SurveyDefinition.model_validate(_definition(questions=added)))

    def rejected(new_questions: list[dict[str, Any]], fragment: str) -> None:
        with pytest.raises(SurveyChangeError) as caught:
            check_update(active, SurveyDefinition.model_validate(_definition(questions=new_questions)))
        assert fragment in caught.value.message

    rejected(questions[:-1], "question 'comment' cannot be removed while the survey is active")
    retyped = [*questions[:3], {**questions[3], "kind": "csat"}, *questions[4:]]
    rejected(retyped, "question 'ces' is ces and cannot become csat")
    rescaled = [*questions[:4], {**questions[4], "scaleMax": 5}, *questions[5:]]
    rejected(rescaled, "question 'stars' keeps its scale 1-10")
    fewer_options = [*questions[:5], {**questions[5], "options": questions[5]["options"][:2]}, *questions[6:]]
    rejected(fewer_options, "question 'found_by' keeps its option 'ad'")
    rejected(
        [*questions, _question(id="extra", required=True)], "question 'extra' is new and must be optional"
    )


def test_a_closed_survey_cannot_be_edited_and_status_changes_are_allowed() -> None:
    with pytest.raises(SurveyChangeError, match="is closed; activate it again"):
        check_update(_survey(SurveyStatus.CLOSED), SurveyDefinition.model_validate(NPS_SURVEY))
    for status in SurveyStatus:
        check_transition(_survey(status), "activate")
        check_transition(_survey(status), "close")
