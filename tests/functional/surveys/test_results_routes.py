"""Survey results through the API, the CSV download and the console page: the same numbers, per store scope."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client, team_session
from tests.functional.surveys.support import active_survey, call
from touchpoint.runtime import Runtime


@pytest.fixture
def answered(tenant: TenantKeys, aws: Runtime) -> Iterator[tuple[Client, str]]:
    """An active survey with two answers in Berlin, one in Hamburg and one without a store."""
    aws.locations.create_location("acme", "berlin-mitte", "Berlin Mitte")
    aws.locations.create_location("acme", "hamburg", "Hamburg")
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        for nps, location, topics in (
            (10, "berlin-mitte", ["price"]),
            (3, "berlin-mitte", ["price", "service"]),
            (9, "hamburg", ["range"]),
            (0, None, None),
        ):
            answers: dict[str, Any] = {"nps": nps, "csat": 4}
            if topics:
                answers["topics"] = topics
            body: dict[str, Any] = {"answers": answers, "channel": "in_store", "anonymousId": f"p{nps}"}
            if location:
                body["locationId"] = location
            status, reply, _ = call(
                client, "POST", f"/v1/surveys/{survey_id}/responses", tenant.write_key, body
            )
            assert status == 201, reply
        yield client, survey_id


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def test_the_api_counts_every_answer_for_the_whole_tenant(
    answered: tuple[Client, str], tenant: TenantKeys
) -> None:
    client, survey_id = answered
    status, results, _ = call(
        client, "GET", f"/v1/surveys/{survey_id}/results?from={_today()}&to={_today()}", tenant.read_key
    )
    assert status == 200
    assert (results["started"], results["complete"], results["completionRate"]) == (4, 4, 1.0)
    split = next(q for q in results["questions"] if q["id"] == "nps")["npsSplit"]
    # 10, 3, 9, 0: promoters 2, detractors 2 -> NPS 100 x (2 - 2) / 4 = 0
    assert (split["promoters"], split["passives"], split["detractors"], split["nps"]) == (2, 0, 2, 0.0)
    topics = next(q for q in results["questions"] if q["id"] == "topics")
    assert {o["id"]: o["count"] for o in topics["options"]} == {"price": 2, "service": 1, "range": 1}


def test_a_berlin_store_manager_counts_only_berlins_answers(
    answered: tuple[Client, str], aws: Runtime
) -> None:
    client, survey_id = answered
    manager = team_session(aws, "acme", "viewer", locations=("berlin-mitte",))
    response = client.http.get(f"/v1/surveys/{survey_id}/results", headers=manager)
    results = response.json_body
    assert response.status_code == 200 and results["complete"] == 2
    split = next(q for q in results["questions"] if q["id"] == "nps")["npsSplit"]
    # Berlin: 10 and 3 -> NPS 100 x (1 - 1) / 2 = 0; Hamburg's 9 and the store-less 0 are not counted
    assert (split["promoters"], split["detractors"], split["answers"]) == (1, 1, 2)
    csv_text = client.http.get(f"/v1/surveys/{survey_id}/results.csv", headers=manager).body.decode()
    assert ["summary", "", "", "complete", "", "2", "1.0000"] in list(csv.reader(io.StringIO(csv_text)))
    page = client.http.get(f"/console/surveys/{survey_id}/results?lang=en", headers=manager)
    assert page.status_code == 200 and "You see the answers of your stores only." in page.body.decode()


def test_csv_and_page_show_the_api_numbers(answered: tuple[Client, str], tenant: TenantKeys) -> None:
    client, survey_id = answered
    download = client.http.get(f"/v1/surveys/{survey_id}/results.csv", headers=bearer(tenant.admin_key))
    assert download.status_code == 200 and download.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.body.decode())))
    assert ["nps", "nps", "nps", "promoters", "", "2", "0.5000"] in rows
    assert ["option", "topics", "multi_choice", "price", "Preis", "2", "0.6667"] in rows
    page = client.http.get(f"/console/surveys/{survey_id}/results?lang=en", headers=bearer(tenant.read_key))
    html = page.body.decode()
    assert page.status_code == 200 and "<script" not in html and "style=" not in html
    assert "Promoters (9–10)" in html and "50.0" in html  # 2 of 4 promoters
    assert f"/v1/surveys/{survey_id}/results.csv?from=" in html


def test_bad_periods_write_keys_and_unknown_surveys_are_refused(
    answered: tuple[Client, str], tenant: TenantKeys
) -> None:
    client, survey_id = answered
    bad = call(client, "GET", f"/v1/surveys/{survey_id}/results?from=2026-13-01", tenant.read_key)
    assert bad[0] == 400 and bad[1]["field"] == "from"
    assert call(client, "GET", f"/v1/surveys/{survey_id}/results", tenant.write_key)[0] == 403
    assert call(client, "GET", "/v1/surveys/nope/results", tenant.read_key)[0] == 404
    page = client.http.get(
        f"/console/surveys/{survey_id}/results?to=2026-01-01&from=2026-02-01", headers=bearer(tenant.read_key)
    )
    assert page.status_code == 400 and "text/html" in page.headers["Content-Type"]
