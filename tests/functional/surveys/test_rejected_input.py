"""Rejected input gets a clear 4xx naming the field and the rule, and writes nothing.

These tests share one stack per module (`survey_env`): none of them may leave state behind.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.functional.surveys.conftest import SurveyEnv
from tests.functional.surveys.support import NPS_SURVEY, call, lake_keys, stored_responses
from tests.functional.surveys.test_responses import GOOD
from touchpoint.runtime import Runtime


def _bad(changes: dict[str, Any]) -> dict[str, Any]:
    return {**GOOD, **changes}


def _answers(**answers: Any) -> dict[str, Any]:
    return _bad({"answers": {**GOOD["answers"], **answers}})


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (_bad({"answers": {}}), "answers.nps", "question 'nps' (nps) is required"),
        (_answers(nps=11), "answers.nps", "question 'nps' (nps) takes a whole number from 0 to 10, got 11"),
        (_answers(nps="x"), "answers.nps", "question 'nps' (nps) takes a whole number from 0 to 10, got 'x'"),
        (_answers(csat=6), "answers.csat", "question 'csat' (csat) takes a whole number from 1 to 5, got 6"),
        (_answers(ces=0), "answers.ces", "question 'ces' (ces) takes a whole number from 1 to 7, got 0"),
        (
            _answers(stars=0),
            "answers.stars",
            "question 'stars' (rating) takes a whole number from 1 to 10, got 0",
        ),
        (
            _answers(found_by="tv"),
            "answers.found_by",
            "question 'found_by' (single_choice) takes one of search, friend, ad, got 'tv'",
        ),
        (
            _answers(topics=["price", "service", "range"]),
            "answers.topics",
            "question 'topics' (multi_choice) allows at most 2 choices, got 3",
        ),
        (
            _answers(topics=["tv"]),
            "answers.topics",
            "question 'topics' (multi_choice) has no option 'tv'; options are price, service, range",
        ),
        (_answers(comment=["a"]), "answers.comment", "question 'comment' (text) takes text, got list"),
        (
            _answers(improve="x" * 501),
            "answers.improve",
            "question 'improve' (text) allows at most 500 characters, got 501",
        ),
        (
            _answers(nps=9),
            "answers.improve",
            "question 'improve' (text) is only asked when 'nps' is between 0 and 6",
        ),
        (_answers(colour="blue"), "answers.colour", "question 'colour' is not part of survey"),
        (
            _bad({"channel": None}),
            "channel",
            "channel is required: one of email, in_app, web, in_store, sms, social",
        ),
        (
            _bad({"channel": "fax"}),
            "channel",
            "Input should be 'email', 'in_app', 'web', 'in_store', 'sms' or 'social'",
        ),
        (_bad({"language": "fr"}), "language", "is written in de, en, not 'fr'"),
        (_bad({"language": "deutsch"}), "language", "String should match pattern"),
        (_bad({"locationId": "atlantis"}), "locationId", "'atlantis' is not a store of this tenant"),
        (_bad({"hidden": {"orderId": 5}}), "hidden.orderId", "Input should be a valid string"),
        (_bad({"hidden": {f"k{i}": "v" for i in range(21)}}), "hidden", "at most 20 items"),
        (_bad({"answers": 5}), "answers", "Input should be a valid dictionary"),
        (_bad({"extra": 1}), "extra", "Extra inputs are not permitted"),
        (_bad({"complete": "maybe"}), "complete", "Input should be a valid boolean"),
    ],
)
def test_each_invalid_submission_gets_a_clear_400_and_nothing_is_written(
    survey_env: SurveyEnv, body: dict[str, Any], field: str, message: str
) -> None:
    env = survey_env
    path = f"/v1/surveys/{env.survey_id}/responses"
    status, error, _ = call(env.client, "POST", path, env.tenant.write_key, body)
    assert status == 400, error
    assert error["code"] == "validation_error"
    assert any(e["field"] == field and message in e["message"] for e in error["errors"]), error
    assert error["field"] == error["errors"][0]["field"]
    assert stored_responses(env.runtime) == [] and lake_keys(env.runtime) == []


def test_every_problem_of_a_submission_is_listed(survey_env: SurveyEnv) -> None:
    env, survey_id = survey_env, survey_env.survey_id
    body = {"answers": {"nps": 99, "csat": 0, "colour": "x"}, "channel": "web"}
    status, error, _ = call(
        env.client, "POST", f"/v1/surveys/{survey_id}/responses", env.tenant.write_key, body
    )
    assert status == 400
    assert [e["field"] for e in error["errors"]] == ["answers.colour", "answers.nps", "answers.csat"]
    assert error["message"] == f"answers.colour: question 'colour' is not part of survey '{survey_id}'"


@pytest.mark.parametrize(
    ("raw", "status", "fragment"),
    [
        ("{not json", 400, "the body is not valid JSON"),
        ("", 400, "a JSON object body is required"),
        ("[]", 400, "the body must be a JSON object"),
        (
            json.dumps({"answers": {"comment": "x" * 70_000}, "channel": "web"}),
            413,
            "at most 65536 are allowed",
        ),
    ],
)
def test_unreadable_bodies_are_rejected(survey_env: SurveyEnv, raw: str, status: int, fragment: str) -> None:
    env = survey_env
    got, error, _ = call(
        env.client, "POST", f"/v1/surveys/{env.survey_id}/responses", env.tenant.write_key, raw
    )
    assert got == status and fragment in error["message"]
    assert stored_responses(env.runtime) == [] and lake_keys(env.runtime) == []


def _config_items(runtime: Runtime) -> list[dict[str, Any]]:
    return list(runtime.clients.dynamodb.scan(TableName=runtime.settings.config_table)["Items"])


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ("not json", None, "the body is not valid JSON"),
        ([1, 2], None, "the body must be a JSON object"),
        ({**NPS_SURVEY, "name": ""}, "name", "at least 1 character"),
        (
            {**NPS_SURVEY, "questions": [{"id": "q", "kind": "nps", "text": {"en": "Hi"}}]},
            "body",
            "no text in the default language 'de'",
        ),
        (
            {**NPS_SURVEY, "questions": [{"id": "q", "kind": "stars", "text": {"de": "x"}}]},
            "questions.0.kind",
            "Input should be 'nps'",
        ),
        ({**NPS_SURVEY, "incentive": {"kind": "pattern"}}, "incentive", "needs a pattern"),
        ({**NPS_SURVEY, "incentive": {"kind": "pool", "codes": ["A", "A"]}}, "incentive", "must be unique"),
    ],
)
def test_invalid_definitions_get_a_clear_400_and_nothing_is_stored(
    survey_env: SurveyEnv, body: Any, field: str | None, fragment: str
) -> None:
    env = survey_env
    before = _config_items(env.runtime)
    status, error, _ = call(env.client, "POST", "/v1/surveys", env.tenant.admin_key, body)
    assert status == 400
    assert fragment in error["message"]
    if field is not None:
        assert error["field"] == field
    assert _config_items(env.runtime) == before


@pytest.mark.parametrize(
    ("query", "field", "fragment"),
    [
        ("limit=0", "limit", "limit must be a whole number from 1 to 500"),
        ("limit=x", "limit", "limit must be a whole number"),
        ("channel=fax", "channel", "channel must be one of email"),
        ("location=bad%20id", "location", "not a valid location id"),
        ("from=yesterday", "from", "from must be YYYY-MM-DD or an ISO 8601 date-time"),
        ("from=2026-03-01T10:00:00", "from", "needs a time zone"),
        ("from=2026-03-02&to=2026-03-01", "to", "'to' must be after 'from'"),
        ("next=garbage", "next", "the next token is malformed"),
    ],
)
def test_bad_listing_parameters(survey_env: SurveyEnv, query: str, field: str, fragment: str) -> None:
    env = survey_env
    path = f"/v1/surveys/{env.survey_id}/responses?{query}"
    status, error, _ = call(env.client, "GET", path, env.tenant.admin_key)
    assert status == 400 and error["field"] == field and fragment in error["message"]


@pytest.mark.parametrize(
    ("query", "status", "fragment"),
    [
        ("format=csv", 400, "survey_id is required"),
        ("survey_id=SURVEY&format=xml", 400, "format must be csv or jsonl"),
        ("survey_id=unknown", 404, "survey not found"),
    ],
)
def test_bad_export_requests(survey_env: SurveyEnv, query: str, status: int, fragment: str) -> None:
    env = survey_env
    path = f"/v1/responses/export?{query.replace('SURVEY', env.survey_id)}"
    got, error, _ = call(env.client, "GET", path, env.tenant.admin_key)
    assert got == status and fragment in error["message"]
    assert not list(env.runtime.lake.list_keys("exports/"))
