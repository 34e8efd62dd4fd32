"""Answers are checked against the survey: type, range, required, options and follow-up logic."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.functional.surveys.support import NPS_SURVEY
from touchpoint.models.surveys import Survey, SurveyDefinition
from touchpoint.surveys.validation import validate_answers

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _survey() -> Survey:
    definition = SurveyDefinition.model_validate(NPS_SURVEY)
    return Survey(
        tenant_id="acme",
        survey_id="s1",
        name=definition.name,
        default_language="de",
        questions=definition.questions,
        created_at=NOW,
        updated_at=NOW,
    )


SURVEY = _survey()


def test_valid_answers_are_normalised() -> None:
    clean, errors = validate_answers(
        SURVEY,
        {
            "nps": "3",
            "improve": "  Zu teuer.  ",
            "csat": 4.0,
            "ces": 7,
            "stars": 10,
            "found_by": "friend",
            "topics": ["service", "price"],
            "comment": "",
        },
        complete=True,
    )
    assert errors == []
    assert clean == {
        "nps": 3,
        "improve": "Zu teuer.",
        "csat": 4,
        "ces": 7,
        "stars": 10,
        "found_by": "friend",
        "topics": ["price", "service"],
    }


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({}, "answers.nps", "question 'nps' (nps) is required"),
        ({"nps": 11}, "answers.nps", "question 'nps' (nps) takes a whole number from 0 to 10, got 11"),
        ({"nps": -1}, "answers.nps", "question 'nps' (nps) takes a whole number from 0 to 10, got -1"),
        ({"nps": 7.5}, "answers.nps", "question 'nps' (nps) takes a whole number from 0 to 10, got 7.5"),
        ({"nps": True}, "answers.nps", "question 'nps' (nps) takes a whole number from 0 to 10, got True"),
        ({"nps": "ten"}, "answers.nps", "question 'nps' (nps) takes a whole number from 0 to 10, got 'ten'"),
        (
            {"nps": 9, "csat": 0},
            "answers.csat",
            "question 'csat' (csat) takes a whole number from 1 to 5, got 0",
        ),
        ({"nps": 9, "ces": 8}, "answers.ces", "question 'ces' (ces) takes a whole number from 1 to 7, got 8"),
        (
            {"nps": 9, "stars": 11},
            "answers.stars",
            "question 'stars' (rating) takes a whole number from 1 to 10",
        ),
        (
            {"nps": 9, "found_by": "tv"},
            "answers.found_by",
            "question 'found_by' (single_choice) takes one of search, friend, ad, got 'tv'",
        ),
        (
            {"nps": 9, "topics": ["price", "tv"]},
            "answers.topics",
            "question 'topics' (multi_choice) has no option 'tv'; options are price, service, range",
        ),
        (
            {"nps": 9, "topics": ["price", "service", "range"]},
            "answers.topics",
            "question 'topics' (multi_choice) allows at most 2 choices, got 3",
        ),
        (
            {"nps": 9, "topics": ["price", "price"]},
            "answers.topics",
            "question 'topics' (multi_choice) lists an option more than once",
        ),
        (
            {"nps": 9, "topics": {"a": 1}},
            "answers.topics",
            "question 'topics' (multi_choice) takes a list of option ids",
        ),
        ({"nps": 9, "comment": 42}, "answers.comment", "question 'comment' (text) takes text, got int"),
        (
            {"nps": 3, "improve": "x" * 501},
            "answers.improve",
            "question 'improve' (text) allows at most 500 characters, got 501",
        ),
        (
            {"nps": 9, "improve": "Alles gut"},
            "answers.improve",
            "question 'improve' (text) is only asked when 'nps' is between 0 and 6",
        ),
        ({"nps": 9, "colour": "blue"}, "answers.colour", "question 'colour' is not part of survey 's1'"),
    ],
)
def test_each_rule_names_the_question_and_the_rule(answers: dict[str, Any], field: str, message: str) -> None:
    _, errors = validate_answers(SURVEY, answers, complete=True)
    assert any(e["field"] == field and e["message"].startswith(message) for e in errors), errors


def test_every_problem_is_reported_at_once() -> None:
    _, errors = validate_answers(SURVEY, {"csat": 9, "ces": 0, "colour": "x"}, complete=True)
    assert [e["field"] for e in errors] == ["answers.colour", "answers.csat", "answers.ces", "answers.nps"]


def test_a_partial_response_may_leave_required_questions_out() -> None:
    clean, errors = validate_answers(SURVEY, {"csat": 5}, complete=False)
    assert errors == [] and clean == {"csat": 5}
    _, errors = validate_answers(SURVEY, {"csat": 6}, complete=False)
    assert [e["field"] for e in errors] == ["answers.csat"]


def test_the_follow_up_is_not_required_when_not_asked_and_blank_means_unanswered() -> None:
    clean, errors = validate_answers(SURVEY, {"nps": 10, "improve": None, "topics": []}, complete=True)
    assert errors == [] and clean == {"nps": 10}


@given(st.integers(min_value=-50, max_value=60))
def test_nps_accepts_exactly_0_to_10(value: int) -> None:
    clean, errors = validate_answers(SURVEY, {"nps": value}, complete=True)
    if 0 <= value <= 10:
        assert errors == [] and clean["nps"] == value
    else:
        assert [e["field"] for e in errors] == ["answers.nps"]
