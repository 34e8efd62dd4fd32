"""People at risk (`/v1/people/at-risk`, `.csv`, `/dashboard/at-risk`) with hand-computed numbers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client, make_tenant, team_session
from tests.functional.insights.seed import response, save_responses
from tests.functional.insights.test_inbox import get
from touchpoint.models.tenants import TenantConfig
from touchpoint.runtime import Runtime
from touchpoint.storage.lake_layout import people_export_keys

DAY = date(2025, 6, 10)
HOSTILE = "<script>p</script>"
HEADER = "tenant_day,person,score,score_30d_ago,change,at_risk,last_active_day,revenue_to_date"
# person, score on D, score on D-30, last active day, revenue to date
SCORES = [
    ("u-fall21", 59.0, 80.0, "2025-06-01", 120.5),  # fell 21: at risk
    ("u-fall20", 50.0, 70.0, "2025-05-20", 0.0),  # fell exactly 20: at risk
    ("u-fall19", 60.01, 80.0, "2025-06-09", 10.0),  # fell 19.99: not at risk
    ("u-new", 40.0, None, "2025-06-10", 0.0),  # not scored 30 days ago: not compared
    ("u-rise", 90.0, 60.0, "2025-06-10", 5.0),  # rose
    ("anon-1", 10.0, 45.5, "2025-05-12", 0.0),  # fell 35.5: at risk, never gave feedback
    (HOSTILE, 5.0, 30.0, "2025-06-02", 0.0),  # fell 25: at risk, a hostile id from the tracking API
]


def score_file(rows: list[tuple[str, float, float | None, str, float]]) -> str:
    lines = [HEADER]
    for person, score, before, active, revenue in rows:
        change = "" if before is None else f"{score - before:.6f}"
        at_risk = "true" if before is not None and before - score >= 20 else "false"
        lines.append(
            f"{DAY},{person},{score},{'' if before is None else before},{change},{at_risk},{active},{revenue}"
        )
    return "\n".join(lines) + "\n"


def answer(rid: str, user: str, when: datetime, location: str | None) -> Any:
    return response("acme", rid, when, nps=3, location_id=location).model_copy(update={"user_id": user})


@pytest.fixture
def acme(aws: Runtime) -> TenantKeys:
    keys = make_tenant(aws, "acme", TenantConfig(timezone="Europe/Berlin"))
    aws.locations.create_location("acme", "berlin", "Berlin Mitte")
    aws.locations.create_location("acme", "hamburg", "Hamburg Hafen")
    aws.lake.put_bytes(
        people_export_keys("acme", DAY)[0], score_file(SCORES).encode(), content_type="text/csv"
    )
    save_responses(
        aws,
        [
            answer("r1", "u-fall21", datetime(2025, 5, 1, 10, tzinfo=UTC), "hamburg"),
            answer("r2", "u-fall21", datetime(2025, 6, 3, 8, 15, tzinfo=UTC), "berlin"),  # the latest
            answer("r3", "u-fall20", datetime(2025, 5, 28, 12, tzinfo=UTC), "hamburg"),
            answer("r4", "u-fall19", datetime(2025, 6, 1, 12, tzinfo=UTC), "berlin"),
        ],
    )
    return keys


@pytest.fixture
def client(acme: TenantKeys) -> Iterator[Client]:
    with function_client("insights") as client:
        yield client


def test_the_list_holds_exactly_the_people_who_fell_20_points_or_more(
    client: Client, acme: TenantKeys
) -> None:
    status, body = get(client, f"/v1/people/at-risk?date={DAY}", bearer(acme.read_key))
    assert status == 200, body
    assert (body["date"], body["drop"], body["scored"]) == ("2025-06-10", 20.0, True)
    assert [p["person"] for p in body["people"]] == ["anon-1", HOSTILE, "u-fall21", "u-fall20"]
    first, _, fall21, fall20 = body["people"]
    assert first == {
        "person": "anon-1",
        "score": 10.0,
        "score30dAgo": 45.5,
        "change": -35.5,
        "lastActiveDay": "2025-05-12",
        "revenueToDate": 0.0,
        "lastFeedbackAt": None,
        "lastFeedbackLocation": None,
    }
    assert (fall21["change"], fall21["revenueToDate"], fall21["lastActiveDay"]) == (
        -21.0,
        120.5,
        "2025-06-01",
    )
    assert (fall21["lastFeedbackAt"], fall21["lastFeedbackLocation"]) == (
        "2025-06-03T08:15:00.000000Z",
        "berlin",
    )
    assert (fall20["change"], fall20["lastFeedbackLocation"]) == (-20.0, "hamburg")


def test_store_managers_see_the_people_whose_last_feedback_was_at_their_stores(
    aws: Runtime, client: Client, acme: TenantKeys
) -> None:
    berlin = team_session(aws, "acme", "viewer", locations=("berlin",))
    hamburg = team_session(aws, "acme", "viewer", locations=("hamburg",))
    # u-fall21 once answered in Hamburg, but the last feedback was in Berlin
    assert [p["person"] for p in get(client, f"/v1/people/at-risk?date={DAY}", berlin)[1]["people"]] == [
        "u-fall21"
    ]
    assert [p["person"] for p in get(client, f"/v1/people/at-risk?date={DAY}", hamburg)[1]["people"]] == [
        "u-fall20"
    ]
    status, csv = get(client, f"/v1/people/at-risk.csv?date={DAY}", berlin)
    assert status == 200 and "u-fall21" in csv and "u-fall20" not in csv and "anon-1" not in csv
    status, page = get(client, f"/dashboard/at-risk?date={DAY}&lang=en", berlin)
    assert status == 200 and "u-fall21" in page and "u-fall20" not in page and "anon-1" not in page


def test_the_csv_download(client: Client, acme: TenantKeys) -> None:
    answer = client.http.get(f"/v1/people/at-risk.csv?date={DAY}", headers=bearer(acme.read_key))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "touchpoint-people-at-risk-2025-06-10.csv" in answer.headers["Content-Disposition"]
    lines = answer.body.decode("utf-8").lstrip("\ufeff").split("\r\n")
    assert (
        lines[0]
        == "person,score,score_30d_ago,change,last_active_day,last_feedback_at,last_feedback_location,revenue_to_date"
    )
    assert lines[1] == "anon-1,10.0,45.5,-35.5,2025-05-12,,,0.0"
    assert lines[3] == "u-fall21,59.0,80.0,-21.0,2025-06-01,2025-06-03T08:15:00.000000Z,berlin,120.5"
    assert lines[4] == "u-fall20,50.0,70.0,-20.0,2025-05-20,2025-05-28T12:00:00.000000Z,hamburg,0.0"
    assert lines[5] == ""


def test_the_page_lists_people_with_a_case_button_and_escapes_ids(client: Client, acme: TenantKeys) -> None:
    status, page = get(client, f"/dashboard/at-risk?date={DAY}&lang=de", bearer(acme.admin_key))
    assert status == 200, page
    assert "&lt;script&gt;p&lt;/script&gt;" in page and HOSTILE not in page
    assert page.count('class="person"') == 4
    row = page.split('data-person="u-fall21"')[1].split("</tr>")[0]
    assert "59,0" in row and "80,0" in row and "-21,0" in row and "120,50 €" in row
    assert "01.06.2025" in row and "03.06.2025 10:15 · Berlin Mitte" in row
    assert '<input type="hidden" name="person_id" value="u-fall21">' in row
    assert '<input type="hidden" name="location_id" value="berlin">' in row
    assert 'id="at-risk-csv" href="/v1/people/at-risk.csv?date=2025-06-10"' in page
    status, page = get(client, f"/dashboard/at-risk?date={DAY}&lang=en", bearer(acme.read_key))
    assert status == 200 and 'name="person_id"' not in page  # a read key opens no cases


def test_a_day_without_scores_and_the_default_day(client: Client, acme: TenantKeys) -> None:
    status, body = get(client, "/v1/people/at-risk?date=2025-06-11", bearer(acme.read_key))
    assert status == 200 and body == {"date": "2025-06-11", "drop": 20.0, "scored": False, "people": []}
    status, body = get(client, "/v1/people/at-risk", bearer(acme.read_key))
    from zoneinfo import ZoneInfo

    yesterday = datetime.now(ZoneInfo("Europe/Berlin")).date() - timedelta(days=1)
    assert status == 200 and body["date"] == yesterday.isoformat()
    status, page = get(client, "/dashboard/at-risk?date=2025-06-11&lang=en", bearer(acme.read_key))
    assert status == 200 and 'id="no-scores"' in page


@pytest.mark.parametrize("query", ["date=2025-02-30", "date=yesterday", "date=2025-06-10&date=2025-06-09"])
def test_a_bad_date_is_400_naming_it(client: Client, acme: TenantKeys, query: str) -> None:
    for path in ("/v1/people/at-risk", "/v1/people/at-risk.csv"):
        status, body = get(client, f"{path}?{query}", bearer(acme.read_key))
        assert status == 400 and body["field"] == "date", body
    status, page = get(client, f"/dashboard/at-risk?{query}", bearer(acme.read_key))
    assert status == 400 and "date" in page


def test_the_local_dev_server_sends_at_risk_to_insights_and_other_people_paths_to_surveys(
    acme: TenantKeys,
) -> None:
    from touchpoint_cli.apps import load_app
    from touchpoint_cli.devserver import Router, mount, route_owner
    from touchpoint_cli.paths import HTTP_FUNCTIONS

    apps = [mount(name, load_app(name)) for name in HTTP_FUNCTIONS]
    for path, owner in [
        ("/v1/people/at-risk", "insights"),
        ("/v1/people/at-risk.csv", "insights"),
        ("/v1/people/user-42", "surveys"),
        ("/v1/people/user-42/export", "surveys"),
        ("/v1/answers", "insights"),
        ("/dashboard/at-risk", "insights"),
    ]:
        found = route_owner(apps, path)
        assert found is not None and found.name == owner, path
    router = Router(apps, {})
    answer = router.handle("GET", f"/v1/people/at-risk?date={DAY}", bearer(acme.read_key), None)
    assert answer["statusCode"] == 200, answer
    assert json.loads(answer["body"])["people"][0]["person"] == "anon-1"
