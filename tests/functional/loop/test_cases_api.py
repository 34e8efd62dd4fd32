"""The case API through the insights function: listing, reading, changing and opening cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.conftest import team_session
from tests.functional.loop.conftest import LoopEnv
from touchpoint.storage.dynamo import from_item

EMAIL = "erika@example.org"


def _items(loop: LoopEnv) -> list[dict[str, Any]]:
    table = loop.runtime.settings.cases_table
    return sorted(
        (from_item(i) for i in loop.runtime.clients.dynamodb.scan(TableName=table)["Items"]),
        key=lambda i: (i["pk"], i["sk"]),
    )


def test_detractors_are_listed_newest_first_with_filters_and_pages(loop: LoopEnv) -> None:
    first = loop.answer(2, location="berlin")
    loop.answer(9, location="berlin")  # a promoter opens no case
    second = loop.answer(5, location="hamburg")
    status, body = loop.call("GET", "/v1/cases", loop.tenant.read_key)
    assert status == 200, body
    assert [c["responseId"] for c in body["cases"]] == [second, first] and body["next"] is None
    case = body["cases"][0]
    assert (case["status"], case["source"], case["trigger"], case["band"]) == (
        "new",
        "answer",
        "nps_detractor",
        "nps_detractor",
    )
    assert case["overdue"] is False and case["version"] == 1
    status, body = loop.call("GET", "/v1/cases?location_id=berlin", loop.tenant.read_key)
    assert [c["responseId"] for c in body["cases"]] == [first]
    status, body = loop.call("GET", "/v1/cases?status=resolved", loop.tenant.read_key)
    assert body["cases"] == []
    status, page = loop.call("GET", "/v1/cases?limit=1", loop.tenant.read_key)
    assert [c["responseId"] for c in page["cases"]] == [second] and page["next"]
    status, rest = loop.call("GET", f"/v1/cases?limit=1&cursor={page['next']}", loop.tenant.read_key)
    assert [c["responseId"] for c in rest["cases"]] == [first] and rest["next"] is None
    status, body = loop.call("GET", "/v1/cases?from=2000-01-01&to=2000-01-31", loop.tenant.read_key)
    assert status == 200 and body["cases"] == []


def test_bad_listing_parameters_are_400(loop: LoopEnv) -> None:
    for query, field in (
        ("status=closed", "status"),
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("from=2024-13-01", "from"),
        ("from=2024-02-01&to=2024-01-01", "from"),
    ):
        status, body = loop.call("GET", f"/v1/cases?{query}", loop.tenant.read_key)
        assert (status, body["field"]) == (400, field), query


def test_a_cursor_of_another_tenant_is_refused(loop: LoopEnv, other_tenant: Any) -> None:
    import base64
    import json

    position = {
        "t": "globex",
        "pk": "TENANT#globex#CASE#x",
        "sk": "CASE",
        "tenant_pk": "TENANT#globex",
        "list_sk": "z",
    }
    stolen = base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")
    status, body = loop.call("GET", f"/v1/cases?cursor={stolen}", loop.tenant.read_key)
    assert (status, body["field"]) == (400, "cursor")


def test_a_case_holds_the_answer_history_and_consent_but_never_the_contact(loop: LoopEnv) -> None:
    with_contact = loop.answer(
        3, comment="Die Kasse war zu langsam", contact={"email": EMAIL, "consent": True}
    )
    without = loop.answer(4)
    status, case = loop.call("GET", f"/v1/cases/{loop.case_id(with_contact)}", loop.tenant.read_key)
    assert status == 200, case
    assert case["contactConsent"] is True and EMAIL not in str(case)
    assert case["answer"]["scores"] == [{"questionId": "nps", "kind": "nps", "value": 3}]
    assert case["answer"]["comments"][0]["text"] == "Die Kasse war zu langsam"
    assert [h["action"] for h in case["history"]] == ["opened"]
    assert case["history"][0]["actor"] == "system:case_rules"
    status, case = loop.call("GET", f"/v1/cases/{loop.case_id(without)}", loop.tenant.read_key)
    assert case["contactConsent"] is False
    for missing in ("20200101000000-nothing", "not a case id", "x" * 300):
        assert loop.call("GET", f"/v1/cases/{missing}", loop.tenant.read_key)[0] == 404


def test_status_assignee_and_notes_change_with_history_and_versions(loop: LoopEnv) -> None:
    case_id = loop.case_id(loop.answer(1))
    editor = team_session(loop.runtime, "acme", "editor", email="eva@acme.example")
    status, case = loop.call(
        "PATCH", f"/v1/cases/{case_id}", loop.tenant.admin_key, {"status": "in_progress"}
    )
    assert (status, case["status"], case["version"]) == (200, "in_progress", 2)
    # the same status again is a no-op: no history entry, no new version
    status, case = loop.call(
        "PATCH", f"/v1/cases/{case_id}", loop.tenant.admin_key, {"status": "in_progress"}
    )
    assert (status, case["version"]) == (200, 2)
    status, case = loop.call(
        "PATCH", f"/v1/cases/{case_id}", editor, {"assignee": "Eva@acme.example", "note": "Rufe morgen an"}
    )
    assert (status, case["assignee"], case["version"]) == (200, "eva@acme.example", 3), case
    status, case = loop.call("PATCH", f"/v1/cases/{case_id}", editor, {"status": "resolved"})
    assert case["resolvedAt"] and case["status"] == "resolved"
    status, case = loop.call("PATCH", f"/v1/cases/{case_id}", editor, {"status": "in_progress"})  # reopen
    assert case["resolvedAt"] is None and case["status"] == "in_progress"
    status, case = loop.call("PATCH", f"/v1/cases/{case_id}", editor, {"assignee": None})
    assert case["assignee"] is None
    status, full = loop.call("GET", f"/v1/cases/{case_id}", loop.tenant.read_key)
    assert [(h["action"], h["actor"].split(":")[0]) for h in full["history"]] == [
        ("opened", "system"),
        ("status", "key"),
        ("assigned", "user"),
        ("note", "user"),
        ("status", "user"),
        ("status", "user"),
        ("assigned", "user"),
    ]
    assert full["history"][4]["detail"] == {"from": "in_progress", "to": "resolved"}
    assert [n["text"] for n in full["notes"]] == ["Rufe morgen an"]
    assert full["notes"][0]["actor"] == "user:eva@acme.example"


def test_bad_changes_are_refused_and_change_nothing(loop: LoopEnv) -> None:
    case_id = loop.case_id(loop.answer(1))
    loop.call("PATCH", f"/v1/cases/{case_id}", loop.tenant.admin_key, {"status": "in_progress"})
    before = _items(loop)
    for body, status, code in (
        ({"status": "new"}, 409, "invalid_transition"),
        ({"status": "closed"}, 400, "validation_error"),
        ({}, 400, "validation_error"),
        ({"colour": "red"}, 400, "validation_error"),
        ({"assignee": "nobody@acme.example"}, 400, "invalid_request"),
        ({"assignee": "not an address"}, 400, "validation_error"),
        ({"note": "   "}, 400, "validation_error"),
        ({"note": "x" * 4001}, 400, "validation_error"),
        ({"status": "resolved", "version": 1}, 409, "case_changed"),
        ("[1, 2]", 400, "invalid_request"),
        ("{not json", 400, None),
    ):
        got, answer = loop.call("PATCH", f"/v1/cases/{case_id}", loop.tenant.admin_key, body)
        assert got == status, (body, answer)
        if code:
            assert answer["code"] == code, (body, answer)
    assert _items(loop) == before
    assert loop.call("PATCH", f"/v1/cases/{case_id}", loop.tenant.read_key, {"status": "resolved"})[0] == 403
    assert _items(loop) == before


def test_a_resolved_case_goes_only_back_to_in_progress(loop: LoopEnv) -> None:
    case_id = loop.case_id(loop.answer(1))
    loop.call("PATCH", f"/v1/cases/{case_id}", loop.tenant.admin_key, {"status": "resolved"})
    for wanted in ("new", "waiting_for_customer"):
        status, body = loop.call("PATCH", f"/v1/cases/{case_id}", loop.tenant.admin_key, {"status": wanted})
        assert (status, body["code"]) == (409, "invalid_transition")


def test_opening_by_hand_for_an_answer_is_idempotent(loop: LoopEnv) -> None:
    promoter = loop.answer(10)
    body = {"responseId": promoter, "surveyId": loop.survey_id, "note": "Lob weitergeben"}
    status, case = loop.call("POST", "/v1/cases", loop.tenant.admin_key, body)
    assert (status, case["source"], case["trigger"]) == (201, "manual", "manual")
    status, again = loop.call("POST", "/v1/cases", loop.tenant.admin_key, body)
    assert (status, again["caseId"]) == (200, case["caseId"])
    detractor = loop.answer(0)  # opened by the rules already
    status, existing = loop.call(
        "POST", "/v1/cases", loop.tenant.admin_key, {"responseId": detractor, "surveyId": loop.survey_id}
    )
    assert (status, existing["source"]) == (200, "answer")
    status, full = loop.call("GET", f"/v1/cases/{case['caseId']}", loop.tenant.read_key)
    assert [n["text"] for n in full["notes"]] == ["Lob weitergeben"]


def test_opening_by_hand_for_a_person(loop: LoopEnv) -> None:
    status, case = loop.call(
        "POST", "/v1/cases", loop.tenant.admin_key, {"personId": "user-7", "locationId": "hamburg"}
    )
    assert (status, case["source"], case["personId"], case["locationId"]) == (
        201,
        "person",
        "user-7",
        "hamburg",
    )
    opened = datetime.fromisoformat(case["openedAt"])
    assert case["expiresAt"] == int((opened + timedelta(days=730)).timestamp())  # the response retention
    status, listed = loop.call("GET", "/v1/cases", loop.tenant.read_key)
    assert [c["caseId"] for c in listed["cases"]] == [case["caseId"]]


def test_bad_openings_are_refused_and_store_nothing(loop: LoopEnv) -> None:
    promoter = loop.answer(10)
    for body, status in (
        ({}, 400),
        ({"responseId": promoter}, 400),
        ({"responseId": promoter, "surveyId": loop.survey_id, "personId": "p"}, 400),
        ({"responseId": promoter, "surveyId": loop.survey_id, "locationId": "berlin"}, 400),
        ({"personId": "p\n1"}, 400),
        ({"personId": "p", "locationId": "nowhere"}, 404),
        ({"responseId": "unknown-response", "surveyId": loop.survey_id}, 404),
        ({"responseId": promoter, "surveyId": "other-survey"}, 404),
    ):
        got, answer = loop.call("POST", "/v1/cases", loop.tenant.admin_key, body)
        assert got == status, (body, answer)
    assert _items(loop) == []
    assert loop.call("POST", "/v1/cases", loop.tenant.read_key, {"personId": "p"})[0] == 403
    assert _items(loop) == []


def test_erasing_a_person_deletes_their_cases_and_everything_under_them(loop: LoopEnv) -> None:
    mine = loop.answer(1, contact={"email": "e@example.org", "consent": True})
    other = loop.answer(1)
    loop.call("PATCH", f"/v1/cases/{loop.case_id(mine)}", loop.tenant.admin_key, {"note": "Kundin anrufen"})
    person = loop.call("POST", "/v1/cases", loop.tenant.admin_key, {"personId": "user-7", "note": "Rückruf"})[
        1
    ]
    assert loop.runtime.cases.erase("acme", ["user-7"], [mine]) == 2
    left = {i["pk"] for i in _items(loop)}
    assert left == {f"TENANT#acme#CASE#{loop.case_id(other)}"}
    assert loop.call("GET", f"/v1/cases/{person['caseId']}", loop.tenant.read_key)[0] == 404
    assert loop.runtime.cases.erase("acme", ["nobody"], []) == 0
