"""The whole day: every catalog metric, DST tenants, north star, determinism, generator, imports."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.unit.engine.factories import DAY, CaseFact, Lake, iso, order, page, response, screen, t, track
from touchpoint.engine import METRIC_NAMES, EngineInputs, compute_day, compute_day_result
from touchpoint.models.tenants import TenantConfig
from touchpoint_testkit.reference import reference_metrics
from touchpoint_testkit.synthetic import generate_day

ENGINE_DIR = Path(__file__).resolve().parents[3] / "shared" / "touchpoint" / "engine"
RATIOS = {
    "engagement_rate",
    "bounce_rate",
    "conversion_rate",
    "stickiness",
    "csat_satisfied_rate",
    "negative_comment_share",
    "negative_review_share",
    "retention_rate_30d",
    "churn_rate_30d",
    "purchaser_retention_30d",
    "store_conversion_rate",
    "redemption_rate",
    "event_attendance_rate",
    "referral_conversion_rate",
}


def ago(days: int, hhmm: str = "10:00") -> datetime:
    return t(hhmm, DAY - timedelta(days=days))


def rich_day(lake: Lake) -> None:
    """A day (and its history) that exercises every metric of the catalog."""
    web = {
        "channel": "web",
        "page": {"url": "https://shop.example.com/", "referrer": "https://www.google.com/"},
    }
    mobile = {"channel": "mobile", "os": {"name": "Android"}}
    lake.events(
        # History: active 30-59 days ago (retention cohort) and 90-119 days ago (score on D-30).
        page(ago(100), user="u1"),
        page(ago(45), user="u1"),
        page(ago(45), user="u2"),
        order(ago(44), 40.0, user="u1", context={"channel": "web"}),
        order(ago(300), 25.0, user="u2"),
        track(
            "Follower Count Reported",
            ago(30, "08:00"),
            anon="bot",
            props={"platform": "instagram", "followers": 100},
        ),
        track("Event Registered", ago(7), user="u3", props={"event_id": "e1"}),
        track("Event Registered", ago(7), user="u4", props={"event_id": "e1"}),
        track("Referral Sent", ago(3), user="u1", props={"code": "R1"}),
        # The day itself.
        page(t("09:00"), anon="a1", context=web),
        page(t("09:02"), anon="a1", context=web),
        track("Signed Up", t("09:03"), user="u1", anon="a1"),
        order(
            t("09:05"),
            60.0,
            user="u1",
            order_id="o-1",
            context={"channel": "web"},
            products=[{"product_id": "sku-1", "price": 20, "quantity": 3}],
        ),
        screen(t("12:00"), user="u2", context=mobile),
        track("Post Liked", t("12:01"), user="u2", context=mobile, props={"platform": "instagram"}),
        track(
            "Follower Count Reported",
            t("08:00"),
            anon="bot",
            props={"platform": "instagram", "followers": 120},
        ),
        track("Support Ticket Created", t("12:05"), user="u2", props={"channel": "chat"}),
        track(
            "Review Posted",
            t("12:10"),
            user="u2",
            props={"rating": 2, "platform": "google", "location_id": "s1"},
        ),
        track("Store Visited", t("15:00"), user="u3", props={"location_id": "s1"}),
        track(
            "Foot Traffic Counted",
            t("16:00"),
            anon="counter-s2",
            props={
                "location_id": "s2",
                "count": 40,
                "period_start": iso(t("15:00")),
                "period_end": iso(t("16:00")),
            },
        ),
        order(t("15:10"), 30.0, user="u3", order_id="o-2", props={"location_id": "s1"}),
        track("Loyalty Program Joined", t("15:11"), user="u3", props={"location_id": "s1"}),
        track("Loyalty Points Earned", t("15:12"), user="u3", props={"points": 30, "location_id": "s1"}),
        track("Loyalty Reward Redeemed", t("15:13"), user="u3", props={"points": 10, "location_id": "s1"}),
        track("Event Attended", t("18:00"), user="u3", props={"event_id": "e1", "location_id": "s1"}),
        track("Staff Interaction Logged", t("15:05"), user="u3", props={"kind": "demo", "location_id": "s1"}),
        track(
            "Product Interacted", t("15:06"), user="u3", props={"product_id": "sku-1", "location_id": "s1"}
        ),
        track("Referral Sent", t("16:00"), user="u3", props={"code": "R2"}),
        track("Referral Converted", t("17:00"), user="u4", props={"code": "R1"}),
    )
    lake.responses(
        response(t("10:00"), [("nps", 10), ("csat", 5)], user="u1", comments=[("nice", "positive")]),
        response(
            t("13:00"),
            [("nps", 3), ("ces", 6)],
            rid="r-detractor",
            user="u2",
            comments=[("slow", "negative")],
        ),
        response(t("15:30"), [("csat", 2)], channel="in_store", location="s1", survey="qr", user="u3"),
    )
    lake.cases(
        # the detractor's case, opened with the answer and replied to 2 hours later
        CaseFact(
            "c-1",
            t("13:00"),
            first_response_at=t("15:00"),
            response_id="r-detractor",
            response_submitted_at=t("13:00"),
            detractor=True,
        ),
        # the in-store CSAT 1-2 answer's case, resolved the same day
        CaseFact("c-2", t("15:30"), location_id="s1", first_response_at=t("16:00"), resolved_at=t("17:00")),
    )


def test_every_catalog_metric_is_produced_for_a_rich_day(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    rich_day(lake)
    result = lake.run()
    assert set(METRIC_NAMES) == result.names()
    for point in result.points:
        assert point.date == DAY
        assert point.value is not None
        if point.metric in RATIOS:
            assert 0.0 <= point.value <= 1.0, point
    assert result.value("dau") == 4  # u1 (a1 is u1), u2, u3 and u4 (its referral conversion)
    assert result.value("nps") == 0.0  # one promoter, one detractor
    assert result.value("revenue") == 90.0
    assert result.value("north_star") == result.value("engagement_rate")
    assert result.extra("north_star") == {"metric": "engagement_rate"}
    assert result.value("at_risk") is not None


def test_points_are_sorted_and_deterministic(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    rich_day(lake)
    first = lake.run().points
    assert first == lake.run().points
    order_index = [METRIC_NAMES.index(p.metric) for p in first]
    assert order_index == sorted(order_index)
    for metric in set(p.metric for p in first) - {"top_products"}:
        mine = [p for p in first if p.metric == metric]
        if any(not p.breakdown for p in mine):
            assert not mine[0].breakdown, f"{metric}: the total comes first"


def test_compute_day_result_returns_points_and_scores(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    rich_day(lake)
    result = compute_day_result(lake.inputs(), DAY, TenantConfig())
    assert result.points == lake.run().points
    assert result.person_scores == lake.scores()
    assert set(result.person_scores) == {"u1", "u2", "u3", "u4"}


def test_north_star_follows_the_config(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    rich_day(lake)
    result = lake.run(config=TenantConfig(north_star="revenue"))
    assert result.value("north_star") == 90.0
    assert result.extra("north_star") == {"metric": "revenue"}
    assert lake.run(config=TenantConfig(north_star="no_such_metric")).value("north_star") is None


def test_berlin_tenant_on_the_spring_dst_day(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        page(datetime(2026, 3, 28, 22, 30), user="before"),  # 23:30 CET on 03-28
        page(datetime(2026, 3, 28, 23, 30), user="first"),  # 00:30 CET on 03-29
        page(datetime(2026, 3, 29, 21, 30), user="last"),  # 23:30 CEST on 03-29
        page(datetime(2026, 3, 29, 22, 30), user="after"),  # 00:30 CEST on 03-30
    )
    berlin = TenantConfig(timezone="Europe/Berlin")
    day = date(2026, 3, 29)
    assert lake.run(day, berlin).value("dau") == 2  # first, last: the 23-hour local day
    assert lake.run(day).value("dau") == 2  # in UTC the same day holds "last" and "after"
    assert set(lake.scores(day, berlin)) == {"before", "first", "last"}


def test_berlin_tenant_on_the_autumn_dst_day(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        page(datetime(2026, 10, 24, 21, 30), user="before"),  # 23:30 CEST on 10-24
        page(datetime(2026, 10, 24, 22, 30), user="first"),  # 00:30 CEST on 10-25
        page(datetime(2026, 10, 25, 0, 30), user="first"),  # 02:30 CEST (clocks go back at 01:00 UTC)
        page(datetime(2026, 10, 25, 22, 30), user="last"),  # 23:30 CET on 10-25
        page(datetime(2026, 10, 25, 23, 30), user="after"),  # 00:30 CET on 10-26
    )
    berlin = TenantConfig(timezone="Europe/Berlin")
    result = lake.run(date(2026, 10, 25), berlin)
    assert result.value("dau") == 2  # first, last: the 25-hour local day
    assert result.value("sessions") == 3  # first has two sessions (2 hours apart), last one


def test_synthetic_day_is_deterministic_and_agrees_with_the_reference(tmp_path: Path) -> None:
    day = date(2026, 3, 10)
    first, second = (
        generate_day(
            tmp_path / name, day, events=3000, people=150, responses=60, seed=3, files=3, skewed_share=0.0
        )
        for name in ("a", "b")
    )
    assert [p.read_bytes() for p in first.event_files] == [p.read_bytes() for p in second.event_files]
    assert first.response_files[0].read_bytes() == second.response_files[0].read_bytes()
    assert first.event_lines > 3000  # some events are duplicated across files

    points = compute_day(EngineInputs(first.event_files, first.response_files, []), day, TenantConfig())
    totals = {p.metric: p.value for p in points if not p.breakdown}
    reference = reference_metrics(first.event_files, first.response_files, day)
    # Revenue and NPS follow the same rules in both (no clock skew, no stitching involved).
    assert totals["revenue"] == pytest.approx(reference["revenue"])
    assert totals["nps"] == pytest.approx(reference["nps"])
    # Stitching merges anonymous and logged-in events: never more people or sessions than without.
    assert (totals["dau"] or 0) <= (reference["dau"] or 0)
    assert 0 < (totals["sessions"] or 0) <= (reference["sessions"] or 0)
    assert {"foot_traffic", "engagement_score", "follower_growth_rate"} - set(totals) == {
        "follower_growth_rate"
    }


def test_responses_without_events(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.responses(response(t("10:00"), [("nps", 10)], user="u1", anon="a1"))
    result = lake.run()
    # the counts of comments and of cases are 0 on a day with answers (a case opens for some)
    assert result.names() == {
        "responses",
        "nps",
        "nps_30d",
        "comment_count",
        "cases_opened",
        "cases_resolved",
    }
    assert result.value("comment_count") == 0.0
    assert result.value("cases_opened") == result.value("cases_resolved") == 0.0


def test_a_survey_response_carrying_both_ids_links_them(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(page(t("10:00"), anon="a1"), page(t("10:05"), user="u1"))
    lake.responses(response(t("11:00"), [("nps", 10)], user="u1", anon="a1"))
    result = lake.run()
    assert result.value("dau") == 1
    assert result.value("sessions") == 1


def test_duckdb_settings_are_passed_through(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    rich_day(lake)
    single = compute_day(
        lake.inputs(), DAY, TenantConfig(), duckdb_config={"threads": 1, "memory_limit": "512MB"}
    )
    assert single == lake.run().points


def test_touchpoint_imports_duckdb_only_when_the_engine_runs() -> None:
    code = (
        "import sys, touchpoint, touchpoint.models.metrics, touchpoint.models.tenants, touchpoint.engine;"
        "import touchpoint_testkit.synthetic;"
        "assert 'duckdb' not in sys.modules, 'duckdb imported eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_engine_has_no_aws_code() -> None:
    for path in ENGINE_DIR.glob("*.py"):
        text = path.read_text()
        assert "boto3" not in text and "botocore" not in text, path
