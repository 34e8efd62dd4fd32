"""A respondent cannot answer the same survey twice inside the tenant's repeat window."""

from __future__ import annotations

from typing import Any

from tests.conftest import TenantKeys, function_client
from tests.functional.surveys.support import Clock, active_survey, call, lake_keys, stored_responses
from touchpoint.models.tenants import TenantConfig
from touchpoint.runtime import Runtime


def _answer(client: Any, key: str, survey_id: str, **who: Any) -> tuple[int, Any]:
    body = {"answers": {"nps": 9}, "channel": "email", **who}
    status, result, _ = call(client, "POST", f"/v1/surveys/{survey_id}/responses", key, body)
    return status, result


def test_a_second_answer_inside_the_window_is_refused_and_allowed_after_it(
    aws: Runtime, tenant: TenantKeys, clock: Clock
) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        assert _answer(client, tenant.write_key, survey_id, userId="u1")[0] == 201
        lake_before = lake_keys(aws)

        clock.advance(days=29)
        status, error = _answer(client, tenant.write_key, survey_id, userId="u1")
        assert (status, error["code"]) == (409, "duplicate_response")
        assert error["message"] == (
            f"this respondent already answered survey '{survey_id}' within the last 30 days"
        )
        # The same person known by the anonymousId of the first answer is the same respondent.
        assert _answer(client, tenant.write_key, survey_id, userId="u2", anonymousId="x")[0] == 201
        status, _ = _answer(client, tenant.write_key, survey_id, anonymousId="x")
        assert status == 409
        assert len(stored_responses(aws)) == 2
        assert set(lake_before) < set(lake_keys(aws)) and len(lake_keys(aws)) == 4

        clock.advance(days=1, seconds=1)
        assert _answer(client, tenant.write_key, survey_id, userId="u1")[0] == 201
        # Another survey, and anonymous respondents, are never limited.
        other = active_survey(client, tenant)
        assert _answer(client, tenant.write_key, other, userId="u1")[0] == 201
        assert _answer(client, tenant.write_key, survey_id)[0] == 201
        assert _answer(client, tenant.write_key, survey_id)[0] == 201


def test_an_open_partial_response_blocks_a_new_one_but_can_be_completed(tenant: TenantKeys) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        base = f"/v1/surveys/{survey_id}/responses"
        body = {"answers": {"csat": 3}, "channel": "in_app", "userId": "u1", "complete": False}
        _, saved, _ = call(client, "POST", base, tenant.write_key, body)
        assert _answer(client, tenant.write_key, survey_id, userId="u1")[0] == 409
        status, _, _ = call(
            client, "PUT", f"{base}/{saved['responseId']}", tenant.write_key, {"answers": {"nps": 8}}
        )
        assert status == 200


def test_a_window_of_zero_days_allows_repeated_answers(aws: Runtime, tenant: TenantKeys) -> None:
    aws.tenants.update_config(tenant.tenant_id, TenantConfig(survey_repeat_window_days=0))
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        assert [_answer(client, tenant.write_key, survey_id, userId="u1")[0] for _ in range(3)] == [201] * 3


def test_the_window_is_set_per_tenant(aws: Runtime, tenant: TenantKeys, clock: Clock) -> None:
    aws.tenants.update_config(tenant.tenant_id, TenantConfig(survey_repeat_window_days=7))
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        assert _answer(client, tenant.write_key, survey_id, userId="u1")[0] == 201
        clock.advance(days=6)
        status, error = _answer(client, tenant.write_key, survey_id, userId="u1")
        assert status == 409 and "within the last 7 days" in error["message"]
        clock.advance(days=1, seconds=1)
        assert _answer(client, tenant.write_key, survey_id, userId="u1")[0] == 201
