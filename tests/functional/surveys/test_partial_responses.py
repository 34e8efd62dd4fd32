"""Partial responses: saved, completed later with the same id, and finished after a failure."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import TenantKeys, function_client
from tests.functional.surveys.support import NPS_SURVEY, Clock, active_survey, call, lake_keys, stored_docs
from touchpoint.runtime import Runtime


def _item(runtime: Runtime) -> dict[str, Any]:
    [doc] = stored_docs(runtime)
    return doc


def test_a_partial_response_is_completed_with_the_same_id(
    aws: Runtime, tenant: TenantKeys, clock: Clock
) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        base = f"/v1/surveys/{survey_id}/responses"
        partial = {"answers": {"csat": 4}, "channel": "in_app", "userId": "u1", "complete": False}
        status, saved, _ = call(client, "POST", base, tenant.write_key, partial)
        assert status == 201 and saved["complete"] is False  # the required NPS may come later
        response_id = saved["responseId"]
        day = clock.now.date().isoformat()
        copy_key = f"responses/tenant=acme/dt={day}/{response_id}.jsonl.gz"
        assert lake_keys(aws) == [copy_key]  # no timeline event for a partial response
        assert aws.lake.read_jsonl(copy_key)[0]["complete"] is False

        clock.advance(minutes=5)
        finish = {"answers": {"nps": 3, "improve": "Der Versand dauerte leider zu lange."}}
        status, done, _ = call(client, "PUT", f"{base}/{response_id}", tenant.write_key, finish)
        assert status == 200 and done["complete"] is True and done["responseId"] == response_id

        item = _item(aws)
        assert item["answers"] == {"csat": 4, "nps": 3, "improve": "Der Versand dauerte leider zu lange."}
        assert item["channel"] == "in_app" and item["user_id"] == "u1"
        assert item["started_at"] < item["submitted_at"] == item["completed_at"]
        [copy] = aws.lake.read_jsonl(copy_key)
        assert copy["complete"] is True and [s["kind"] for s in copy["scores"]] == ["nps", "csat"]
        assert copy["comments"][0]["sentiment"] == "negative"
        assert f"raw/events/tenant=acme/dt={day}/survey-{response_id}.jsonl.gz" in lake_keys(aws)

        status, error, _ = call(client, "PUT", f"{base}/{response_id}", tenant.write_key, finish)
        assert (status, error["code"]) == (409, "response_complete")
        assert error["message"] == f"response '{response_id}' is complete already and cannot be changed"


def test_a_partial_completed_on_another_day_moves_its_lake_copy(
    aws: Runtime, tenant: TenantKeys, clock: Clock
) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        base = f"/v1/surveys/{survey_id}/responses"
        body = {"answers": {"nps": 10}, "channel": "email", "anonymousId": "a1", "complete": False}
        _, saved, _ = call(client, "POST", base, tenant.write_key, body)
        first_day = clock.now.date()
        clock.advance(days=1)
        status, _, _ = call(client, "PUT", f"{base}/{saved['responseId']}", tenant.write_key, {"answers": {}})
    assert status == 200
    second_day = clock.now.date()
    response_id = saved["responseId"]
    assert lake_keys(aws, "responses/") == [f"responses/tenant=acme/dt={second_day}/{response_id}.jsonl.gz"]
    assert _item(aws)["by_day_pk"] == f"TENANT#acme#DAY#{second_day}"
    assert first_day != second_day


def test_a_partial_can_be_saved_twice_and_null_clears_an_answer(aws: Runtime, tenant: TenantKeys) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        base = f"/v1/surveys/{survey_id}/responses"
        _, saved, _ = call(
            client,
            "POST",
            base,
            tenant.write_key,
            {"answers": {"csat": 2, "ces": 3}, "channel": "web", "complete": False},
        )
        path = f"{base}/{saved['responseId']}"
        status, again, _ = call(
            client, "PUT", path, tenant.write_key, {"answers": {"ces": None}, "complete": False}
        )
        assert status == 200 and again["complete"] is False
        assert _item(aws)["answers"] == {"csat": 2}
        status, error, _ = call(client, "PUT", path, tenant.write_key, {"answers": {}})
        assert status == 400 and error["errors"] == [
            {"field": "answers.nps", "message": "question 'nps' (nps) is required"}
        ]
        assert _item(aws)["complete"] is False


@pytest.mark.parametrize(
    ("response_id", "body", "status", "code", "message"),
    [
        ("r-does-not-exist", {"answers": {"nps": 9}}, 404, "not_found", "response not found"),
        ("bad", {"answers": {"nps": 9}}, 400, "validation_error", "a response id has 8-64 letters"),
        (
            None,
            {"answers": {"nps": 9}, "userId": "someone-else"},
            409,
            "response_conflict",
            "userId does not match",
        ),
        (None, {"answers": {"nps": 99}}, 400, "validation_error", "takes a whole number from 0 to 10"),
        (None, {"answers": {"nps": 9}, "channel": "fax"}, 400, "validation_error", "Input should be 'email'"),
    ],
)
def test_a_bad_completion_changes_nothing(
    aws: Runtime,
    tenant: TenantKeys,
    response_id: str | None,
    body: dict[str, Any],
    status: int,
    code: str,
    message: str,
) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        base = f"/v1/surveys/{survey_id}/responses"
        partial = {"answers": {"csat": 3}, "channel": "web", "userId": "u1", "complete": False}
        _, saved, _ = call(client, "POST", base, tenant.write_key, partial)
        before = (_item(aws), {k: aws.lake.get_bytes(k) for k in lake_keys(aws)})
        got, error, _ = call(
            client, "PUT", f"{base}/{response_id or saved['responseId']}", tenant.write_key, body
        )
    assert (got, error["code"]) == (status, code) and message in error["message"]
    assert (_item(aws), {k: aws.lake.get_bytes(k) for k in lake_keys(aws)}) == before


def test_a_completion_that_failed_half_way_is_finished_by_a_retry(
    aws: Runtime, tenant: TenantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    with function_client("surveys") as client:
        definition = {**NPS_SURVEY, "incentive": {"kind": "pool", "codes": ["CODE-1", "CODE-2"]}}
        survey_id = active_survey(client, tenant, definition)
        base = f"/v1/surveys/{survey_id}/responses"
        _, saved, _ = call(
            client,
            "POST",
            base,
            tenant.write_key,
            {"answers": {"csat": 5}, "channel": "web", "userId": "u1", "complete": False},
        )
        response_id = saved["responseId"]

        real_put = aws.lake.put_jsonl
        calls = {"n": 0}

        def failing_put(key: str, records: Any, metadata: Any = None) -> int:
            calls["n"] += 1
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "PutObject")

        monkeypatch.setattr(aws.lake, "put_jsonl", failing_put)
        status, error, _ = call(
            client, "PUT", f"{base}/{response_id}", tenant.write_key, {"answers": {"nps": 9}}
        )
        assert (status, error["code"], error["field"]) == (503, "response_unfinished", "responseId")
        assert error["message"] == (
            f"response '{response_id}' was stored but could not be finished; "
            f"retry with PUT /v1/surveys/{survey_id}/responses/{response_id}"
        )
        assert calls["n"] == 1
        item = _item(aws)
        assert item["complete"] is True and item["lake_written"] is False  # stored, not yet finished

        monkeypatch.setattr(aws.lake, "put_jsonl", real_put)
        status, done, _ = call(
            client, "PUT", f"{base}/{response_id}", tenant.write_key, {"answers": {"nps": 9}}
        )
        assert status == 200 and done["couponCode"] == "CODE-1"  # the code claimed before the failure
        assert _item(aws)["lake_written"] is True
        status, _, _ = call(client, "PUT", f"{base}/{response_id}", tenant.write_key, {"answers": {"nps": 9}})
        assert status == 409
        status, view, _ = call(client, "GET", f"/v1/surveys/{survey_id}", tenant.admin_key)
        assert view["incentive"]["issued"] == 1
    day_copy = [k for k in lake_keys(aws) if k.startswith("responses/")]
    assert len(day_copy) == 1 and aws.lake.read_jsonl(day_copy[0])[0]["complete"] is True


def test_a_new_response_whose_copy_failed_is_finished_through_its_location(
    aws: Runtime, tenant: TenantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        real_put = aws.lake.put_jsonl

        def failing_put(key: str, records: Any, metadata: Any = None) -> int:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, "PutObject")

        monkeypatch.setattr(aws.lake, "put_jsonl", failing_put)
        body = {"answers": {"nps": 10}, "channel": "web", "userId": "u1"}
        status, error, headers = call(
            client, "POST", f"/v1/surveys/{survey_id}/responses", tenant.write_key, body
        )
        assert (status, error["code"]) == (503, "response_unfinished") and headers["Retry-After"] == "1"
        location = headers["Location"]
        assert location.startswith(f"/v1/surveys/{survey_id}/responses/r")
        assert lake_keys(aws) == [] and _item(aws)["lake_written"] is False

        monkeypatch.setattr(aws.lake, "put_jsonl", real_put)
        status, done, _ = call(client, "PUT", location, tenant.write_key, {"answers": {"nps": 10}})
        assert status == 200 and done["responseId"] == location.rsplit("/", 1)[1]
        assert _item(aws)["lake_written"] is True and len(lake_keys(aws)) == 2
