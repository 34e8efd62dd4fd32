"""Standard Webhooks signatures (against the spec's formula and its published vector) and Slack payloads."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from touchpoint.alerts import standard_webhooks
from touchpoint.loop.notify_messages import AnswerNotice, escape_mrkdwn, slack_payload, webhook_payload

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MESSAGE_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'


def test_the_signature_is_the_specs_formula() -> None:
    # base64(HMAC-SHA256(key = base64-decoded secret after whsec_, "<id>.<timestamp>.<body>"))
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{MESSAGE_ID}.{TIMESTAMP}.".encode() + BODY, hashlib.sha256).digest()
    ).decode()
    assert standard_webhooks.signature(SECRET, MESSAGE_ID, TIMESTAMP, BODY) == f"v1,{expected}"
    # the vector the Standard Webhooks reference libraries test against
    assert expected == "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_verify_accepts_the_right_signature_among_several_and_refuses_tampering_and_old_messages() -> None:
    headers = standard_webhooks.headers(SECRET, MESSAGE_ID, TIMESTAMP, BODY)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert standard_webhooks.verify(SECRET, headers, BODY, TIMESTAMP + 10)
    rotated = {**headers, "webhook-signature": "v1,b2xkIHNpZ25hdHVyZQ== " + headers["webhook-signature"]}
    assert standard_webhooks.verify(SECRET, rotated, BODY, TIMESTAMP)
    assert not standard_webhooks.verify(SECRET, headers, BODY + b" ", TIMESTAMP)
    assert not standard_webhooks.verify(SECRET, {**headers, "webhook-id": "msg_other"}, BODY, TIMESTAMP)
    assert not standard_webhooks.verify(SECRET, headers, BODY, TIMESTAMP + 301)
    assert not standard_webhooks.verify(standard_webhooks.new_secret(), headers, BODY, TIMESTAMP)


def test_new_secrets_are_whsec_base64_of_32_bytes_and_a_bad_secret_is_refused() -> None:
    secret = standard_webhooks.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    with pytest.raises(standard_webhooks.InvalidSecretError):
        standard_webhooks.signature("whsec_not*base64", MESSAGE_ID, TIMESTAMP, BODY)


def notice(comment: str | None, *, link: bool = True) -> AnswerNotice:
    return AnswerNotice(
        tenant_id="acme",
        rule_id="nr-1",
        rule_name="Kasse <Hamburg>",
        survey_id="s1",
        survey_name="Einkauf & Service",
        response_id="r1",
        location_id="hamburg",
        location_name="Hamburg <Altona>",
        channel="in_store",
        scores=(("nps", 3), ("csat", 2)),
        comment=comment,
        sentiment="negative",
        answered_at=datetime(2026, 12, 5, 9, 30, tzinfo=UTC),
        path="/dashboard/cases/20261205093000-r1",
        has_case=True,
        base_url="https://feedback.example.com/" if link else "",
    )


def test_the_slack_message_has_text_and_blocks_with_escaped_truncated_comment_and_a_case_link() -> None:
    payload = slack_payload(notice("<!channel> & " + "x" * 600), "de")
    assert payload["text"] == "Neue Antwort: NPS 3, CSAT 2 in Hamburg &lt;Altona&gt; (Einkauf &amp; Service)"
    blob = json.dumps(payload, ensure_ascii=False)
    assert "<!channel>" not in blob and "&lt;!channel&gt; &amp; " in blob
    comment = payload["blocks"][2]["text"]["text"]
    assert comment.startswith("*Kommentar*\n>&lt;!channel&gt;") and comment.endswith("…")
    assert len(comment) < 600
    fields = [f["text"] for f in payload["blocks"][1]["fields"]]
    assert fields == [
        "*Bewertung*\nNPS 3, CSAT 2",
        "*Filiale*\nHamburg &lt;Altona&gt;",
        "*Umfrage*\nEinkauf &amp; Service",
        "*Regel*\nKasse &lt;Hamburg&gt;",
    ]
    [button] = payload["blocks"][3]["elements"]
    assert button["url"] == "https://feedback.example.com/dashboard/cases/20261205093000-r1"
    assert button["text"]["text"] == "Fall öffnen"


def test_without_a_public_host_there_is_no_button_and_english_rules_speak_english() -> None:
    payload = slack_payload(notice(None, link=False), "en")
    assert [b["type"] for b in payload["blocks"]] == ["section", "section", "section"]
    assert payload["blocks"][2]["text"]["text"] == "*Comment*\n>(no comment)"
    assert payload["text"].startswith("New answer: NPS 3, CSAT 2 at Hamburg")
    assert escape_mrkdwn("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_the_webhook_event_carries_the_answer() -> None:
    event = webhook_payload(notice("lange Schlange"), datetime(2026, 12, 5, 9, 31, tzinfo=UTC))
    assert event["type"] == "answer.matched" and event["timestamp"] == "2026-12-05T09:31:00Z"
    data = event["data"]
    assert data["scores"] == [{"kind": "nps", "value": 3}, {"kind": "csat", "value": 2}]
    assert data["comment"] == "lange Schlange" and data["answered_at"] == "2026-12-05T09:30:00Z"
    assert data["link"] == "https://feedback.example.com/dashboard/cases/20261205093000-r1"
