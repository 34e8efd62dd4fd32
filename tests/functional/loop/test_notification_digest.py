"""The daily notification digest through moto's SES: due at 08:00 tenant-local, the previous local
day's matching answers, one e-mail per address in the rule's language, sent once per tenant-day."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.functional.loop.conftest import MAIL_FROM, LoopEnv, sent_messages
from touchpoint.loop.digest import run_digests
from touchpoint.loop.notify import forget_rules
from touchpoint.models.tenants import TenantConfig
from touchpoint.runtime import get_runtime, reset_runtime


def rule(env: LoopEnv, language: str, emails: list[str], **conditions: Any) -> None:
    body = {
        "name": f"Digest {language}",
        "language": language,
        "conditions": {"score": {"kind": "nps", "max": 6}, **conditions},
        "destinations": {"digest_emails": emails},
    }
    status, created = env.call("POST", "/v1/notifications/rules", env.tenant.admin_key, body)
    assert status == 201, created


def answer_at(
    env: LoopEnv, monkeypatch: pytest.MonkeyPatch, moment: datetime, nps: int, **kwargs: Any
) -> None:
    from touchpoint.surveys import service

    monkeypatch.setattr(service, "utc_now", lambda: moment)
    env.answer(nps, **kwargs)


@pytest.fixture
def berlin_time(loop: LoopEnv) -> LoopEnv:
    forget_rules()
    loop.runtime.tenants.update_config("acme", TenantConfig(timezone="Europe/Berlin"))
    return loop


def test_the_digest_goes_out_at_eight_local_with_yesterdays_matches_once(
    berlin_time: LoopEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = berlin_time
    rule(env, "de", ["leitung@acme.example"], location_ids=["hamburg"])
    rule(env, "en", ["ops@acme.example"])
    dec4 = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # 11:00 in Berlin
    answer_at(env, monkeypatch, dec4, 3, location="hamburg", comment="Kasse kaputt <b>fett</b>")
    answer_at(env, monkeypatch, dec4, 2, location="berlin", comment="Zu voll")
    answer_at(env, monkeypatch, dec4, 9, location="hamburg", comment="Toll")
    answer_at(
        env, monkeypatch, datetime(2026, 12, 4, 23, 30, tzinfo=UTC), 1, location="hamburg"
    )  # Dec 5 local
    before = len(sent_messages())  # the answers' own case e-mails, if any

    assert run_digests(env.runtime, datetime(2026, 12, 5, 6, 59, tzinfo=UTC)) == {"sent": 0, "failed": []}
    assert run_digests(env.runtime, datetime(2026, 12, 5, 7, 0, tzinfo=UTC)) == {"sent": 2, "failed": []}
    messages = {m.destinations["ToAddresses"][0]: m for m in sent_messages()[before:]}
    assert set(messages) == {"leitung@acme.example", "ops@acme.example"}
    german = messages["leitung@acme.example"]
    assert german.source == MAIL_FROM
    assert german.subject == "Touchpoint-Zusammenfassung vom 04.12.2026: 1 Antwort zu Ihren Regeln"
    assert "<h3>Digest de: 1 Antwort</h3>" in german.body
    assert "<li>11:00 Hamburg, NPS 3: &bdquo;Kasse kaputt &lt;b&gt;fett&lt;/b&gt;&ldquo;</li>" in german.body
    assert "Zu voll" not in german.body and "Toll" not in german.body
    english = messages["ops@acme.example"]
    assert english.subject == "Touchpoint digest of 2026-12-04: 2 answers matched your rules"
    assert "Zu voll" in english.body and "Kasse kaputt" in english.body and "NPS 1" not in english.body

    # Later runs of the same day (and a retried run) send nothing again.
    assert run_digests(env.runtime, datetime(2026, 12, 5, 8, 0, tzinfo=UTC))["sent"] == 0
    assert len(sent_messages()) == before + 2


def test_the_html_part_escapes_comments(berlin_time: LoopEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    from touchpoint.loop import digest

    env = berlin_time
    rule(env, "en", ["ops@acme.example"])
    answer_at(
        env,
        monkeypatch,
        datetime(2026, 12, 4, 10, 0, tzinfo=UTC),
        3,
        location="hamburg",
        comment="<script>x</script>",
    )
    sent: list[digest.DigestMail] = []
    monkeypatch.setattr(digest, "_send", lambda runtime, mail: sent.append(mail))
    assert run_digests(env.runtime, datetime(2026, 12, 5, 7, 0, tzinfo=UTC))["sent"] == 1
    [mail] = sent
    assert "<script>" not in mail.html and "&lt;script&gt;x&lt;/script&gt;" in mail.html
    assert '"<script>x</script>"' in mail.text


def test_a_failed_send_releases_the_day_so_the_next_hour_tries_again(
    berlin_time: LoopEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from touchpoint.loop import digest

    env = berlin_time
    rule(env, "de", ["leitung@acme.example"])
    answer_at(
        env, monkeypatch, datetime(2026, 12, 4, 10, 0, tzinfo=UTC), 4, location="hamburg", comment="Kalt"
    )
    before = len(sent_messages())
    real_send = digest._send

    def broken(runtime: Any, mail: Any) -> None:
        raise RuntimeError("SES is down")

    monkeypatch.setattr(digest, "_send", broken)
    assert run_digests(env.runtime, datetime(2026, 12, 5, 7, 0, tzinfo=UTC)) == {
        "sent": 0,
        "failed": ["acme"],
    }
    monkeypatch.setattr(digest, "_send", real_send)
    assert run_digests(env.runtime, datetime(2026, 12, 5, 8, 0, tzinfo=UTC)) == {"sent": 1, "failed": []}
    assert len(sent_messages()) == before + 1


def test_without_a_sender_address_no_digest_is_attempted(
    berlin_time: LoopEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = berlin_time
    rule(env, "de", ["leitung@acme.example"])
    monkeypatch.delenv("TOUCHPOINT_MAIL_FROM")
    reset_runtime()
    result = run_digests(get_runtime(), datetime(2026, 12, 5, 7, 0, tzinfo=UTC))
    assert result == {"sent": 0, "failed": [], "skipped": "no sender address"}
    assert env.runtime.notifications.claim_digest("acme", datetime(2026, 12, 4).date())  # nothing was claimed
