"""Response API: storing a response, its lake copy and event, and every rejected submission."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from tests.conftest import TenantKeys, function_client
from tests.functional.surveys.support import (
    NPS_SURVEY,
    active_survey,
    call,
    lake_keys,
    stored_docs,
    stored_responses,
)
from touchpoint.runtime import Runtime

GOOD: dict[str, Any] = {
    "answers": {
        "nps": 4,
        "improve": "Die Wartezeit an der Kasse war viel zu lang. Schreiben Sie mir: max@example.com",
        "csat": 2,
        "ces": 6,
        "stars": 3,
        "found_by": "friend",
        "topics": ["service"],
    },
    "channel": "email",
    "userId": "user-42",
    "anonymousId": "anon-42",
    "locationId": "berlin-mitte",
    "language": "de",
    "hidden": {"orderId": "A-1001"},
}


@pytest.fixture
def store(aws: Runtime, tenant: TenantKeys) -> None:
    aws.locations.create_location(tenant.tenant_id, "berlin-mitte", "Berlin Mitte")


def test_a_complete_response_is_stored_copied_to_the_lake_and_put_on_the_timeline(
    aws: Runtime, tenant: TenantKeys, store: None
) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        status, body, _ = call(client, "POST", f"/v1/surveys/{survey_id}/responses", tenant.write_key, GOOD)
    assert status == 201
    assert set(body) == {"responseId", "surveyId", "complete", "couponCode", "submittedAt"}
    assert body["complete"] is True and body["couponCode"] is None
    response_id = body["responseId"]

    [item] = stored_docs(aws)
    assert item["pk"] == f"TENANT#acme#SURVEY#{survey_id}" and item["sk"] == f"RESPONSE#{response_id}"
    day = body["submittedAt"][:10]
    assert item["by_day_pk"] == f"TENANT#acme#DAY#{day}"
    assert item["by_person_pk"] == "TENANT#acme#PERSON#user:user-42"
    assert item["gsi_sk"] == f"{survey_id}#{body['submittedAt']}#{response_id}"
    assert item["lake_written"] is True and item["hidden"] == {"orderId": "A-1001"}
    submitted = datetime.fromisoformat(body["submittedAt"].replace("Z", "+00:00")).timestamp()
    assert item["expires_at"] == int(submitted + 730 * 86400)  # the tenant's response retention
    assert "max@example.com" not in json.dumps(stored_responses(aws))
    assert item["answers"]["improve"].endswith("Schreiben Sie mir: [email]")
    [comment] = item["comments"]
    assert comment["sentiment"] == "negative" and comment["language"] == "de" and comment["masked"] == 1
    assert comment["key_phrases"]

    copy_key = f"responses/tenant=acme/dt={day}/{response_id}.jsonl.gz"
    event_key = f"raw/events/tenant=acme/dt={day}/survey-{response_id}.jsonl.gz"
    assert lake_keys(aws) == [event_key, copy_key]
    [copy] = aws.lake.read_jsonl(copy_key)
    assert copy["scores"] == [
        {"questionId": "nps", "kind": "nps", "value": 4},
        {"questionId": "csat", "kind": "csat", "value": 2},
        {"questionId": "ces", "kind": "ces", "value": 6},
        {"questionId": "stars", "kind": "rating", "value": 3},
    ]
    assert copy["comments"][0]["text"].endswith("[email]") and copy["comments"][0]["sentiment"] == "negative"
    assert (copy["userId"], copy["anonymousId"], copy["locationId"]) == ("user-42", "anon-42", "berlin-mitte")
    [event] = aws.lake.read_jsonl(event_key)
    assert event["event"] == "Survey Responded" and event["messageId"] == f"survey-{response_id}"
    assert event["properties"]["scores"] == {"nps": 4, "csat": 2, "ces": 6, "rating": 3}
    assert event["userId"] == "user-42" and event["anonymousId"] == "anon-42"


def test_an_anonymous_response_stays_off_the_timeline(aws: Runtime, tenant: TenantKeys) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        body = {"answers": {"nps": 10, "comment": "Toller Laden, ruf an: +49 171 2345678"}, "channel": "web"}
        status, _, _ = call(client, "POST", f"/v1/surveys/{survey_id}/responses", tenant.write_key, body)
    assert status == 201
    [item] = stored_docs(aws)
    assert "by_person_pk" not in item and item["language"] == "de"
    assert item["answers"]["comment"] == "Toller Laden, ruf an: [phone]"
    assert [k.split("/")[0] for k in lake_keys(aws)] == ["responses"]


def test_the_write_key_may_come_in_the_body_like_the_sdks_send_it(aws: Runtime, tenant: TenantKeys) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        response = client.http.post(
            f"/v1/surveys/{survey_id}/responses",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"writeKey": tenant.write_key, "answers": {"nps": 9}, "channel": "sms"}),
        )
    assert response.status_code == 201


def test_drafts_closed_unknown_and_foreign_surveys_take_no_responses(
    aws: Runtime, tenant: TenantKeys, other_tenant: TenantKeys
) -> None:
    body = {"answers": {"nps": 9}, "channel": "web"}
    with function_client("surveys") as client:
        status, draft, _ = call(client, "POST", "/v1/surveys", tenant.admin_key, NPS_SURVEY)
        path = f"/v1/surveys/{draft['surveyId']}/responses"
        status, error, _ = call(client, "POST", path, tenant.write_key, body)
        assert (status, error["code"]) == (409, "survey_not_active")
        assert error["message"] == f"survey '{draft['surveyId']}' is draft and does not accept responses"
        survey_id = active_survey(client, tenant)
        call(client, "POST", f"/v1/surveys/{survey_id}/close", tenant.admin_key)
        status, error, _ = call(client, "POST", f"/v1/surveys/{survey_id}/responses", tenant.write_key, body)
        assert (status, error["code"]) == (409, "survey_not_active") and "is closed" in error["message"]
        status, error, _ = call(client, "POST", "/v1/surveys/nope/responses", tenant.write_key, body)
        assert (status, error["message"]) == (404, "survey not found")
        status, error, _ = call(client, "POST", path, other_tenant.write_key, body)
        assert (status, error["message"]) == (404, "survey not found")
        for key in (tenant.read_key, tenant.admin_key):
            status, _, _ = call(client, "POST", path, key, body)
            assert status == 403
    assert stored_responses(aws) == [] and lake_keys(aws) == []
