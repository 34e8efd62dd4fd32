"""Announcements ("you said, we did"): every consenting respondent of a theme or store, once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import team_session
from tests.functional.loop.conftest import LoopEnv, sent_messages
from touchpoint.storage.dynamo import from_item

TODAY = datetime.now(UTC).date()


def _announcement(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "announcementId": "kasse-2026-12",
        "theme": "Kasse",
        "from": (TODAY - timedelta(days=1)).isoformat(),
        "to": (TODAY + timedelta(days=1)).isoformat(),
        "subject": {"de": "Sie sagten, wir handelten", "en": "You said, we did"},
        "body": {"de": "Wir haben eine zweite Kasse geöffnet.", "en": "We opened a second checkout."},
    }
    return {**body, **changes}


def _people(loop: LoopEnv) -> None:
    loop.answer(3, comment="Die Kasse war zu langsam", contact={"email": "a@example.org", "consent": True})
    loop.answer(
        4,
        comment="Die Wartezeit an der Kasse war viel zu lang",
        contact={"email": "b@example.org", "consent": True},
        language="en",
        location="hamburg",
    )
    # the same person again: written to once
    loop.answer(2, comment="Kasse wieder langsam", contact={"email": "A@example.org", "consent": True})
    loop.answer(9, comment="Schöne Auswahl im Laden", contact={"email": "c@example.org", "consent": True})
    loop.answer(3, comment="Die Kasse war zu langsam")  # no consent


def _announcement_items(loop: LoopEnv) -> list[dict[str, Any]]:
    items = loop.runtime.clients.dynamodb.scan(TableName=loop.runtime.settings.cases_table)["Items"]
    return [from_item(i) for i in items if "#ANNOUNCEMENT#" in i["pk"]["S"]]


def test_a_dry_run_counts_and_sends_nothing(loop: LoopEnv) -> None:
    _people(loop)
    status, body = loop.call(
        "POST", "/v1/announcements?dry_run=true", loop.tenant.admin_key, _announcement(announcementId=None)
    )
    assert status == 200, body
    assert (body["dryRun"], body["recipients"], body["sent"]) == (True, 2, 0)
    assert sent_messages() == [] and _announcement_items(loop) == []


def test_a_theme_announcement_reaches_each_consenting_address_once_in_its_language(loop: LoopEnv) -> None:
    _people(loop)
    status, body = loop.call("POST", "/v1/announcements", loop.tenant.admin_key, _announcement())
    assert status == 200, body
    assert (body["recipients"], body["sent"], body["failed"], body["alreadySent"]) == (2, 2, 0, 0)
    messages = {m.destinations["ToAddresses"][0]: m for m in sent_messages()}
    assert sorted(messages) == ["a@example.org", "b@example.org"]
    assert messages["a@example.org"].subject == "Sie sagten, wir handelten"
    assert "Wir haben eine zweite Kasse geöffnet." in messages["a@example.org"].body
    assert "Ihr Team von Acme" in messages["a@example.org"].body
    assert messages["b@example.org"].subject == "You said, we did"
    assert "agreed to be contacted" in messages["b@example.org"].body
    stored = str(_announcement_items(loop))
    assert "example.org" not in stored  # addresses are stored as hashes only
    # sending it again writes to nobody twice
    status, again = loop.call("POST", "/v1/announcements", loop.tenant.admin_key, _announcement())
    assert (status, again["sent"], again["alreadySent"]) == (200, 0, 2)
    assert len(sent_messages()) == 2


def test_a_store_announcement_reaches_only_that_store(loop: LoopEnv) -> None:
    _people(loop)
    body = _announcement(theme=None, locationId="hamburg", announcementId="hamburg-1")
    status, answer = loop.call("POST", "/v1/announcements", loop.tenant.admin_key, body)
    assert (status, answer["sent"]) == (200, 1)
    assert [m.destinations["ToAddresses"] for m in sent_messages()] == [["b@example.org"]]


def test_bad_announcements_are_refused_and_nothing_is_sent_or_stored(loop: LoopEnv) -> None:
    _people(loop)
    for body, status in (
        (_announcement(announcementId=None), 400),
        (_announcement(locationId="berlin"), 400),
        (_announcement(theme=None), 400),
        (_announcement(subject={"de": "Nur Deutsch"}), 400),
        (_announcement(subject={"de": "a\nb", "en": "x"}), 400),
        (_announcement(**{"from": "2026-02-01", "to": "2026-01-01"}), 400),
        (_announcement(**{"from": "2020-01-01", "to": "2026-01-01"}), 400),
        (_announcement(announcementId="bad id!"), 400),
        (_announcement(theme=None, locationId="nowhere"), 404),
    ):
        got, answer = loop.call("POST", "/v1/announcements", loop.tenant.admin_key, body)
        assert got == status, (body, answer)
    assert (
        loop.call("POST", "/v1/announcements?dry_run=maybe", loop.tenant.admin_key, _announcement())[0] == 400
    )
    editor = team_session(loop.runtime, "acme", "editor", email="eva@acme.example")
    assert loop.call("POST", "/v1/announcements", editor, _announcement())[0] == 403
    assert loop.call("POST", "/v1/announcements", loop.tenant.read_key, _announcement())[0] == 403
    assert sent_messages() == [] and _announcement_items(loop) == []


def test_an_announcement_id_cannot_be_reused_for_other_content(loop: LoopEnv) -> None:
    _people(loop)
    assert loop.call("POST", "/v1/announcements", loop.tenant.admin_key, _announcement())[0] == 200
    changed = _announcement(body={"de": "Etwas anderes.", "en": "Something else."})
    status, body = loop.call("POST", "/v1/announcements", loop.tenant.admin_key, changed)
    assert (status, body["code"]) == (409, "announcement_id_taken")
    assert len(sent_messages()) == 2


def test_a_large_audience_is_finished_by_sending_again(
    loop: LoopEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from touchpoint.loop import announcements

    monkeypatch.setattr(announcements, "MAX_SENDS_PER_RUN", 1)
    _people(loop)
    status, first = loop.call("POST", "/v1/announcements", loop.tenant.admin_key, _announcement())
    assert (status, first["sent"], first["remaining"]) == (200, 1, 1)
    status, second = loop.call("POST", "/v1/announcements", loop.tenant.admin_key, _announcement())
    assert (second["sent"], second["alreadySent"], second["remaining"]) == (1, 1, 0)
    assert sorted(m.destinations["ToAddresses"][0] for m in sent_messages()) == [
        "a@example.org",
        "b@example.org",
    ]
