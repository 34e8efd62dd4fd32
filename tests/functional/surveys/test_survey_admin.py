"""Admin API: create, read, list, update, activate and close surveys; who may do what."""

from __future__ import annotations

from typing import Any

from tests.conftest import TenantKeys, function_client
from tests.functional.surveys.support import NPS_SURVEY, active_survey, call
from touchpoint.runtime import Runtime


def _config_items(runtime: Runtime) -> list[dict[str, Any]]:
    items = runtime.clients.dynamodb.scan(TableName=runtime.settings.config_table)["Items"]
    return [i for i in items if "SURVEY#" in i["sk"]["S"] or "COUPON" in i["pk"]["S"] + i["sk"]["S"]]


def test_create_get_list_activate_close(tenant: TenantKeys) -> None:
    with function_client("surveys") as client:
        status, created, _ = call(client, "POST", "/v1/surveys", tenant.admin_key, NPS_SURVEY)
        assert status == 201
        survey_id = created["surveyId"]
        assert created["status"] == "draft" and created["version"] == 1
        assert created["languages"] == ["de", "en"] and len(created["questions"]) == 8
        assert created["questions"][1]["showIf"] == {"questionId": "nps", "min": 0, "max": 6}
        assert "tenantId" not in created

        status, fetched, _ = call(client, "GET", f"/v1/surveys/{survey_id}", tenant.admin_key)
        assert status == 200 and fetched == created

        status, active, _ = call(client, "POST", f"/v1/surveys/{survey_id}/activate", tenant.admin_key)
        assert status == 200 and active["status"] == "active" and active["version"] == 2
        assert active["activatedAt"]
        status, again, _ = call(client, "POST", f"/v1/surveys/{survey_id}/activate", tenant.admin_key)
        assert status == 200 and again["version"] == 2  # activating an active survey changes nothing

        status, listed, _ = call(client, "GET", "/v1/surveys?status=active", tenant.admin_key)
        assert status == 200 and [s["surveyId"] for s in listed["surveys"]] == [survey_id]
        status, closed, _ = call(client, "POST", f"/v1/surveys/{survey_id}/close", tenant.admin_key)
        assert status == 200 and closed["status"] == "closed" and closed["closedAt"]
        status, listed, _ = call(client, "GET", "/v1/surveys?status=active", tenant.admin_key)
        assert listed["surveys"] == []
        status, listed, _ = call(client, "GET", "/v1/surveys", tenant.admin_key)
        assert [s["status"] for s in listed["surveys"]] == ["closed"]


def test_a_chosen_survey_id_is_kept_and_cannot_be_taken_twice(tenant: TenantKeys) -> None:
    with function_client("surveys") as client:
        body = {**NPS_SURVEY, "surveyId": "nps-2026", "incentive": {"kind": "pool", "codes": ["A", "B"]}}
        status, created, _ = call(client, "POST", "/v1/surveys", tenant.admin_key, body)
        assert status == 201 and created["surveyId"] == "nps-2026"
        again = {**body, "incentive": {"kind": "pool", "codes": ["C"]}}
        status, error, _ = call(client, "POST", "/v1/surveys", tenant.admin_key, again)
        assert status == 409 and error["code"] == "survey_exists" and error["field"] == "surveyId"
        assert error["message"] == "a survey with id 'nps-2026' exists already"
        status, stored, _ = call(client, "GET", "/v1/surveys/nps-2026", tenant.admin_key)
        assert stored["incentive"]["poolSize"] == 2  # the refused definition added no codes


def test_update_rules_follow_the_status(tenant: TenantKeys) -> None:
    with function_client("surveys") as client:
        status, created, _ = call(client, "POST", "/v1/surveys", tenant.admin_key, NPS_SURVEY)
        survey_id = created["surveyId"]
        draft_change = {**NPS_SURVEY, "name": "Renamed", "questions": NPS_SURVEY["questions"][:1]}
        status, updated, _ = call(client, "PUT", f"/v1/surveys/{survey_id}", tenant.admin_key, draft_change)
        assert status == 200 and updated["name"] == "Renamed" and updated["version"] == 2
        assert len(updated["questions"]) == 1

        status, error, _ = call(
            client, "PUT", f"/v1/surveys/{survey_id}", tenant.admin_key, {**NPS_SURVEY, "version": 1}
        )
        assert status == 409 and error["code"] == "version_conflict"

        call(client, "POST", f"/v1/surveys/{survey_id}/activate", tenant.admin_key)
        retyped = {**NPS_SURVEY, "questions": [{**NPS_SURVEY["questions"][0], "kind": "csat"}]}
        status, error, _ = call(client, "PUT", f"/v1/surveys/{survey_id}", tenant.admin_key, retyped)
        assert status == 409 and error["code"] == "survey_change_not_allowed"
        assert error["message"] == "question 'nps' is nps and cannot become csat while the survey is active"
        status, stored, _ = call(client, "GET", f"/v1/surveys/{survey_id}", tenant.admin_key)
        assert stored["questions"][0]["kind"] == "nps" and stored["version"] == 3

        reworded = {
            **NPS_SURVEY,
            "questions": [{**NPS_SURVEY["questions"][0], "text": {"de": "Neu", "en": "New"}}],
        }
        status, updated, _ = call(client, "PUT", f"/v1/surveys/{survey_id}", tenant.admin_key, reworded)
        assert status == 200 and updated["questions"][0]["text"] == {"de": "Neu", "en": "New"}

        call(client, "POST", f"/v1/surveys/{survey_id}/close", tenant.admin_key)
        status, error, _ = call(client, "PUT", f"/v1/surveys/{survey_id}", tenant.admin_key, reworded)
        assert status == 409 and "is closed" in error["message"]


def test_key_kinds_and_tenants(tenant: TenantKeys, other_tenant: TenantKeys) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        for key in (tenant.read_key, tenant.write_key):
            status, error, _ = call(client, "POST", "/v1/surveys", key, NPS_SURVEY)
            assert status == 403 and error["code"] == "forbidden"
        status, _, _ = call(client, "GET", "/v1/surveys", tenant.read_key)
        assert status == 403
        status, _, _ = call(client, "GET", f"/v1/surveys/{survey_id}", tenant.read_key)
        assert status == 403
        # Another tenant's keys never learn the survey exists.
        for path, method in [
            (f"/v1/surveys/{survey_id}", "GET"),
            (f"/v1/surveys/{survey_id}/activate", "POST"),
            (f"/v1/surveys/{survey_id}/close", "POST"),
            (f"/v1/surveys/{survey_id}/responses", "GET"),
            (f"/v1/responses/export?survey_id={survey_id}", "GET"),
        ]:
            status, error, _ = call(client, method, path, other_tenant.admin_key)
            assert (status, error["message"]) == (404, "survey not found"), path
        status, error, _ = call(client, "PUT", f"/v1/surveys/{survey_id}", other_tenant.admin_key, NPS_SURVEY)
        assert status == 404
        status, error, _ = call(client, "GET", f"/v1/surveys/{survey_id}", other_tenant.write_key)
        assert status == 404
        path = f"/v1/surveys/{survey_id}/responses/r-0000000001"
        status, error, _ = call(client, "PUT", path, other_tenant.write_key, {"answers": {"nps": 1}})
        assert (status, error["message"]) == (404, "survey not found")
        status, listed, _ = call(client, "GET", "/v1/surveys", other_tenant.admin_key)
        assert listed["surveys"] == []
        status, _, _ = call(client, "GET", "/v1/surveys/nope", tenant.admin_key)
        assert status == 404


def test_a_write_key_sees_active_surveys_as_respondents_do(tenant: TenantKeys) -> None:
    definition = {
        **NPS_SURVEY,
        "incentive": {"kind": "pool", "codes": ["A1", "B2"], "note": {"de": "Danke!"}},
    }
    with function_client("surveys") as client:
        status, created, _ = call(client, "POST", "/v1/surveys", tenant.admin_key, definition)
        survey_id = created["surveyId"]
        status, _, _ = call(client, "GET", f"/v1/surveys/{survey_id}", tenant.write_key)
        assert status == 404  # a draft is not shown to respondents
        call(client, "POST", f"/v1/surveys/{survey_id}/activate", tenant.admin_key)
        status, view, _ = call(client, "GET", f"/v1/surveys/{survey_id}", tenant.write_key)
        assert status == 200
        assert set(view) == {
            "surveyId",
            "name",
            "defaultLanguage",
            "title",
            "questions",
            "status",
            "languages",
            "incentiveNote",
        }
        assert view["incentiveNote"] == {"de": "Danke!"}
        status, admin_view, _ = call(client, "GET", f"/v1/surveys/{survey_id}", tenant.admin_key)
        assert admin_view["incentive"] == {
            "kind": "pool",
            "note": {"de": "Danke!"},
            "poolSize": 2,
            "issued": 0,
            "remaining": 2,
        }
        assert "A1" not in str(admin_view) and "A1" not in str(view)
