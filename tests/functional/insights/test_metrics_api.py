"""Metrics batch, summary against the previous period, comments drill-down and CSV exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client
from tests.functional.insights.seed import (
    LAST,
    PERIOD_DAYS,
    bad_day_responses,
    month_of_metrics,
    save_responses,
    store_points,
)
from touchpoint.runtime import Runtime

PERIOD = {"from": (LAST - timedelta(days=PERIOD_DAYS - 1)).isoformat(), "to": LAST.isoformat()}
BAD_DAY = LAST - timedelta(days=3)


@pytest.fixture
def client(aws: Runtime, tenant: TenantKeys) -> Iterator[Client]:
    store_points(aws, tenant.tenant_id, month_of_metrics())
    save_responses(aws, bad_day_responses(tenant.tenant_id, BAD_DAY))
    with function_client("insights") as c:
        yield c


@pytest.fixture
def empty_client(aws: Runtime, tenant: TenantKeys) -> Iterator[Client]:
    with function_client("insights") as c:
        yield c


def _get(client: Client, path: str, key: str) -> tuple[int, Any]:
    response = client.http.get(path, headers=bearer(key))
    return response.status_code, json.loads(response.body) if response.body else None


def test_batch_returns_several_metrics_like_the_single_route(client: Client, tenant: TenantKeys) -> None:
    query = f"metrics=sessions,nps&metric=csat&from={PERIOD['from']}&to={PERIOD['to']}"
    status, body = _get(client, f"/v1/metrics/batch?{query}", tenant.read_key)
    assert status == 200
    assert [m["metric"] for m in body["metrics"]] == [
        "csat",
        "sessions",
        "nps",
    ]  # `metric` first, then `metrics`
    single = json.loads(
        client.http.get(
            f"/v1/metrics?metric=nps&from={PERIOD['from']}&to={PERIOD['to']}", headers=bearer(tenant.read_key)
        ).body
    )
    assert body["metrics"][2] == single
    assert len(body["metrics"][1]["points"]) == PERIOD_DAYS
    status, by_location = _get(
        client, f"/v1/metrics/batch?metrics=csat&breakdown=location&{_q()}", tenant.read_key
    )
    assert {p["breakdown"]["location"] for p in by_location["metrics"][0]["points"]} == {"berlin", "hamburg"}


def _q() -> str:
    return f"from={PERIOD['from']}&to={PERIOD['to']}"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2024-05-01&to=2024-05-31", "metrics", "name at least one metric"),
        ("metrics=sessions,bogus&from=2024-05-01&to=2024-05-31", "metrics", "unknown metric 'bogus'"),
        ("metrics=sessions&to=2024-05-31", "from", "query parameter from is required"),
        ("metrics=sessions&from=2024-05-31&to=2024-05-01", "from", "from must not be after to"),
        ("metrics=sessions&from=2023-01-01&to=2024-05-31", "to", "at most 366 days"),
        ("metrics=sessions&from=yesterday&to=2024-05-31", "from", "YYYY-MM-DD"),
        ("metrics=sessions&from=2024-05-01&to=2024-05-31&breakdown=colour", "breakdown", "unknown breakdown"),
    ],
)
def test_batch_rejects_bad_queries_naming_the_field(
    empty_client: Client, tenant: TenantKeys, query: str, field: str, message: str
) -> None:
    status, body = _get(empty_client, f"/v1/metrics/batch?{query}", tenant.read_key)
    assert status == 400
    assert body["field"] == field and message in body["message"]


def test_summary_puts_the_north_star_first_and_compares_with_the_previous_period(
    client: Client, tenant: TenantKeys
) -> None:
    status, body = _get(client, f"/v1/summary?{_q()}", tenant.read_key)
    assert status == 200
    assert body["period"] == PERIOD
    assert body["previous_period"] == {"from": "2024-05-18", "to": "2024-05-24"}
    star = body["north_star"]
    assert star["metric"] == "engagement_rate"
    assert star["value"] == pytest.approx(0.60) and star["previous"] == pytest.approx(0.55)
    assert star["change_pct"] == pytest.approx(100 * 0.05 / 0.55, rel=1e-3)
    assert len(star["series"]) == PERIOD_DAYS
    by_name = {m["metric"]: m for m in body["metrics"]}
    sessions = by_name["sessions"]
    assert sessions["value"] > sessions["previous"] and sessions["change_pct"] > 0
    assert by_name["nps"]["value"] == pytest.approx(40.0)  # pooled: (6-2)/10
    assert by_name["ticket_volume"]["lower_is_better"] is True
    assert by_name["reviews"]["value"] is None and by_name["reviews"]["change"] is None  # no data, not 0
    assert "top_products" not in by_name


def test_comments_behind_a_low_csat_are_grouped_with_negative_themes_first(
    client: Client, tenant: TenantKeys
) -> None:
    status, body = _get(
        client, f"/v1/comments?metric=csat&date={BAD_DAY.isoformat()}&location=hamburg", tenant.read_key
    )
    assert status == 200
    assert body["responses"] == 6 and body["total_comments"] == 6
    assert body["sentiment"] == {"negative": 4, "neutral": 1, "positive": 1}
    themes = [(t["phrase"], t["count"], t["sentiment"]["negative"]) for t in body["themes"]]
    assert themes == [("lange wartezeit", 3, 3), ("kasse", 2, 2), ("personal", 2, 1), (None, 1, 0)]
    first = body["themes"][0]["comments"]
    assert [c["score"] for c in first] == [1, 1, 2]  # negative first, lowest score first
    texts = {c["text"] for t in body["themes"] for c in t["comments"]}
    assert "Alles super" not in texts and "Zu teuer" not in texts and "Kasse kaputt" not in texts
    assert "halb fertig" not in texts  # partial responses do not count


def test_comments_of_nps_and_by_channel(client: Client, tenant: TenantKeys) -> None:
    _, nps = _get(client, f"/v1/comments?metric=nps&date={BAD_DAY.isoformat()}", tenant.read_key)
    assert [t["phrase"] for t in nps["themes"]] == ["preis"]
    _, email = _get(
        client, f"/v1/comments?metric=csat&date={BAD_DAY.isoformat()}&channel=email", tenant.read_key
    )
    assert email["total_comments"] == 0 and email["themes"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date=2024-05-28", "metric"),
        ("metric=sessions&date=2024-05-28", "metric"),
        ("metric=csat", "date"),
        ("metric=csat&date=28.05.2024", "date"),
        ("metric=csat&from=2024-03-01&to=2024-05-28", "to"),
        ("metric=csat&date=2024-05-28&location=a%20b", "location"),
    ],
)
def test_comments_reject_bad_queries(
    empty_client: Client, tenant: TenantKeys, query: str, field: str
) -> None:
    status, body = _get(empty_client, f"/v1/comments?{query}", tenant.read_key)
    assert status == 400 and body["field"] == field


def _csv(client: Client, path: str, key: str) -> list[dict[str, str]]:
    response = client.http.get(path, headers=bearer(key))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.body.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_exports_of_metrics_summary_and_comments(client: Client, tenant: TenantKeys) -> None:
    rows = _csv(client, f"/v1/metrics.csv?metrics=csat,nps&breakdown=location&{_q()}", tenant.read_key)
    assert len(rows) == 2 * 2 * PERIOD_DAYS
    assert {r["dimension"] for r in rows} == {"location"}
    assert {r["metric"] for r in rows} == {"csat", "nps"}
    summary = _csv(client, f"/v1/summary.csv?{_q()}", tenant.read_key)
    assert summary[0]["metric"] == "engagement_rate" and summary[0]["group"] == "north_star"
    comments = _csv(
        client, f"/v1/comments.csv?metric=csat&date={BAD_DAY.isoformat()}&location=hamburg", tenant.read_key
    )
    assert comments[0]["theme"] == "lange wartezeit" and comments[0]["sentiment"] == "negative"


def test_csv_cells_cannot_become_spreadsheet_formulas(aws: Runtime, tenant: TenantKeys) -> None:
    from tests.functional.insights.seed import response

    noon = BAD_DAY
    evil = response(
        tenant.tenant_id,
        "resp-evil-00001",
        __import__("datetime").datetime(
            noon.year, noon.month, noon.day, 12, tzinfo=__import__("datetime").UTC
        ),
        csat=1,
        comment='=HYPERLINK("http://evil.example","click")',
        sentiment="negative",
        phrases=["-cmd"],
    )
    save_responses(aws, [evil])
    with function_client("insights") as c:
        rows = _csv(c, f"/v1/comments.csv?metric=csat&date={BAD_DAY.isoformat()}", tenant.read_key)
    assert rows[0]["text"].startswith("'=HYPERLINK") and rows[0]["theme"] == "'-cmd"
