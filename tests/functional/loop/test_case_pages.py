"""The case pages (`/dashboard/cases`, `/dashboard/cases/{id}`) and opening a case from the inbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from tests.conftest import bearer, team_session
from tests.functional.loop.conftest import LoopEnv, sent_messages
from touchpoint.loop.cases import open_for_answer
from touchpoint.models.cases import CaseStatus

CONSENT = {"email": "erika@example.org", "consent": True}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def page(loop: LoopEnv, path: str, headers: dict[str, str]) -> tuple[int, str]:
    answer = loop.insights.http.get(path, headers=headers)
    return answer.status_code, answer.body.decode("utf-8")


def post(loop: LoopEnv, path: str, headers: dict[str, str], fields: dict[str, str]) -> tuple[int, str, str]:
    """A form post: status, page (or empty) and Location."""
    answer = loop.insights.http.post(path, headers={**headers, **FORM}, body=urlencode(fields))
    return answer.status_code, answer.body.decode("utf-8"), answer.headers.get("Location", "")


def admin(loop: LoopEnv) -> dict[str, str]:
    return bearer(loop.tenant.admin_key)


def act(loop: LoopEnv, case_id: str, headers: dict[str, str], **fields: str) -> tuple[int, str, str]:
    """Post one case form made from the case's current version (unless `version` is given)."""
    case = loop.runtime.cases.get("acme", case_id)
    assert case is not None
    return post(
        loop, f"/dashboard/cases/{case_id}?lang=en", headers, {"version": str(case.version), **fields}
    )


def entries(loop: LoopEnv, case_id: str) -> tuple[int, int, int, int]:
    """version, history entries, notes and replies of a case."""
    record = loop.runtime.cases.record("acme", case_id)
    assert record is not None
    return record.case.version, len(record.history), len(record.notes), len(record.replies)


def test_an_editor_opens_a_case_from_the_inbox_once(loop: LoopEnv) -> None:
    response_id = loop.answer(9, comment="Alles gut")  # a promoter: no case by the rules
    case_id = loop.case_id(response_id)
    assert loop.runtime.cases.get("acme", case_id) is None
    fields = {"response_id": response_id, "survey_id": loop.survey_id}
    status, _, location = post(loop, "/dashboard/cases?lang=en", admin(loop), fields)
    assert status == 303 and location == f"/dashboard/cases/{case_id}?notice=case_opened&lang=en"
    case = loop.runtime.cases.get("acme", case_id)
    assert case is not None and (case.source, case.trigger) == ("manual", "manual")
    status, _, location = post(loop, "/dashboard/cases?lang=en", admin(loop), fields)
    assert status == 303 and location.endswith("notice=case_exists&lang=en")
    assert entries(loop, case_id)[1] == 1  # still one "opened" entry: no second case
    status, inbox = page(loop, "/dashboard/inbox?lang=en", admin(loop))
    assert status == 200
    assert f'href="/dashboard/cases/{case_id}?lang=en">Case</a> <span class="badge new">new</span>' in inbox
    status, shown = page(loop, f"/dashboard/cases/{case_id}?notice=case_opened&lang=en", admin(loop))
    assert status == 200 and "The case is open." in shown and "Alles gut" in shown


def test_opening_is_refused_to_readers_other_stores_and_other_sites(loop: LoopEnv) -> None:
    hamburg = loop.answer(9, location="hamburg")
    fields = {"response_id": hamburg, "survey_id": loop.survey_id}
    status, _, _ = post(loop, "/dashboard/cases", bearer(loop.tenant.read_key), fields)
    assert status == 403
    berlin_editor = team_session(loop.runtime, "acme", "editor", locations=("berlin",))
    status, shown, _ = post(loop, "/dashboard/cases", berlin_editor, fields)
    assert status == 404 and hamburg not in shown
    cross = {**admin(loop), "Sec-Fetch-Site": "cross-site"}
    status, _, _ = post(loop, "/dashboard/cases", cross, fields)
    assert status == 403
    status, _, _ = post(
        loop, "/dashboard/cases", admin(loop), {"response_id": "x y", "survey_id": loop.survey_id}
    )
    assert status == 400
    assert loop.runtime.cases.get("acme", loop.case_id(hamburg)) is None


def test_a_person_case_opens_from_the_at_risk_form(loop: LoopEnv) -> None:
    status, _, location = post(
        loop, "/dashboard/cases", admin(loop), {"person_id": "user-7", "location_id": "berlin"}
    )
    assert status == 303 and "notice=case_opened" in location
    case_id = location.split("/dashboard/cases/")[1].split("?")[0]
    case = loop.runtime.cases.get("acme", case_id)
    assert case is not None and (case.source, case.person_id, case.location_id) == (
        "person",
        "user-7",
        "berlin",
    )
    berlin_editor = team_session(loop.runtime, "acme", "editor", locations=("berlin",))
    status, _, _ = post(
        loop, "/dashboard/cases", berlin_editor, {"person_id": "user-8", "location_id": "hamburg"}
    )
    assert status == 404


def test_the_case_list_filters_marks_overdue_and_keeps_to_the_scope(loop: LoopEnv) -> None:
    berlin_case = loop.case_id(loop.answer(2, comment="Zu laut"))
    hamburg_case = loop.case_id(loop.answer(1, location="hamburg"))
    response_id = loop.answer(9, location="berlin")
    survey = loop.runtime.surveys.get("acme", loop.survey_id)
    response = loop.runtime.responses.get("acme", loop.survey_id, response_id)
    assert survey is not None and response is not None
    old, _ = open_for_answer(
        loop.runtime,
        survey,
        response,
        trigger="manual",
        actor="key:test",
        sla_hours=48,
        now=datetime.now(UTC) - timedelta(days=3),
    )
    status, listing = page(loop, "/dashboard/cases?lang=en", admin(loop))
    assert status == 200
    for case_id in (berlin_case, hamburg_case, old.case_id):
        assert f'id="case-{case_id}"' in listing
    old_row = listing.split(f'id="case-{old.case_id}"')[1].split("</tr>")[0]
    assert '<span class="badge overdue">overdue</span>' in old_row
    assert "overdue" not in listing.split(f'id="case-{berlin_case}"')[1].split("</tr>")[0]
    status, listing = page(loop, "/dashboard/cases?location_id=hamburg&lang=en", admin(loop))
    assert f'id="case-{hamburg_case}"' in listing and f'id="case-{berlin_case}"' not in listing
    act(loop, berlin_case, admin(loop), action="status", status="in_progress")
    status, listing = page(loop, "/dashboard/cases?status=in_progress&lang=en", admin(loop))
    assert f'id="case-{berlin_case}"' in listing and f'id="case-{hamburg_case}"' not in listing
    berlin = team_session(loop.runtime, "acme", "viewer", locations=("berlin",))
    status, listing = page(loop, "/dashboard/cases?lang=en", berlin)
    assert (
        status == 200 and f'id="case-{berlin_case}"' in listing and f'id="case-{hamburg_case}"' not in listing
    )
    assert "Hamburg" not in listing
    assert page(loop, "/dashboard/cases?location_id=hamburg", berlin)[0] == 404
    assert page(loop, f"/dashboard/cases/{hamburg_case}", berlin)[0] == 404
    status, shown = page(loop, "/dashboard/cases?status=closed", admin(loop))
    assert status == 400 and "status" in shown


def test_the_case_list_pages_through_every_case(loop: LoopEnv) -> None:
    made = {loop.case_id(loop.answer(n)) for n in (1, 2, 3)}
    status, first = page(loop, "/dashboard/cases?limit=2&lang=en", admin(loop))
    link = first.split('id="next-page" rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    status, second = page(loop, link, admin(loop))
    assert status == 200 and 'id="next-page"' not in second
    shown = {c for c in made if f'id="case-{c}"' in first} | {c for c in made if f'id="case-{c}"' in second}
    assert shown == made and first.count('class="case"') == 2 and second.count('class="case"') == 1


def test_status_assignee_and_note_forms_change_the_case_through_the_service(loop: LoopEnv) -> None:
    case_id = loop.case_id(loop.answer(3, comment="Kasse <b>langsam</b>"))
    team_session(loop.runtime, "acme", "editor", email="max@acme.example")
    status, shown = page(loop, f"/dashboard/cases/{case_id}?lang=en", admin(loop))
    assert status == 200
    assert 'id="status-form"' in shown and 'name="version" value="1"' in shown
    assert "Kasse &lt;b&gt;langsam&lt;/b&gt;" in shown
    assert '<option value="max@acme.example">' in shown
    status, _, location = act(loop, case_id, admin(loop), action="status", status="in_progress")
    assert status == 303 and location == f"/dashboard/cases/{case_id}?notice=saved&lang=en"
    status, _, _ = act(loop, case_id, admin(loop), action="assign", assignee="max@acme.example")
    assert status == 303
    status, _, _ = act(loop, case_id, admin(loop), action="note", note="Rückruf morgen <i>früh</i>")
    assert status == 303
    case = loop.runtime.cases.get("acme", case_id)
    assert case is not None and (case.status, case.assignee, case.version) == (
        CaseStatus.IN_PROGRESS,
        "max@acme.example",
        4,
    )
    status, shown = page(loop, f"/dashboard/cases/{case_id}?notice=saved&lang=en", admin(loop))
    assert "Saved." in shown and "Rückruf morgen &lt;i&gt;früh&lt;/i&gt;" in shown
    assert 'id="case-assignee">max@acme.example<' in shown
    history = shown.split('id="case-history"')[1]
    assert "status: new → in progress" in history and "assigned: max@acme.example" in history


def test_bad_forms_answer_4xx_with_the_page_and_change_nothing(loop: LoopEnv) -> None:
    case_id = loop.case_id(loop.answer(3))
    act(loop, case_id, admin(loop), action="status", status="resolved")
    before = entries(loop, case_id)
    cases: list[tuple[dict[str, str], int, str]] = [
        (
            {"action": "status", "status": "waiting_for_customer"},
            409,
            "The case cannot change to this status.",
        ),
        ({"action": "status", "status": "closed"}, 400, "The case cannot change to this status."),
        ({"action": "assign", "assignee": "stranger@example.org"}, 400, "Please choose a team member"),
        ({"action": "assign", "assignee": "not an e-mail"}, 400, "Please choose a team member"),
        ({"action": "note", "note": "   "}, 400, "Please fill this in."),
        ({"action": "note", "note": "x" * 4001}, 400, "Please fill this in."),
        ({"action": "explode"}, 400, "Unknown action."),
        ({"action": "note", "note": "late", "version": "1"}, 409, "The case changed in the meantime."),
        ({"action": "note", "note": "late", "version": "abc"}, 409, "The case changed in the meantime."),
    ]
    for fields, expected, message in cases:
        status, shown, _ = act(loop, case_id, admin(loop), **fields)
        assert status == expected, (fields, shown)
        assert message in shown, fields
        assert entries(loop, case_id) == before, fields
    status, shown, _ = act(loop, case_id, admin(loop), action="note", note="kept text <3")
    assert status == 303  # the same form works once valid
    status, shown, _ = act(loop, case_id, admin(loop), action="note", note="", version="2")
    assert 'id="note"' in shown and "field-error" in shown
    assert act(loop, case_id, bearer(loop.tenant.read_key), action="note", note="x")[0] == 403
    assert post(loop, "/dashboard/cases/20250101000000-nope", admin(loop), {"action": "note"})[0] == 404


def test_a_reply_needs_consent_and_goes_out_through_ses(loop: LoopEnv) -> None:
    silent = loop.case_id(loop.answer(2, comment="Schlecht"))
    status, shown = page(loop, f"/dashboard/cases/{silent}?lang=en", admin(loop))
    assert 'id="case-consent">no<' in shown and 'id="reply-disabled"' in shown
    assert "<fieldset disabled>" in shown
    before = entries(loop, silent)
    status, shown, _ = act(loop, silent, admin(loop), action="reply", subject="", body="Hallo")
    assert status == 409 and "did not agree to be contacted" in shown
    assert entries(loop, silent) == before and sent_messages() == []

    case_id = loop.case_id(loop.answer(2, comment="Zu langsam", contact=CONSENT, language="de"))
    status, shown = page(loop, f"/dashboard/cases/{case_id}?lang=en", admin(loop))
    assert 'id="case-consent">yes<' in shown and 'id="reply-disabled"' not in shown
    assert "Guten Tag,\n\nvielen Dank für Ihre Rückmeldung." in shown  # the customer's language
    status, shown, _ = act(loop, case_id, admin(loop), action="reply", subject="", body="   ")
    assert status == 400 and sent_messages() == []
    status, _, location = act(
        loop,
        case_id,
        admin(loop),
        action="reply",
        subject="",
        body="Guten Tag,\n\nwir haben eine Kasse mehr.",
    )
    assert status == 303 and "notice=reply_sent" in location
    [message] = sent_messages()
    assert message.destinations["ToAddresses"] == ["erika@example.org"]
    assert "wir haben eine Kasse mehr." in message.body
    status, shown = page(loop, f"{location}", admin(loop))
    assert "The reply was sent." in shown and "wir haben eine Kasse mehr." in shown
    assert "erika@example.org" not in shown  # the contact itself is never shown


def test_pages_without_a_session_send_to_sign_in(loop: LoopEnv) -> None:
    answer: Any = loop.insights.http.get("/dashboard/cases")
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/dashboard/login?next=")
