"""Listing (filters, pages) and exports (CSV, JSON lines; inline or through the lake) of responses."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.conftest import TenantKeys, function_client
from tests.functional.surveys.support import Clock, active_survey, call, lake_keys
from touchpoint.models.surveys import Comment, Score, StoredResponse
from touchpoint.runtime import Runtime
from touchpoint.storage.batches import batch_write
from touchpoint.storage.dynamo import to_item
from touchpoint.storage.responses import response_item


def _seed_through_api(client: Any, tenant: TenantKeys, survey_id: str, clock: Clock) -> list[dict[str, Any]]:
    """Nine responses over three days: channels email/in_store/web, stores a/b."""
    sent = []
    for i in range(9):
        body = {
            "answers": {"nps": i, "csat": 1 + i % 5},
            "channel": ["email", "in_store", "web"][i % 3],
            "locationId": "store-a" if i % 2 == 0 else "store-b",
            "userId": f"u{i}",
        }
        status, result, _ = call(client, "POST", f"/v1/surveys/{survey_id}/responses", tenant.write_key, body)
        assert status == 201, result
        sent.append({**body, **result})
        clock.advance(hours=8)
    return sent


@pytest.fixture
def stores(aws: Runtime, tenant: TenantKeys) -> None:
    for store in ("store-a", "store-b"):
        aws.locations.create_location(tenant.tenant_id, store, store.title())


def _ids(client: Any, key: str, path: str) -> list[str]:
    status, body, _ = call(client, "GET", path, key)
    assert status == 200, body
    return [r["responseId"] for r in body["responses"]]


def test_filters_and_pages(aws: Runtime, tenant: TenantKeys, stores: None, clock: Clock) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        sent = _seed_through_api(client, tenant, survey_id, clock)
        base = f"/v1/surveys/{survey_id}/responses"
        everything = [s["responseId"] for s in sent]
        assert _ids(client, tenant.admin_key, base) == everything

        assert _ids(client, tenant.admin_key, f"{base}?channel=in_store") == everything[1::3]
        assert _ids(client, tenant.admin_key, f"{base}?location=store-b") == everything[1::2]
        assert _ids(client, tenant.admin_key, f"{base}?channel=email&location=store-a") == [
            everything[0],
            everything[6],
        ]
        first_day = sent[0]["submittedAt"][:10]
        assert _ids(client, tenant.admin_key, f"{base}?from={first_day}&to={first_day}") == [
            s["responseId"] for s in sent if s["submittedAt"].startswith(first_day)
        ]
        start, end = sent[2]["submittedAt"], sent[5]["submittedAt"]
        assert _ids(client, tenant.admin_key, f"{base}?from={start}&to={end}") == everything[2:5]

        pages: list[list[str]] = []
        path = f"{base}?limit=2&channel=email"
        while True:
            status, body, _ = call(client, "GET", path, tenant.admin_key)
            assert status == 200
            pages.append([r["responseId"] for r in body["responses"]])
            if body["next"] is None:
                break
            path = f"{base}?limit=2&channel=email&next={body['next']}"
        assert [i for page in pages for i in page] == everything[0::3]
        assert all(len(page) <= 2 for page in pages)

        _, body, _ = call(client, "GET", f"{base}?limit=1", tenant.admin_key)
        view = body["responses"][0]
        assert view["answers"] == {"nps": 0, "csat": 1} and view["channel"] == "email"
        assert view["scores"][0] == {"questionId": "nps", "kind": "nps", "value": 0}
        assert {"tenantId", "lakeKey", "lakeWritten", "couponCode"} & set(view) == set()


def test_a_next_token_of_another_survey_is_refused(aws: Runtime, tenant: TenantKeys) -> None:
    with function_client("surveys") as client:
        first, second = active_survey(client, tenant), active_survey(client, tenant)
        for _ in range(2):
            call(
                client,
                "POST",
                f"/v1/surveys/{first}/responses",
                tenant.write_key,
                {"answers": {"nps": 1}, "channel": "web"},
            )
        _, body, _ = call(client, "GET", f"/v1/surveys/{first}/responses?limit=1", tenant.admin_key)
        status, error, _ = call(
            client, "GET", f"/v1/surveys/{second}/responses?next={body['next']}", tenant.admin_key
        )
    assert status == 400 and error["message"] == "the next token belongs to another listing"


def test_small_exports_come_inline_as_csv_or_json_lines(aws: Runtime, tenant: TenantKeys) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        body = {
            "answers": {
                "nps": 2,
                "improve": '=HYPERLINK("http://evil") zu teuer',
                "topics": ["price", "range"],
            },
            "channel": "web",
            "hidden": {"orderId": "A-7"},
        }
        call(client, "POST", f"/v1/surveys/{survey_id}/responses", tenant.write_key, body)
        status, text, headers = call(
            client, "GET", f"/v1/responses/export?survey_id={survey_id}", tenant.admin_key
        )
        assert status == 200 and headers["Content-Type"].startswith("text/csv")
        assert headers["Content-Disposition"].startswith(f'attachment; filename="responses-{survey_id}-')
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 1
        row = rows[0]
        assert row["nps"] == "2" and row["topics"] == "price|range" and row["channel"] == "web"
        assert row["improve"].startswith("'=HYPERLINK")  # never run as a spreadsheet formula
        assert row["improve_sentiment"] in {"negative", "neutral"} and row["complete"] == "true"
        assert json.loads(row["hidden"]) == {"orderId": "A-7"}

        status, text, headers = call(
            client, "GET", f"/v1/responses/export?survey_id={survey_id}&format=jsonl", tenant.admin_key
        )
        assert status == 200 and headers["Content-Type"] == "application/x-ndjson"
        [line] = text.splitlines() if isinstance(text, str) else [json.dumps(text)]
        assert json.loads(line)["answers"]["topics"] == ["price", "range"]
    assert not [k for k in lake_keys(aws) if k.startswith("exports/")]


def _seed_directly(runtime: Runtime, survey_id: str, count: int) -> None:
    """Write `count` response items with the repository's item encoder (fast: batch writes)."""
    start = datetime.now(UTC)
    requests_: list[dict[str, Any]] = []
    for i in range(count):
        at = start + timedelta(milliseconds=i)
        response = StoredResponse(
            tenant_id="acme",
            survey_id=survey_id,
            response_id=f"r-seed-{i:06d}",
            complete=True,
            channel=["email", "in_app", "web"][i % 3],
            user_id=f"user-{i}",
            language="de",
            answers={"nps": i % 11, "csat": 1 + i % 5, "comment": f"Kommentar Nummer {i}, alles gut"},
            scores=[
                Score(question_id="nps", kind="nps", value=i % 11),
                Score(question_id="csat", kind="csat", value=1 + i % 5),
            ],
            comments=[
                Comment(
                    question_id="comment",
                    text=f"Kommentar Nummer {i}, alles gut",
                    language="de",
                    sentiment="positive",
                    score=0.5,
                )
            ],
            hidden={"orderId": f"O-{i}"},
            started_at=at,
            submitted_at=at,
            completed_at=at,
            lake_written=True,
        )
        requests_.append({"PutRequest": {"Item": to_item(response_item(response, expires_at=2_000_000_000))}})
    batch_write(runtime.clients.dynamodb, runtime.settings.responses_table, requests_)


@pytest.mark.slow
def test_an_export_of_10000_responses_is_handed_out_through_the_lake(
    aws: Runtime, tenant: TenantKeys
) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        _seed_directly(aws, survey_id, 10_000)
        status, body, headers = call(
            client, "GET", f"/v1/responses/export?survey_id={survey_id}", tenant.admin_key
        )
    assert status == 303, body
    assert headers["Location"] == body["url"] and body["rows"] == 10_000
    assert body["bytes"] > 1024 * 1024 and body["expiresIn"] == 900
    assert body["key"].startswith("exports/responses/tenant=acme/dt=") and body["key"].endswith(".csv")
    assert body["key"] in lake_keys(aws, "exports/")

    download = requests.get(body["url"], timeout=30)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith(f'attachment; filename="responses-{survey_id}-')
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8"))))
    assert len(rows) == 10_000 and len({r["responseId"] for r in rows}) == 10_000
    assert rows[0]["responseId"] == "r-seed-000000" and rows[-1]["responseId"] == "r-seed-009999"
    assert rows[123]["nps"] == str(123 % 11) and rows[123]["comment_sentiment"] == "positive"
    assert json.loads(rows[123]["hidden"]) == {"orderId": "O-123"}
