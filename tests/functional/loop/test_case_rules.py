"""Cases opened by the tenant's rules for answers taken through the survey API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalice.test import Client

from tests.conftest import TenantKeys, function_client
from tests.functional.surveys.support import active_survey, call
from touchpoint.models.case_rules import CaseRule, CaseRules
from touchpoint.runtime import Runtime
from touchpoint.storage.cases import CaseQuery


def _answer(client: Client, tenant: TenantKeys, survey_id: str, **body: Any) -> dict[str, Any]:
    body.setdefault("channel", "in_store")
    status, answer, _ = call(client, "POST", f"/v1/surveys/{survey_id}/responses", tenant.write_key, body)
    assert status in (200, 201), answer
    return dict(answer)


def _cases(aws: Runtime) -> list[Any]:
    return [case for case, _ in aws.cases.listing("acme", CaseQuery(), None)]


def test_a_detractor_opens_one_case_and_a_promoter_none(aws: Runtime, tenant: TenantKeys) -> None:
    aws.locations.create_location("acme", "berlin", "Berlin")
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        _answer(client, tenant, survey_id, answers={"nps": 10}, locationId="berlin")
        assert _cases(aws) == []
        answer = _answer(
            client,
            tenant,
            survey_id,
            answers={"nps": 3, "improve": "Die Kasse war zu langsam"},
            locationId="berlin",
        )
    [case] = _cases(aws)
    assert case.response_id == answer["responseId"]
    assert (case.source, case.trigger, case.band, case.detractor) == (
        "answer",
        "nps_detractor",
        "nps_detractor",
        True,
    )
    assert case.location_id == "berlin" and case.status == "new"
    assert (case.due_at - case.opened_at).total_seconds() == 48 * 3600
    record = aws.cases.record("acme", case.case_id)
    assert record is not None and [h.action for h in record.history] == ["opened"]
    # every item of the case goes with the answer's retention (TTL)
    stored = aws.responses.get("acme", case.survey_id or "", answer["responseId"])
    assert stored is not None and case.expires_at == int(
        (stored.submitted_at + timedelta(days=730)).timestamp()
    )
    items = aws.clients.dynamodb.scan(TableName=aws.settings.cases_table)["Items"]
    assert {i["expires_at"]["N"] for i in items} == {str(case.expires_at)}


def test_opening_again_for_the_same_answer_opens_none(aws: Runtime, tenant: TenantKeys) -> None:
    from touchpoint.loop.case_rules import open_case_for_answer

    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        answer = _answer(client, tenant, survey_id, answers={"nps": 9, "csat": 1})
    survey = aws.surveys.get("acme", survey_id)
    response = aws.responses.get("acme", survey_id, answer["responseId"])
    assert survey is not None and response is not None
    open_case_for_answer(aws, survey, response)
    open_case_for_answer(aws, survey, response)
    [case] = _cases(aws)
    assert case.trigger == "csat_low"
    record = aws.cases.record("acme", case.case_id)
    assert record is not None and len(record.history) == 1


def test_disabled_and_location_limited_rules_open_nothing(aws: Runtime, tenant: TenantKeys) -> None:
    aws.locations.create_location("acme", "berlin", "Berlin")
    aws.locations.create_location("acme", "hamburg", "Hamburg")
    rules = CaseRules(
        rules={"nps_detractor": CaseRule(locations=["hamburg"]), "negative_comment": CaseRule(enabled=False)}
    )
    aws.cases.save_rules("acme", rules)
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        _answer(client, tenant, survey_id, answers={"nps": 2}, locationId="berlin")
        _answer(
            client, tenant, survey_id, answers={"nps": 8, "comment": "Schrecklich, nie wieder, furchtbar"}
        )
        assert _cases(aws) == []
        _answer(client, tenant, survey_id, answers={"nps": 2}, locationId="hamburg")
    assert [c.location_id for c in _cases(aws)] == ["hamburg"]


def test_a_negative_comment_opens_a_case(aws: Runtime, tenant: TenantKeys) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        _answer(
            client,
            tenant,
            survey_id,
            answers={"nps": 8, "comment": "Schrecklich, nie wieder, furchtbar unfreundlich"},
        )
    [case] = _cases(aws)
    assert (case.trigger, case.sentiment, case.band) == ("negative_comment", "negative", "nps_passive")
