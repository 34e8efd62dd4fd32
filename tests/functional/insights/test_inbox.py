"""The feedback inbox (`GET /v1/answers`, `GET /dashboard/inbox`) through the insights app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client, make_tenant, team_session
from tests.functional.insights.seed import response, save_responses
from touchpoint.models.tenants import TenantConfig
from touchpoint.runtime import Runtime

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
# Berlin is UTC+2 in June: 22:30 UTC on June 9 is June 10 local.
RANGE = "from=2025-06-01&to=2025-06-10"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 6, day, hour, minute, tzinfo=UTC)


ANSWERS: list[tuple[str, datetime, dict[str, Any]]] = [
    # id, time, keyword arguments of seed.response
    (
        "a1",
        at(2, 9),
        {
            "nps": 3,
            "comment": "Viel zu lange Wartezeit",
            "sentiment": "negative",
            "phrases": ["lange wartezeit"],
        },
    ),
    ("a2", at(3, 9), {"nps": 8, "location_id": "berlin", "channel": "web"}),
    (
        "a3",
        at(4, 9),
        {
            "nps": 10,
            "comment": "Toll",
            "sentiment": "positive",
            "phrases": ["personal"],
            "survey_id": "web-nps",
        },
    ),
    (
        "a4",
        at(5, 9),
        {
            "csat": 1,
            "location_id": "berlin",
            "comment": HOSTILE,
            "sentiment": "negative",
            "phrases": ["kasse"],
        },
    ),
    ("a5", at(6, 9), {"csat": 4, "location_id": None, "channel": "email"}),
    (
        "a6",
        at(9, 22, 30),
        {
            "nps": 6,
            "location_id": "berlin",
            "comment": "Wartezeit ok",
            "sentiment": "neutral",
            "phrases": ["wartezeit"],
        },
    ),
    ("a7", at(7, 9), {"nps": 2, "complete": False}),  # partial: never listed
    ("a8", at(10, 22, 30), {"nps": 1}),  # June 11 in Berlin: outside the range
    ("a9", datetime(2025, 5, 31, 21, 59, tzinfo=UTC), {"nps": 1}),  # May 31, 23:59 in Berlin: outside
]
NEWEST_FIRST = ["a6", "a5", "a4", "a3", "a2", "a1"]


@pytest.fixture
def acme(aws: Runtime) -> TenantKeys:
    keys = make_tenant(aws, "acme", TenantConfig(timezone="Europe/Berlin"))
    aws.locations.create_location("acme", "berlin", "Berlin Mitte")
    aws.locations.create_location("acme", "hamburg", "Hamburg Hafen")
    save_responses(aws, [response("acme", rid, when, **kwargs) for rid, when, kwargs in ANSWERS])
    return keys


@pytest.fixture
def client(acme: TenantKeys) -> Iterator[Client]:
    with function_client("insights") as client:
        yield client


def get(client: Client, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    answer = client.http.get(path, headers=headers)
    text = answer.body.decode("utf-8")
    if answer.headers.get("Content-Type", "").startswith("application/json"):
        return answer.status_code, json.loads(text)
    return answer.status_code, text


def ids(client: Client, query: str, headers: dict[str, str]) -> list[str]:
    status, body = get(client, f"/v1/answers?{RANGE}&{query}", headers)
    assert status == 200, body
    return [a["responseId"] for a in body["answers"]]


def test_answers_newest_first_in_the_tenant_local_range(client: Client, acme: TenantKeys) -> None:
    status, body = get(client, f"/v1/answers?{RANGE}", bearer(acme.read_key))
    assert status == 200, body
    assert [a["responseId"] for a in body["answers"]] == NEWEST_FIRST
    assert body["nextCursor"] is None
    first = body["answers"][0]
    assert first == {
        "responseId": "a6",
        "surveyId": "store-csat",
        "submittedAt": "2025-06-09T22:30:00.000000Z",
        "locationId": "berlin",
        "channel": "in_store",
        "language": "de",
        "scores": [{"questionId": "nps", "kind": "nps", "value": 6, "band": "nps_detractor"}],
        "comments": [{"text": "Wartezeit ok", "sentiment": "neutral", "keyPhrases": ["wartezeit"]}],
        "sentiment": "neutral",
        "case": None,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("location=berlin", ["a6", "a4", "a2"]),
        ("location=hamburg", ["a3", "a1"]),
        ("survey=web-nps", ["a3"]),
        ("channel=web", ["a2"]),
        ("channel=email", ["a5"]),
        ("band=nps_detractor", ["a6", "a1"]),
        ("band=nps_passive", ["a2"]),
        ("band=nps_promoter", ["a3"]),
        ("band=csat_low", ["a4"]),
        ("band=csat_high", ["a5"]),
        ("band=ces_high_effort", []),
        ("sentiment=negative", ["a4", "a1"]),
        ("sentiment=positive", ["a3"]),
        ("theme=wartezeit", ["a6", "a1"]),  # the broader theme finds the narrower phrase
        ("theme=Lange%20%20Wartezeit", ["a1"]),
        ("theme=kasse", ["a4"]),
        ("band=nps_detractor&location=berlin", ["a6"]),
    ],
)
def test_each_filter(client: Client, acme: TenantKeys, query: str, expected: list[str]) -> None:
    assert ids(client, query, bearer(acme.read_key)) == expected


def test_the_range_is_tenant_local(client: Client, acme: TenantKeys) -> None:
    def one_day(day: str) -> list[str]:
        status, body = get(client, f"/v1/answers?from={day}&to={day}", bearer(acme.read_key))
        assert status == 200, body
        return [a["responseId"] for a in body["answers"]]

    assert one_day("2025-06-10") == ["a6"]
    assert one_day("2025-06-11") == ["a8"]
    assert one_day("2025-05-31") == ["a9"]


def test_pages_follow_each_other_without_repeats_or_gaps(client: Client, acme: TenantKeys) -> None:
    headers = bearer(acme.read_key)
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        status, body = get(client, f"/v1/answers?{RANGE}&limit=4{cursor}", headers)
        assert status == 200, body
        assert len(body["answers"]) <= 4
        seen += [a["responseId"] for a in body["answers"]]
        pages += 1
        if body["nextCursor"] is None:
            break
        cursor = "&cursor=" + quote(body["nextCursor"])
    assert seen == NEWEST_FIRST and pages == 2
    status, body = get(client, f"/v1/answers?{RANGE}&limit=6", headers)
    assert len(body["answers"]) == 6 and body["nextCursor"] is None  # exactly full: no empty next page


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("band=nps_grumpy", "band"),
        ("sentiment=angry", "sentiment"),
        ("location=ber%20lin", "location"),
        ("survey=%3Cx%3E", "survey"),
        ("channel=x%27y", "channel"),
        ("from=2025-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2025-06-10&to=2025-06-01", "from"),
        ("from=2025-01-01&to=2025-06-01", "to"),
        ("cursor=bm9wZQ", "cursor"),
        ("cursor=%%%", "cursor"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("theme=" + "x" * 101, "theme"),
        ("band=nps_detractor&band=nps_passive", "band"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(
    client: Client, acme: TenantKeys, query: str, field: str
) -> None:
    status, body = get(client, f"/v1/answers?{query}", bearer(acme.read_key))
    assert status == 400, body
    assert body["field"] == field, body
    status, page = get(client, f"/dashboard/inbox?{query}", bearer(acme.read_key))
    assert status == 400 and field in page


def test_a_store_manager_sees_only_their_stores_answers(
    aws: Runtime, client: Client, acme: TenantKeys
) -> None:
    berlin = team_session(aws, "acme", "editor", locations=("berlin",))
    assert ids(client, "", berlin) == ["a6", "a4", "a2"]  # no Hamburg answer, no answer without a store
    assert ids(client, "band=nps_detractor", berlin) == ["a6"]
    status, body = get(client, f"/v1/answers?{RANGE}&location=hamburg", berlin)
    assert status == 404, body
    status, page = get(client, f"/dashboard/inbox?{RANGE}", berlin)
    assert status == 200
    assert 'value="berlin"' in page and "Berlin Mitte" in page
    assert 'value="hamburg"' not in page and "Hamburg Hafen" not in page
    assert 'id="answer-a1"' not in page and 'id="answer-a5"' not in page
    status, page = get(client, f"/dashboard/inbox?{RANGE}&location=hamburg", berlin)
    assert status == 404 and "a1" not in page


def test_the_page_lists_answers_with_bands_escaped_comments_and_open_case_buttons(
    client: Client, acme: TenantKeys
) -> None:
    status, page = get(client, f"/dashboard/inbox?{RANGE}&lang=en", bearer(acme.admin_key))
    assert status == 200, page
    for rid in NEWEST_FIRST:
        assert f'id="answer-{rid}"' in page
    assert 'id="answer-a7"' not in page and 'id="answer-a8"' not in page
    assert page.index('id="answer-a6"') < page.index('id="answer-a1"')
    assert ESCAPED in page and HOSTILE not in page
    assert '<span class="badge nps_detractor">NPS detractor (0–6)</span>' in page
    assert 'id="open-case-a1"' in page and 'action="/dashboard/cases"' in page
    assert "2025-06-10 00:30" in page  # a6 in Berlin time
    status, page = get(client, f"/dashboard/inbox?{RANGE}&lang=de", bearer(acme.read_key))
    assert status == 200
    assert "NPS Kritiker (0–6)" in page and "10.06.2025 00:30" in page
    assert 'id="open-case-a1"' not in page  # a read key cannot open cases


def test_the_page_links_to_the_next_page_keeping_the_filters(client: Client, acme: TenantKeys) -> None:
    status, page = get(
        client, f"/dashboard/inbox?{RANGE}&limit=2&band=nps_detractor&lang=en", bearer(acme.read_key)
    )
    assert status == 200
    assert 'id="answer-a6"' in page and 'id="answer-a1"' in page and 'id="next-page"' not in page
    status, page = get(client, f"/dashboard/inbox?{RANGE}&limit=2&lang=en", bearer(acme.read_key))
    assert 'id="next-page"' in page
    link = page.split('id="next-page" rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    status, second = get(client, link, bearer(acme.read_key))
    assert status == 200 and 'id="answer-a4"' in second and 'id="answer-a6"' not in second
    assert 'id="first-page"' in second


def test_without_a_session_the_page_sends_to_sign_in(client: Client) -> None:
    answer = client.http.get("/dashboard/inbox")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/dashboard/login?next=%2Fdashboard%2Finbox"
    assert client.http.get("/v1/answers").status_code == 401
