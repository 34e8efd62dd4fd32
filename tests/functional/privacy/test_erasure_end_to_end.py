"""Erasure end to end: ingest, survey responses and a rollup, then `DELETE /v1/people/{id}`.

Afterwards every table and every lake object is searched for the person's ids: nothing is left
but the suppression list (which must name the ids for ingest to match later events); the audit
entry holds a salted hash only. A re-rolled day no longer counts the person, later events are not
stored, and a second erasure changes nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from tests.conftest import TenantKeys, function_client
from tests.functional.ingest.support import suppression_clock
from tests.functional.privacy.support import (
    api,
    finish_rechecks,
    lake_state,
    recheck_jobs,
    send_batch,
    send_raw,
    table_items,
    traces,
    track,
)
from tests.functional.surveys.support import Clock
from touchpoint.privacy.subjects import subject_hash
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import Runtime
from touchpoint.storage.lake_layout import partition_prefix
from touchpoint.storage.rollup_state import DIRTY, DONE

D1, D2, D3 = date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 11)
ERIN = "erin-user-7f3a"
ERIN_WEB = "erin-anon-web-1c2d"
ERIN_APP = "erin-anon-app-9b8e"
ERIN_IDS = [ERIN, ERIN_WEB, ERIN_APP]

SURVEY: dict[str, Any] = {
    "name": "After purchase",
    "defaultLanguage": "en",
    "questions": [
        {"id": "nps", "kind": "nps", "required": True, "text": {"en": "Recommend us?"}},
        {"id": "comment", "kind": "text", "text": {"en": "Anything else?"}},
    ],
    "incentive": {"kind": "pattern", "pattern": "THANKS-{random6}"},
}


def _traffic() -> list[list[dict[str, Any]]]:
    """Batches: Erin (three ids) and three other people, over three days."""
    identify = {
        "type": "identify",
        "messageId": "erin-identify",
        "userId": ERIN,
        "anonymousId": ERIN_WEB,
        "timestamp": "2026-03-09T09:00:00.000Z",
        "traits": {"email": "erin@example.com", "plan": "gold"},
    }
    alias = {
        "type": "alias",
        "messageId": "erin-alias",
        "previousId": ERIN_APP,
        "userId": ERIN,
        "timestamp": "2026-03-10T08:00:00.000Z",
    }
    return [
        [identify, track("erin-1", D1, user=ERIN), track("kim-1", D1, user="kim-user")],
        [
            alias,
            track("erin-2", D2, user=ERIN, anon=ERIN_WEB),
            track("erin-3", D2, anon=ERIN_WEB),
            track("kim-2", D2, user="kim-user"),
            track("lee-1", D2, anon="lee-anon"),
            track("max-1", D2, user="max-user", anon="max-anon"),
            {"type": "track", "messageId": "erin-bad", "userId": ERIN, "timestamp": "2026-03-10T09:00:00Z"},
            {
                "type": "track",
                "messageId": "kim-bad",
                "userId": "kim-user",
                "timestamp": "2026-03-10T09:00:00Z",
            },
        ],
        [track("erin-4", D3, anon=ERIN_APP), track("kim-3", D3, user="kim-user")],
    ]


def _respond(client: Any, tenant: TenantKeys, survey_id: str, body: dict[str, Any]) -> None:
    status, answer, _ = api(client, "POST", f"/v1/surveys/{survey_id}/responses", tenant.write_key, body)
    assert status == 201, answer


def _dau(runtime: Runtime, tenant_id: str, day: date) -> float:
    [point] = [p for p in runtime.metrics.read(tenant_id, "dau", day, day) if not p.breakdown]
    assert point.value is not None
    return point.value


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from touchpoint.surveys import service

    fake = Clock(datetime.combine(D2, time(15, 0), tzinfo=UTC))
    monkeypatch.setattr(service, "utc_now", fake)
    return fake


def test_erasure_removes_every_trace_and_the_day_is_recounted_without_the_person(
    aws: Runtime, tenant: TenantKeys, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_clock = suppression_clock(monkeypatch)
    with function_client("ingest") as ingest:
        for batch in _traffic():
            send_batch(ingest, tenant.write_key, batch)
        # an unreadable request naming Erin is kept in quarantine as base64
        assert send_raw(ingest, tenant.write_key, b'{"batch": [{"userId": "' + ERIN.encode() + b'", ') == 400
    with function_client("surveys") as surveys:
        status, created, _ = api(surveys, "POST", "/v1/surveys", tenant.admin_key, SURVEY)
        assert status == 201, created
        survey_id = created["surveyId"]
        assert api(surveys, "POST", f"/v1/surveys/{survey_id}/activate", tenant.admin_key)[0] == 200
        _respond(
            surveys,
            tenant,
            survey_id,
            {
                "answers": {"nps": 3, "comment": "Slow checkout"},
                "channel": "email",
                "userId": ERIN,
                "anonymousId": ERIN_WEB,
            },
        )
        clock.advance(minutes=5)
        _respond(
            surveys, tenant, survey_id, {"answers": {"nps": 9}, "channel": "in_app", "anonymousId": ERIN_APP}
        )
        _respond(
            surveys,
            tenant,
            survey_id,
            {"answers": {"nps": 10, "comment": "Great"}, "channel": "email", "userId": "kim-user"},
        )
    everywhere = traces(aws, ERIN_IDS)
    for where in (
        "-people:TENANT#acme#ANON#",
        "-responses:TENANT#acme#SURVEY#",
        "s3:raw/events/",
        "s3:quarantine/",
    ):
        assert any(where in w for w in everywhere), where
    assert any("s3:responses/" in w for w in everywhere)
    service = build_service(aws)
    for day in (D1, D2, D3):
        service.run_day(tenant.tenant_id, day)
    dau_before = _dau(aws, tenant.tenant_id, D2)
    kim_lines_before = _lines_of(aws, tenant.tenant_id, "kim-user")

    with function_client("surveys") as surveys:
        status, erased, headers = api(surveys, "DELETE", f"/v1/people/{ERIN}", tenant.admin_key)
    assert status == 200, erased
    assert erased["status"] == "completed" and headers["Location"] == f"/v1/erasures/{erased['erasureId']}"
    removed = erased["removed"]
    assert erased["suppressedIds"] == 3
    assert removed["identityLinks"] == 2 and removed["responses"] == 2 and removed["responseGuards"] >= 3
    assert removed["eventsRemoved"] == 8  # 4 tracked, the identify, the alias, 2 `Survey Responded`
    assert removed["quarantineLinesRemoved"] == 2 and removed["responseCopiesRemoved"] == 2
    assert (
        erased["cost"]["objectsRead"]
        >= erased["cost"]["objectsRewritten"] + erased["cost"]["objectsDeleted"]
        > 0
    )
    assert erased["daysMarkedDirty"] == 3

    # Nothing of Erin is left anywhere but the suppression list (once the recheck of late-landing
    # events has run and its job, which holds her ids, is gone).
    assert len(recheck_jobs(aws)) == 1
    finish_rechecks(aws)
    left = traces(aws, ERIN_IDS)
    assert left == sorted(f"{aws.settings.people_table}:TENANT#acme#SUPPRESS#{i}|SUPPRESS" for i in ERIN_IDS)
    [audit] = [i for i in table_items(aws, aws.settings.state_table) if str(i["sk"]).startswith("ERASURE#")]
    assert audit["subject_hash"] == subject_hash(aws.settings.key_pepper, tenant.tenant_id, ERIN)
    assert audit["actor"].startswith("key:") and audit["status"] == "completed"
    assert _lines_of(aws, tenant.tenant_id, "kim-user") == kim_lines_before  # others untouched
    assert aws.identity.get_link(tenant.tenant_id, "max-anon") is not None

    # The rolled-up days are dirty; recomputed, the day counts one person less.
    for day in (D1, D2, D3):
        state = aws.rollup_state.day_state(tenant.tenant_id, day)
        assert state is not None and state.status == DIRTY
        service.run_day(tenant.tenant_id, day)
    assert _dau(aws, tenant.tenant_id, D2) == dau_before - 1

    # Later events of any of Erin's ids are not stored (a container sees the erasure within 60 s).
    ingest_clock[0] += 60.0
    before = lake_state(aws)
    with function_client("ingest") as ingest:
        answer = send_batch(
            ingest, tenant.write_key, [track("erin-5", D3, user=ERIN), track("erin-6", D3, anon=ERIN_APP)]
        )
    assert answer == {"success": True}
    assert lake_state(aws) == before and traces(aws, ERIN_IDS) == left

    # A second erasure finds nothing, rewrites nothing and dirties nothing.
    with function_client("surveys") as surveys:
        status, again, _ = api(surveys, "DELETE", f"/v1/people/{ERIN_APP}", tenant.admin_key)
    assert status == 200 and again["status"] == "completed"
    assert set(again["removed"].values()) == {0} and set(again["scrubbed"].values()) == {0}
    assert again["cost"]["objectsRewritten"] == again["cost"]["objectsDeleted"] == 0
    assert again["daysMarkedDirty"] == 0 and again["suppressedIds"] == 3
    assert lake_state(aws) == before
    for day in (D1, D2, D3):
        state = aws.rollup_state.day_state(tenant.tenant_id, day)
        assert state is not None and state.status == DONE


def _lines_of(runtime: Runtime, tenant_id: str, person: str) -> list[str]:
    lines: list[str] = []
    for area in ("raw/events", "responses", "quarantine/events"):
        for key in runtime.lake.list_keys(partition_prefix(area, tenant_id)):
            lines.extend(
                json.dumps(line, sort_keys=True)
                for line in runtime.lake.read_jsonl(key)
                if person in json.dumps(line)
            )
    return sorted(lines)
