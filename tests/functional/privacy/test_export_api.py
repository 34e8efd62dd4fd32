"""`GET /v1/people/{id}/export`: everything stored about a person, page by page, and audited."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.conftest import TenantKeys, function_client
from tests.functional.privacy.support import api, everything_stored, send_batch, table_items, track
from touchpoint.privacy.subjects import subject_hash
from touchpoint.runtime import Runtime

DAY = date(2026, 3, 10)
SURVEY = {
    "name": "Quick",
    "defaultLanguage": "en",
    "questions": [{"id": "nps", "kind": "nps", "required": True, "text": {"en": "Recommend us?"}}],
}


@pytest.fixture
def seeded(aws: Runtime, tenant: TenantKeys) -> None:
    """Erin on four days (one event rejected), Kim beside her, one survey response of Erin."""
    with function_client("ingest") as ingest:
        for n in range(4):
            send_batch(
                ingest,
                tenant.write_key,
                [
                    track(f"e{n}", DAY + timedelta(days=n), user="erin", anon="erin-web"),
                    track(f"k{n}", DAY + timedelta(days=n), user="kim"),
                ],
            )
        send_batch(ingest, tenant.write_key, [{"type": "track", "userId": "erin", "messageId": "bad"}])
    with function_client("surveys") as surveys:
        survey_id = api(surveys, "POST", "/v1/surveys", tenant.admin_key, SURVEY)[1]["surveyId"]
        api(surveys, "POST", f"/v1/surveys/{survey_id}/activate", tenant.admin_key)
        status, _, _ = api(
            surveys,
            "POST",
            f"/v1/surveys/{survey_id}/responses",
            tenant.write_key,
            {"answers": {"nps": 7}, "anonymousId": "erin-web", "channel": "web"},
        )
        assert status == 201


def _audit_entries(runtime: Runtime) -> list[dict[str, Any]]:
    return [i for i in table_items(runtime, runtime.settings.state_table) if "#PRIVACY" in str(i["pk"])]


@pytest.mark.usefixtures("seeded")
def test_the_export_holds_ids_links_responses_events_and_rejected_input(
    aws: Runtime, tenant: TenantKeys
) -> None:
    with function_client("surveys") as client:
        status, document, _ = api(client, "GET", "/v1/people/erin-web/export", tenant.admin_key)
    assert status == 200
    assert document["personId"] == "erin-web" and document["ids"] == ["erin", "erin-web"]
    assert document["identityLinks"] == [{"anonymousId": "erin-web", "userId": "erin"}]
    assert document["suppression"] == [] and document["erasures"] == []
    [response] = document["responses"]
    assert response["anonymousId"] == "erin-web" and response["scores"][0]["value"] == 7
    assert {g["kind"] for g in document["responseGuards"]} == {"respondent_guard"}
    tracked = sorted(e["messageId"] for e in document["events"] if e["event"] == "Product Viewed")
    assert tracked == ["e0", "e1", "e2", "e3"]
    assert any(e["event"] == "Survey Responded" for e in document["events"])
    assert [q["event"]["messageId"] for q in document["quarantined"]] == ["bad"]
    assert "kim" not in str(document)
    assert document["scan"]["complete"] is True and document["scan"]["next"] is None
    [entry] = _audit_entries(aws)
    assert entry["subject_hash"] == subject_hash(aws.settings.key_pepper, tenant.tenant_id, "erin-web")
    assert entry["counts"]["events"] == 5 and "erin" not in str(entry).replace(str(entry["subject_hash"]), "")


@pytest.mark.usefixtures("seeded")
def test_an_event_landed_twice_by_a_retried_request_is_exported_once(
    aws: Runtime, tenant: TenantKeys
) -> None:
    with function_client("ingest") as ingest:  # the SDK retried the first day's request
        send_batch(ingest, tenant.write_key, [track("e0", DAY, user="erin", anon="erin-web")])
    with function_client("surveys") as client:
        status, document, _ = api(client, "GET", "/v1/people/erin/export", tenant.admin_key)
    assert status == 200
    tracked = [e for e in document["events"] if e["event"] == "Product Viewed"]
    assert sorted(e["messageId"] for e in tracked) == ["e0", "e1", "e2", "e3"]
    assert all("tenantId" not in e for e in document["events"])  # the landing stream's partition key


@pytest.mark.usefixtures("seeded")
def test_pages_follow_the_cursor_until_every_line_was_returned(aws: Runtime, tenant: TenantKeys) -> None:
    with function_client("surveys") as client:
        status, first, _ = api(client, "GET", "/v1/people/erin/export?limit=1", tenant.admin_key)
        assert status == 200 and first["scan"]["complete"] is False
        pages = [first]
        while pages[-1]["scan"]["next"]:
            status, page, _ = api(
                client,
                "GET",
                f"/v1/people/erin/export?limit=1&after={pages[-1]['scan']['next']}",
                tenant.admin_key,
            )
            assert status == 200 and set(page) == {"personId", "events", "quarantined", "scan"}
            pages.append(page)
    assert len(pages) == 6  # one partition per page: four event days, the survey day, the quarantine
    events = [e["messageId"] for p in pages for e in p["events"]]
    assert len(events) == len(set(events)) == 5
    assert sum(len(p["quarantined"]) for p in pages) == 1
    assert len(_audit_entries(aws)) == 1  # only a first page is an access request


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("?after=not-a-cursor", "after", "invalid_cursor"),
        ("?after=eyJhIjowLCJwIjoicmF3L2V2ZW50cy90ZW5hbnQ9Z2xvYmV4LyJ9", "after", "invalid_cursor"),
        ("?limit=0", "limit", "invalid_request"),
        ("?limit=lots", "limit", "invalid_request"),
        ("?limit=10001", "limit", "invalid_request"),
    ],
)
def test_a_bad_cursor_or_limit_is_refused_and_nothing_is_audited(
    aws: Runtime, tenant: TenantKeys, query: str, field: str, code: str
) -> None:
    before = sorted((s.where, s.text) for s in everything_stored(aws))
    with function_client("surveys") as client:
        status, body, _ = api(client, "GET", f"/v1/people/erin/export{query}", tenant.admin_key)
    assert status == 400 and body["field"] == field and body["code"] == code
    assert sorted((s.where, s.text) for s in everything_stored(aws)) == before


@pytest.mark.usefixtures("seeded")
def test_after_erasure_the_export_shows_the_suppression_and_the_erasure_only(
    aws: Runtime, tenant: TenantKeys
) -> None:
    with function_client("surveys") as client:
        erased = api(client, "DELETE", "/v1/people/erin", tenant.admin_key)[1]
        status, document, _ = api(client, "GET", "/v1/people/erin/export", tenant.admin_key)
    assert status == 200 and document["ids"] == ["erin", "erin-web"]  # known from the suppression list
    assert [s["id"] for s in document["suppression"]] == ["erin", "erin-web"]
    assert [e["erasureId"] for e in document["erasures"]] == [erased["erasureId"]]
    for part in ("identityLinks", "profiles", "responses", "responseGuards", "events", "quarantined"):
        assert document[part] == [], part


@pytest.mark.usefixtures("seeded")
def test_the_export_holds_the_persons_engagement_scores_of_the_latest_days(
    aws: Runtime, tenant: TenantKeys
) -> None:
    from touchpoint.privacy.scores import EXPORT_DAYS
    from touchpoint.storage.lake_layout import people_export_keys

    first = date(2026, 1, 1)
    for offset in range(EXPORT_DAYS + 2):  # two files older than the export reads
        day = first + timedelta(days=offset)
        rows = [f"{day},erin,{50 + offset}.5,,,false,,0.0", f"{day},kim,10.0,40.0,-30.0,true,{day},12.0"]
        if offset == EXPORT_DAYS + 1:
            rows[0] = f"{day},erin,20.0,55.0,-35.0,true,2026-01-20,99.5"
        header = "tenant_day,person,score,score_30d_ago,change,at_risk,last_active_day,revenue_to_date"
        body = header + "\n" + "\n".join(rows) + "\n"
        aws.lake.put_bytes(
            people_export_keys(tenant.tenant_id, day)[0], body.encode("utf-8"), content_type="text/csv"
        )
    with function_client("surveys") as client:
        status, document, _ = api(client, "GET", "/v1/people/erin-web/export", tenant.admin_key)
    assert status == 200
    scores = document["engagementScores"]
    assert scores["olderDays"] == 2 and len(scores["days"]) == EXPORT_DAYS
    assert {row["person"] for row in scores["days"]} == {"erin"}  # erin-web is erin
    assert scores["days"][-1] == {
        "date": str(first + timedelta(days=EXPORT_DAYS + 1)),
        "person": "erin",
        "score": 20.0,
        "score30dAgo": 55.0,
        "change": -35.0,
        "atRisk": True,
        "lastActiveDay": "2026-01-20",
        "revenueToDate": 99.5,
    }
    assert scores["days"][0]["score30dAgo"] is None and scores["days"][0]["atRisk"] is False
    assert scores["days"][0]["lastActiveDay"] is None and scores["days"][0]["revenueToDate"] == 0.0
    assert "kim" not in str(document)
