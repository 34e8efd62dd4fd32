"""Replies to customers through SES: only with consent, in their language, stored on the case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import team_session
from tests.functional.loop.conftest import MAIL_FROM, LoopEnv, sent_messages
from touchpoint.storage.dynamo import from_item

EMAIL = "erika@example.org"
CONSENT = {"email": EMAIL, "consent": True}


def _replies_stored(loop: LoopEnv) -> list[dict[str, Any]]:
    items = loop.runtime.clients.dynamodb.scan(TableName=loop.runtime.settings.cases_table)["Items"]
    return [from_item(i) for i in items if i["sk"]["S"].startswith("REPLY#")]


def test_a_reply_goes_out_in_german_quotes_the_answer_and_is_stored(loop: LoopEnv) -> None:
    response_id = loop.answer(3, comment="Die Kasse war <b>zu</b> langsam", contact=CONSENT, language="de")
    case_id = loop.case_id(response_id)
    body = {"body": "Danke für Ihre Nachricht.\n\nWir haben eine zweite Kasse geöffnet & mehr Personal."}
    status, reply = loop.call("POST", f"/v1/cases/{case_id}/replies", loop.tenant.admin_key, body)
    assert status == 201, reply
    assert (reply["status"], reply["language"], reply["subject"]) == ("sent", "de", "Ihr Feedback an Acme")
    [message] = sent_messages()
    assert message.source == MAIL_FROM and message.destinations["ToAddresses"] == [EMAIL]
    assert message.subject == "Ihr Feedback an Acme"
    # moto keeps the HTML part: every value in it is escaped
    assert "<p>Wir haben eine zweite Kasse geöffnet &amp; mehr Personal.</p>" in message.body
    assert (
        "Sie schrieben uns am" in message.body
        and "Die Kasse war &lt;b&gt;zu&lt;/b&gt; langsam" in message.body
    )
    assert "Ihr Team von Acme" in message.body
    assert reply["messageId"] == message.id
    _, case = loop.call("GET", f"/v1/cases/{case_id}", loop.tenant.read_key)
    assert case["firstResponseAt"] == reply["at"] and case["version"] == 2
    assert [h["action"] for h in case["history"]] == ["opened", "reply"]
    assert [r["messageId"] for r in case["replies"]] == [message.id]
    # a second reply leaves the first response time alone
    loop.call("POST", f"/v1/cases/{case_id}/replies", loop.tenant.admin_key, {"body": "Noch etwas."})
    _, case = loop.call("GET", f"/v1/cases/{case_id}", loop.tenant.read_key)
    assert case["firstResponseAt"] == reply["at"] and len(case["replies"]) == 2


def test_the_html_part_escapes_everything_and_english_customers_get_english(loop: LoopEnv) -> None:
    from touchpoint.loop.replies import render_mail

    response_id = loop.answer(2, comment="Too slow", contact=CONSENT, language="en")
    editor = team_session(loop.runtime, "acme", "editor", email="eva@acme.example")
    body = {"subject": "About <your> visit", "body": "Thanks <script>alert(1)</script> for telling us."}
    status, reply = loop.call("POST", f"/v1/cases/{loop.case_id(response_id)}/replies", editor, body)
    assert (status, reply["language"], reply["actor"]) == (201, "en", "user:eva@acme.example")
    [message] = sent_messages()
    assert message.subject == "About <your> visit"
    assert "You wrote to us on" in message.body and "The Acme team" in message.body
    mail = render_mail("en", tenant_name="A & <B>", subject=None, body=body["body"])
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html and "A &amp; &lt;B&gt;" in mail.html
    assert "<script>alert(1)</script>" in mail.text and mail.subject == "Your feedback to A & <B>"


def test_no_reply_without_consent_and_nothing_stored(loop: LoopEnv) -> None:
    without = loop.case_id(loop.answer(3))
    phone_only = loop.case_id(loop.answer(3, contact={"phone": "+49 30 1234567", "consent": True}))
    for case_id in (without, phone_only):
        status, body = loop.call(
            "POST", f"/v1/cases/{case_id}/replies", loop.tenant.admin_key, {"body": "Hallo"}
        )
        assert (status, body["code"]) == (409, "no_consent")
        _, case = loop.call("GET", f"/v1/cases/{case_id}", loop.tenant.read_key)
        assert case["version"] == 1 and case["replies"] == [] and case["firstResponseAt"] is None
    person = loop.call("POST", "/v1/cases", loop.tenant.admin_key, {"personId": "user-9"})[1]["caseId"]
    assert loop.call("POST", f"/v1/cases/{person}/replies", loop.tenant.admin_key, {"body": "x"})[0] == 409
    assert sent_messages() == [] and _replies_stored(loop) == []


def test_bad_replies_are_refused_and_nothing_is_sent(loop: LoopEnv) -> None:
    case_id = loop.case_id(loop.answer(3, contact=CONSENT))
    for body in (
        {},
        {"body": "  "},
        {"body": "x", "subject": "a\r\nBcc: x@y.z"},
        {"body": "x" * 10_001},
        {"body": "x", "cc": "y"},
    ):
        status, answer = loop.call("POST", f"/v1/cases/{case_id}/replies", loop.tenant.admin_key, body)
        assert status == 400, (body, answer)
    assert loop.call("POST", f"/v1/cases/{case_id}/replies", loop.tenant.read_key, {"body": "x"})[0] == 403
    assert sent_messages() == [] and _replies_stored(loop) == []


def test_an_unverified_sender_stores_a_failed_reply_and_answers_502(loop: LoopEnv) -> None:
    case_id = loop.case_id(loop.answer(3, contact=CONSENT))
    loop.runtime.clients.ses.delete_identity(Identity=MAIL_FROM)  # type: ignore[attr-defined]
    status, body = loop.call("POST", f"/v1/cases/{case_id}/replies", loop.tenant.admin_key, {"body": "Hallo"})
    assert (status, body["code"]) == (502, "mail_failed")
    _, case = loop.call("GET", f"/v1/cases/{case_id}", loop.tenant.read_key)
    assert [r["status"] for r in case["replies"]] == ["failed"] and case["firstResponseAt"] is None
    assert sent_messages() == []


def test_a_reply_and_a_resolution_mark_the_rolled_up_days_dirty_and_show_in_the_facts(loop: LoopEnv) -> None:
    response_id = loop.answer(3, contact=CONSENT)
    case_id = loop.case_id(response_id)
    today = datetime.now(UTC).date()
    loop.runtime.rollup_state.mark_done("acme", today, "run-1")
    loop.call("POST", f"/v1/cases/{case_id}/replies", loop.tenant.admin_key, {"body": "Hallo"})
    assert loop.runtime.rollup_state.status("acme", today) == "dirty"
    loop.runtime.rollup_state.mark_done("acme", today, "run-2")
    loop.call("PATCH", f"/v1/cases/{case_id}", loop.tenant.admin_key, {"status": "resolved"})
    assert loop.runtime.rollup_state.status("acme", today) == "dirty"
    start = datetime.now(UTC) - timedelta(hours=1)
    [fact] = loop.runtime.cases.facts("acme", start, start + timedelta(hours=2))
    assert (fact.case_id, fact.location_id, fact.source, fact.detractor) == (
        case_id,
        "berlin",
        "answer",
        True,
    )
    assert fact.first_response_at and fact.resolved_at and fact.response_id == response_id
    assert fact.response_submitted_at is not None
    assert list(loop.runtime.cases.facts("acme", start - timedelta(days=2), start - timedelta(days=1))) == []
