"""Store scope on every case route (a Berlin manager never sees Hamburg's cases) and the case rules API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.conftest import team_session
from tests.functional.loop.conftest import LoopEnv, sent_messages
from touchpoint.storage.dynamo import from_item

CONSENT = {"email": "hans@example.org", "consent": True}


def _items(loop: LoopEnv) -> list[dict[str, Any]]:
    items = loop.runtime.clients.dynamodb.scan(TableName=loop.runtime.settings.cases_table)["Items"]
    return sorted((from_item(i) for i in items), key=lambda i: (i["pk"], i["sk"]))


def test_a_berlin_manager_sees_and_changes_only_berlin_cases(loop: LoopEnv) -> None:
    berlin = loop.case_id(loop.answer(2, location="berlin"))
    hamburg = loop.case_id(loop.answer(2, location="hamburg", contact=CONSENT))
    nowhere = loop.case_id(loop.answer(2, location=None))
    manager = team_session(loop.runtime, "acme", "editor", email="bea@acme.example", locations=("berlin",))
    status, body = loop.call("GET", "/v1/cases", manager)
    assert status == 200 and [c["caseId"] for c in body["cases"]] == [berlin]
    assert loop.call("GET", "/v1/cases?location_id=hamburg", manager)[0] == 404
    before = _items(loop)
    for case_id in (hamburg, nowhere):
        assert loop.call("GET", f"/v1/cases/{case_id}", manager)[0] == 404
        assert loop.call("PATCH", f"/v1/cases/{case_id}", manager, {"status": "resolved"})[0] == 404
        assert loop.call("POST", f"/v1/cases/{case_id}/replies", manager, {"body": "Hallo"})[0] == 404
    hamburg_answer = loop.runtime.cases.get("acme", hamburg)
    assert hamburg_answer is not None
    opening = {"responseId": hamburg_answer.response_id, "surveyId": loop.survey_id}
    assert loop.call("POST", "/v1/cases", manager, opening)[0] == 404
    assert loop.call("POST", "/v1/cases", manager, {"personId": "user-1", "locationId": "hamburg"})[0] == 404
    assert loop.call("POST", "/v1/cases", manager, {"personId": "user-1"})[0] == 404
    assert _items(loop) == before and sent_messages() == []
    assert loop.call("PATCH", f"/v1/cases/{berlin}", manager, {"status": "in_progress"})[0] == 200
    # a Hamburg-only colleague cannot be assigned to a Berlin case
    team_session(loop.runtime, "acme", "editor", email="hugo@acme.example", locations=("hamburg",))
    status, body = loop.call("PATCH", f"/v1/cases/{berlin}", manager, {"assignee": "hugo@acme.example"})
    assert (status, body["field"]) == (400, "assignee")


def test_other_tenants_see_no_case(loop: LoopEnv, other_tenant: Any) -> None:
    case_id = loop.case_id(loop.answer(2))
    assert loop.call("GET", "/v1/cases", other_tenant.read_key)[1]["cases"] == []
    assert loop.call("GET", f"/v1/cases/{case_id}", other_tenant.read_key)[0] == 404
    assert (
        loop.call("PATCH", f"/v1/cases/{case_id}", other_tenant.admin_key, {"status": "resolved"})[0] == 404
    )


def test_case_rules_are_read_and_replaced_by_admins(loop: LoopEnv) -> None:
    status, rules = loop.call("GET", "/v1/cases/rules", loop.tenant.admin_key)
    assert status == 200 and rules["slaHours"] == 48
    assert rules["rules"] == {
        name: {"enabled": True, "locations": None}
        for name in ("nps_detractor", "csat_low", "ces_high_effort", "negative_comment")
    }
    new = {
        "rules": {"nps_detractor": {"locations": ["hamburg"]}, "negative_comment": {"enabled": False}},
        "slaHours": 24,
    }
    status, saved = loop.call("PUT", "/v1/cases/rules", loop.tenant.admin_key, new)
    assert status == 200 and saved["slaHours"] == 24 and saved["rules"]["csat_low"]["enabled"] is True
    assert loop.call("GET", "/v1/cases/rules", loop.tenant.admin_key)[1] == saved
    loop.answer(1, location="berlin")  # the rule is now only for Hamburg
    hamburg = loop.case_id(loop.answer(1, location="hamburg"))
    [case] = loop.call("GET", "/v1/cases", loop.tenant.read_key)[1]["cases"]
    assert case["caseId"] == hamburg
    due, opened = datetime.fromisoformat(case["dueAt"]), datetime.fromisoformat(case["openedAt"])
    assert due - opened == timedelta(hours=24)


def test_bad_rules_and_callers_are_refused_and_nothing_is_stored(loop: LoopEnv) -> None:
    admin = team_session(loop.runtime, "acme", "admin", email="ada@acme.example")
    body: Any
    for body in (
        {"slaHours": 0},
        {"slaHours": 721},
        {"rules": {"unknown_rule": {}}},
        {"rules": {"csat_low": {"locations": []}}},
        {"rules": {"csat_low": {"locations": ["bad store!"]}}},
        {"rules": {"csat_low": {"enabled": "sometimes"}}},
        {"sla": 5},
        [],
    ):
        status, answer = loop.call("PUT", "/v1/cases/rules", admin, body)
        assert status == 400, (body, answer)
    assert loop.call("PUT", "/v1/cases/rules", loop.tenant.read_key, {"slaHours": 5})[0] == 403
    assert loop.call("GET", "/v1/cases/rules", loop.tenant.read_key)[0] == 403
    manager = team_session(loop.runtime, "acme", "editor", email="bea@acme.example", locations=("berlin",))
    assert loop.call("PUT", "/v1/cases/rules", manager, {"slaHours": 5})[0] == 403
    assert _items(loop) == []
