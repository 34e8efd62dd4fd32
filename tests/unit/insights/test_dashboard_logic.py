"""Pure parts of the insights function: charts, labels, summary maths, comment themes, CSV, sessions."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from touchpoint.keys import hash_key
from touchpoint.models.metrics import MetricPoint
from touchpoint.models.tenants import ApiKeyRecord, KeyKind
from touchpoint.web import forms
from touchpoint.web.errors import ApiError
from touchpoint_cli.apps import function_module

charts = function_module("insights", "chalicelib.charts")
i18n = function_module("insights", "chalicelib.i18n")
queries = function_module("insights", "chalicelib.queries")
summary = function_module("insights", "chalicelib.summary")
comments = function_module("insights", "chalicelib.comment_drilldown")
csv_export = function_module("insights", "chalicelib.csv_export")
session = function_module("insights", "chalicelib.session")
dashboard = function_module("insights", "chalicelib.dashboard")
pages = function_module("insights", "chalicelib.pages")

D = date(2024, 5, 31)


# Charts -------------------------------------------------------------------------------------------


def test_line_chart_draws_a_point_per_value_with_gaps_links_and_escaped_text() -> None:
    series = charts.Series(
        "<Store>", [1.0, None, 3.0], links=["/a?x=1&y=2", None, None], highlight=[True, False, False]
    )
    svg = charts.line_chart("c1", 'CSAT "by" store', ["a", "b", "c"], [series])
    assert 'data-points="2"' in svg and svg.count('<circle class="pt') == 2
    assert svg.count("<polyline") == 0  # two points separated by a gap: no line joins them
    assert 'href="/a?x=1&amp;y=2"' in svg and 'data-value="1"' in svg and "pt s0 hot" in svg
    assert "&lt;Store&gt;" in svg and "CSAT &quot;by&quot; store" in svg and "<Store>" not in svg
    assert 'viewBox="0 0 400 200"' in svg and 'width="100%"' in svg


def test_empty_charts_say_so_and_count_no_points() -> None:
    svg = charts.line_chart("c2", "t", ["a"], [charts.Series("x", [None])], empty_message="keine Daten")
    assert 'data-points="0"' in svg and "keine Daten" in svg
    assert 'data-points="0"' in charts.stacked_bars("c3", "t", ["a"], [charts.Series("x", [0.0])])
    assert 'data-points="0"' in charts.bar_chart("c4", "t", [], [])


def test_stacked_percent_bars_split_each_day_into_shares() -> None:
    stacks = [
        charts.Series("p", [6.0, 0.0], css="promoters"),
        charts.Series("d", [2.0, 4.0], css="detractors"),
    ]
    svg = charts.stacked_bars("nps", "t", ["a", "b"], stacks, percent=True)
    assert 'data-points="3"' in svg  # zero-height parts are not drawn
    assert "(75 %)" in svg and "(25 %)" in svg and "(100 %)" in svg
    assert 'class="bar promoters"' in svg


def test_nice_ticks_cover_the_range() -> None:
    ticks = charts.nice_ticks(3.2, 4.7)
    assert ticks[0] <= 3.2 and ticks[-1] >= 4.7 and len(ticks) >= 2
    assert charts.nice_ticks(5.0, 5.0)[0] < 5.0 < charts.nice_ticks(5.0, 5.0)[-1]


# Labels -------------------------------------------------------------------------------------------


def test_metric_labels_come_from_the_registry() -> None:
    assert i18n.metric_label("de", "foot_traffic") == "Besucherfrequenz"
    assert i18n.metric_label("en", "foot_traffic") == "Foot traffic"
    assert i18n.metric_label("de", "not_a_metric") == "not_a_metric"


def test_metric_values_are_formatted_per_language_and_currency() -> None:
    assert i18n.format_metric("de", "revenue", 12345.5) == "12.345,50 €"
    assert i18n.format_metric("en", "revenue", 12345.5) == "€12,345.50"
    assert i18n.format_metric("en", "avg_order_value", 42.0, "USD") == "$42.00"
    assert i18n.format_metric("de", "clv", 1234.567, "CHF") == "1.234,57 CHF"
    assert i18n.format_metric("de", "engagement_rate", 0.7741) == "77,4 %"
    assert i18n.format_metric("en", "engagement_rate", 0.7741) == "77.4%"
    assert i18n.format_metric("en", "csat", 4.1) == "4.10"
    assert i18n.format_metric("en", "sessions", None) == "–"
    assert i18n.format_metric("de", "sessions", 12345.0) == "12.345"
    assert i18n.format_metric("en", "nps", -12.0) == "-12.0"  # always one decimal
    assert i18n.format_metric("en", "avg_session_duration_s", 37.5) == "37.5"  # whole numbers without
    assert i18n.format_metric("en", "avg_session_duration_s", 40.0) == "40"


# Periods and summary --------------------------------------------------------------------------------


def test_default_period_is_the_30_days_up_to_yesterday_in_the_tenant_zone() -> None:
    now = datetime(2024, 6, 1, 22, 30, tzinfo=UTC)  # already 2 June in Berlin
    period = queries.parse_period({}, "Europe/Berlin", now=now)
    assert (period.first, period.last) == (date(2024, 5, 3), date(2024, 6, 1))
    assert period.previous() == queries.Period(date(2024, 4, 3), date(2024, 5, 2))
    with pytest.raises(ApiError, match="may be given once"):
        queries.parse_period({"from": ["2024-05-01", "2024-05-02"]}, "UTC")


def test_change_against_the_previous_period() -> None:
    assert summary.change_of(12.0, 10.0) == (2.0, 20.0)
    assert summary.change_of(-5.0, -10.0) == (5.0, 50.0)
    assert summary.change_of(3.0, 0.0) == (3.0, None)
    assert summary.change_of(None, 1.0) == (None, None)


def test_metric_list_accepts_repeats_and_commas_and_rejects_unknown_names() -> None:
    assert queries.metric_list(
        {"metric": ["nps"], "metrics": ["csat, nps", "orders"]}, ["nps", "csat", "orders"]
    ) == [
        "nps",
        "csat",
        "orders",
    ]
    with pytest.raises(ApiError, match="unknown metric 'x'"):
        queries.metric_list({"metrics": ["x"]}, ["nps"])


# Dashboard assembly (pure) ---------------------------------------------------------------------------


def _pt(
    metric: str, day: date, value: float, breakdown: dict[str, str] | None = None, **extra: Any
) -> MetricPoint:
    return MetricPoint(metric=metric, date=day, value=value, breakdown=breakdown or {}, extra=extra)


def test_dashboard_assembly_finds_the_lowest_csat_store_days_and_store_values() -> None:
    period = queries.Period(D - timedelta(days=6), D)
    days = period.dates()
    csat = [_pt("csat", d, 4.5, {"location": "b"}, responses=5) for d in days]
    csat += [_pt("csat", d, 1.5 if d == days[2] else 4.0, {"location": "h"}, responses=4) for d in days]
    csat.append(_pt("csat", days[3], 1.0, {"location": "h"}, responses=1))  # replaced below: one answer only
    csat = [
        p for p in csat if not (p.date == days[3] and p.breakdown == {"location": "h"} and p.value == 4.0)
    ]
    loaded = {
        "csat": csat,
        "nps": [_pt("nps", d, 20.0, responses=10, promoters=5, passives=2, detractors=3) for d in days],
        "engagement_rate": [_pt("engagement_rate", d, 0.5) for d in days],
        "engagement_score": [_pt("engagement_score", D, 50.0, people=10, deciles=list(range(10, 100, 10)))],
        "revenue": [_pt("revenue", d, 1234.5) for d in days],
    }
    data = dashboard.assemble("Brand", "engagement_rate", period, loaded, {"h": "Hamburg"}, [])
    assert data.north_star.value == pytest.approx(0.5) and data.north_star.previous is None
    assert data.lowest_csat[0].location_id == "h" and data.lowest_csat[0].day == days[2]
    assert all(d.responses >= 2 for d in data.lowest_csat)  # a one-answer day is too thin to accuse
    assert data.nps_split["promoters"] == [5.0] * 7
    stores = {row.location_id: row for row in data.stores}
    assert stores["h"].name == "Hamburg" and stores["b"].name == "b"
    assert stores["b"].values["csat"] == pytest.approx(4.5)
    assert data.score["deciles"][0] == 10.0
    page = pages.dashboard_page("en", data, "GBP")
    assert "Hamburg" in page and 'id="lowest-csat"' in page
    # revenue sums over the 7 days: 7 * 1234.50 = 8641.50, in the tenant's currency (GBP)
    card = page[page.index('data-metric="revenue"') :]
    assert '<span class="value">£8,641.50</span>' in card[:300] and "€" not in page


def _hostile_data() -> Any:
    period = queries.Period(D, D)
    hostile = "<script>alert(1)</script>"
    loaded = {"csat": [_pt("csat", D, 1.0, {"location": "h"}, responses=3)]}
    return dashboard.assemble(hostile, "csat", period, loaded, {"h": hostile}, [])


def test_the_dashboard_shows_hostile_names_as_text() -> None:
    page = pages.dashboard_page("de", _hostile_data())
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the tenant and store names, as text


def test_the_comments_page_shows_a_hostile_comment_as_text() -> None:
    hostile = "<script>alert(1)</script>"
    document = {
        "metric": "csat",
        "period": {"from": "2024-05-31", "to": "2024-05-31"},
        "filters": {"location": "h", "channel": '"><img src=x>'},
        "sentiment": {"negative": 1},
        "total_comments": 1,
        "themes": [
            {
                "phrase": '"onmouseover="x',
                "phrases": [hostile],
                "related": [hostile],
                "count": 1,
                "sentiment": {"negative": 1},
                "comments": [
                    {
                        "text": hostile,
                        "sentiment": "negative",
                        "score": 1,
                        "channel": "in_store",
                        "location_id": "h",
                    }
                ],
            }
        ],
    }
    page = pages.comments_page("en", hostile, document, {"h": hostile})
    assert "<script" not in page and "<img" not in page and 'data-phrase=""onmouseover' not in page
    assert "<q>&lt;script&gt;alert(1)&lt;/script&gt;</q>" in page
    assert 'data-phrase="&#34;onmouseover=&#34;x"' in page
    assert "channel=%22%3E%3Cimg+src%3Dx%3E" in page  # the filter, URL-encoded in the links


# Comment themes ---------------------------------------------------------------------------------------


def _row(text: str, sentiment: str, phrases: list[str], score: int, minute: int = 0) -> Any:
    return comments.CommentRow(
        text=text,
        sentiment=sentiment,
        key_phrases=tuple(phrases),
        score=score,
        channel="in_store",
        location_id="h",
        survey_id="s",
        submitted_at=datetime(2024, 5, 31, 10, minute, tzinfo=UTC),
        response_id=f"r{minute}",
        language="de",
    )


def test_themes_merge_same_comments_fold_narrower_phrases_and_put_complaints_first() -> None:
    rows = [
        _row(
            "Viel zu lange Wartezeit an der Kasse!",
            "negative",
            ["lange wartezeit", "kasse", "wartezeit"],
            1,
            1,
        ),
        _row("Die Wartezeit an der Kasse", "negative", ["wartezeit", "kasse"], 2, 2),
        _row("Personal unfreundlich", "negative", ["unfreundliches personal", "personal"], 2, 3),
        _row(
            "Super Beratung, freundliches Personal",
            "positive",
            ["super beratung", "freundliches personal", "personal"],
            5,
            4,
        ),
        _row("Personal sehr nett", "positive", ["personal"], 5, 5),
        _row("ok", "neutral", [], 3, 6),
    ]
    themes = comments.group_by_theme(rows)
    summary_rows = [(t["phrases"], t["related"], t["count"], t["sentiment"]["negative"]) for t in themes]
    assert summary_rows == [
        (["kasse", "wartezeit"], ["lange wartezeit"], 2, 2),
        (["personal"], ["unfreundliches personal", "freundliches personal"], 3, 1),
        (["super beratung"], [], 1, 0),
        ([], [], 1, 0),
    ]
    assert [c["score"] for c in themes[0]["comments"]] == [1, 2]
    assert [c["sentiment"] for c in themes[1]["comments"]] == ["negative", "positive", "positive"]
    assert themes[-1]["phrase"] is None


# CSV ----------------------------------------------------------------------------------------------------


def test_csv_neutralises_formulas_but_keeps_numbers() -> None:
    text = csv_export.render(
        ["a", "b", "c"], [["=1+1", -20, "@SUM(A1)"], ["+x", 1.5, "plain"], [None, True, "-y"]]
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["'=1+1", "-20", "'@SUM(A1)"]
    assert rows[2] == ["'+x", "1.5", "plain"]
    assert rows[3] == ["", "true", "'-y"]
    assert text.endswith("\r\n")


# Sessions ----------------------------------------------------------------------------------------------------


def test_session_cookies_are_secure_http_only_and_strict() -> None:
    key = "tpr_" + "a" * 32
    record = ApiKeyRecord(
        key_id="abc123",
        tenant_id="acme",
        kind=KeyKind.READ,
        key_hash=hash_key(key),
        created_at=datetime.now(UTC),
    )
    cookie = session.session_cookie(record, "pepper", 1_800_000_000)
    assert cookie.startswith(f"tp_session=v1.acme.abc123.{1_800_000_000 + 28800}.") and key not in cookie
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age=28800"):
        assert attribute in cookie
    assert "Max-Age=0" in session.clear_session_cookie()
    assert forms.cookie_value({"Cookie": "a=1; tp_session=tpr_x"}, "tp_session") == "tpr_x"
    assert forms.cookie_value({"Cookie": 'bad="'}, "tp_session") is None


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"Sec-Fetch-Site": "same-origin", "Origin": "null"}, True),
        ({"Sec-Fetch-Site": "cross-site", "Origin": "https://host.example", "Host": "host.example"}, False),
        ({"Origin": "https://evil.example", "Host": "host.example"}, False),
        ({"Origin": "https://host.example", "Host": "host.example"}, True),
        ({}, True),
    ],
)
def test_same_origin_forms(headers: dict[str, str], allowed: bool) -> None:
    assert forms.same_origin(headers) is allowed


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/dashboard?from=2024-05-01&to=2024-05-31", "/dashboard?from=2024-05-01&to=2024-05-31"),
        (
            "/dashboard/comments?metric=csat&date=2024-05-28",
            "/dashboard/comments?metric=csat&date=2024-05-28",
        ),
        ("https://evil.example/", "/dashboard?lang=de"),
        ("//evil.example/dashboard", "/dashboard?lang=de"),
        ("/dashboard/../v1/alerts", "/dashboard?lang=de"),
        ("/dashboard?x=<script>", "/dashboard?lang=de"),
        (None, "/dashboard?lang=de"),
    ],
)
def test_sign_in_only_returns_to_dashboard_pages(target: str | None, expected: str) -> None:
    assert session.safe_next(target, "de") == expected


def test_forms_are_read_within_limits() -> None:
    assert session.read_form(b"key=tpr_abc&lang=de") == {"key": "tpr_abc", "lang": "de"}
    assert session.read_form(b"x" * 5000) is None
    assert session.read_form(b"\xff\xfe") is None


def test_pages_allow_no_script_and_only_their_own_style() -> None:
    page = pages.login_page("de", "Fehler <b>", next_url='/dashboard?x="y"')
    assert "<script" not in page and "Fehler &lt;b&gt;" in page and 'value="/dashboard?x=&#34;y&#34;"' in page
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    assert style is not None
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in pages.CSP and "script-src" not in pages.CSP
