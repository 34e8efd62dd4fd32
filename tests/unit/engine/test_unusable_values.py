"""Whatever the lake holds, a tenant-day rolls up: unusable numbers are skipped, counted, and the rest is exact."""

from __future__ import annotations

import itertools
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.unit.engine.factories import DAY, Lake, iso, order, t, track
from touchpoint.engine import EngineInputs, compute_day_result
from touchpoint.models.limits import MAX_COUNT, MAX_MONEY, as_count, as_money
from touchpoint.models.tenants import TenantConfig
from touchpoint.tracking_plan import default_tracking_plan

_ids = itertools.count(1)


def line(event: str, props: str, when: str = "10:00", user: str = "bad") -> str:
    """A stored event line whose properties are raw JSON text (NaN, 400 digits ... json.dumps cannot write)."""
    moment = iso(t(when))
    return (
        f'{{"messageId": "raw-{next(_ids)}", "type": "track", "event": "{event}", '
        f'"userId": "{user}", "timestamp": "{moment}", "receivedAt": "{moment}", "properties": {props}}}'
    )


def reading(count: Any, sensor: str) -> dict[str, Any]:
    props = {
        "location_id": "s1",
        "sensor_id": sensor,
        "count": count,
        "period_start": iso(t("09:00")),
        "period_end": iso(t("10:00")),
    }
    return track("Foot Traffic Counted", t("10:00"), anon="counter", props=props)


def stored_lake(tmp_path: Path) -> Lake:
    lake = Lake(tmp_path)
    lake.events(
        order(t("09:00"), 40.0, user="u1", order_id="good-1", props={"location_id": "s1"}),
        order(t("09:10"), 60.0, user="u2", order_id="good-2"),
        order(t("09:20"), 1e300, user="u3", order_id="huge"),  # skipped revenue: the order counts with 0
        order(t("09:30"), -5e12, user="u3", order_id="too-negative"),  # beyond -MAX_MONEY: 0
        order(
            t("09:40"),
            None,
            user="u4",
            order_id="lines",
            products=[
                {"product_id": "p1", "price": 10.0, "quantity": 2},  # 20
                {"product_id": "p2", "price": 1e300, "quantity": 1},  # skipped line
                {"product_id": "p3", "price": 5.0, "quantity": -3},  # skipped line
                {"product_id": "p4", "price": 5.0, "quantity": 0.5},  # skipped line: not whole
            ],
        ),
        reading(100, "north"),
        reading(-5, "south"),  # skipped
        reading(1e20, "east"),  # skipped
        reading(2.5, "west"),  # skipped: not whole
        track("Loyalty Points Earned", t("11:00"), user="u1", props={"points": 50}),
        track("Loyalty Points Earned", t("11:01"), user="u2", props={"points": "50"}),  # a numeric string: 50
        track("Loyalty Points Earned", t("11:02"), user="u2", props={"points": 1e20}),  # skipped
        track("Loyalty Reward Redeemed", t("11:03"), user="u1", props={"points": 10}),
        track("Review Posted", t("12:00"), user="u1", props={"rating": 4, "platform": "google"}),
        track("Review Posted", t("12:01"), user="u2", props={"rating": 70, "platform": "google"}),  # skipped
        track("Event Registered", t("12:02"), user="u1", props={"event_id": "e", "event_date": "tomorrow"}),
    )
    lake.events(
        raw_lines=[
            line("Order Completed", '{"order_id": "digits", "revenue": ' + "9" * 400 + "}"),
            line("Order Completed", '{"order_id": "nan", "revenue": NaN}'),
            line("Order Completed", '{"order_id": "inf", "revenue": Infinity, "total": 7.5}'),  # total: 7.5
            line("Order Completed", '{"order_id": "text", "revenue": " 12.50"}'),  # a numeric string: 12.5
            line("Order Completed", '{"order_id": "flag", "revenue": true}'),
            line("Follower Count Reported", '{"platform": "instagram", "followers": NaN}', user="bot"),
            line("Loyalty Reward Redeemed", '{"points": -Infinity}', user="u1"),
        ]
    )
    return lake


def test_unusable_stored_values_are_skipped_and_the_rest_is_exact(tmp_path: Path) -> None:
    lake = stored_lake(tmp_path)
    result = compute_day_result(lake.inputs(), DAY, TenantConfig())
    points = {(p.metric, tuple(sorted(p.breakdown.items()))): p for p in result.points}

    def value(metric: str, **breakdown: str) -> float | None:
        point = points.get((metric, tuple(sorted(breakdown.items()))))
        return None if point is None else point.value

    # ten orders: good-1, good-2, huge, too-negative, lines, digits, nan, inf, text, flag
    assert value("orders") == 10
    assert value("revenue") == 140.0  # 40 + 60 + 20 (p1's line) + 7.5 (inf's total) + 12.5 (text)
    assert value("avg_order_value") == 14.0  # 140 / 10
    assert value("top_products", product="p1", rank="1") == 20.0
    assert {p.breakdown.get("product") for p in result.points if p.metric == "top_products"} == {"p1"}
    assert value("foot_traffic") == 100  # north only
    assert value("store_conversion_rate", location="s1") == 0.01  # 1 order at s1 / 100
    assert value("points_earned") == 100  # 50 + "50"
    assert value("points_redeemed") == 10
    assert value("redemption_rate") == 0.1  # 10 / 100
    assert value("reviews") == 2 and value("avg_review_rating") == 4.0  # the rating 70 is left out
    assert "follower_growth_rate" not in {p.metric for p in result.points}
    for point in result.points:
        assert point.value is None or math.isfinite(point.value)
        assert point.value is None or abs(point.value) < 1e15, point
    # revenue x5 (huge, too-negative, digits, nan, flag) + inf's revenue (its total is fine)
    # + 3 product lines + 3 counts + 1 points (1e20) + 1 rating + 1 followers + 1 redeemed points
    # + 1 event_date
    assert result.skipped_values == 6 + 3 + 3 + 1 + 1 + 1 + 1 + 1


def test_a_day_with_only_a_huge_revenue_rolls_up(tmp_path: Path) -> None:
    """The issue's example: {"event":"Order Completed","properties":{"revenue":1e300}} failed the day."""
    lake = Lake(tmp_path)
    lake.events(order(t("10:00"), 1e300, user="u1"), order(t("10:01"), 1e300, user="u1"))
    result = compute_day_result(lake.inputs(), DAY, TenantConfig())
    revenue = next(p for p in result.points if p.metric == "revenue" and not p.breakdown)
    assert revenue.value == 0.0
    assert result.skipped_values == 2


def test_a_clean_day_skips_nothing(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(order(t("10:00"), MAX_MONEY, user="u1"), reading(MAX_COUNT, "north"))
    result = compute_day_result(lake.inputs(), DAY, TenantConfig())
    assert result.skipped_values == 0
    assert next(p.value for p in result.points if p.metric == "revenue" and not p.breakdown) == MAX_MONEY
    assert next(p.value for p in result.points if p.metric == "foot_traffic" and not p.breakdown) == MAX_COUNT


def test_skipped_values_count_the_events_the_run_read(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        order(t("10:00", DAY - timedelta(days=5)), 1e300, user="u1"), order(t("10:00"), 5.0, user="u1")
    )
    full = compute_day_result(lake.inputs(), DAY, TenantConfig())
    assert full.skipped_values == 1  # D-5's order is read (CLV's year of orders)
    recent = compute_day_result(EngineInputs(lake.event_files, raw_from=DAY), DAY, TenantConfig())
    assert recent.skipped_values == 0  # D-5 is left to its digest


@pytest.mark.parametrize(
    ("value", "money", "count"),
    [
        (12.5, 12.5, None),
        (-3, -3.0, None),
        (7, 7.0, 7),
        (3.0, 3.0, 3),
        (1e12, 1e12, None),
        (1e12 + 1, None, None),
        (10**9, 1e9, 10**9),
        (10**9 + 1, 1e9 + 1, None),
        (1e300, None, None),
        (10**400, None, None),
        (float("nan"), None, None),
        (float("inf"), None, None),
        ("12.5", None, None),
        (True, None, None),
        (None, None, None),
        (-5, -5.0, None),
    ],
)
def test_limits(value: Any, money: float | None, count: int | None) -> None:
    assert as_money(value) == money
    assert as_count(value) == count


def test_the_tracking_plan_states_the_same_bounds() -> None:
    events = default_tracking_plan().events
    money = [("Order Completed", ("revenue",)), ("Order Completed", ("total",))]
    counts = [
        ("Foot Traffic Counted", ("count",)),
        ("Loyalty Points Earned", ("points",)),
        ("Loyalty Reward Redeemed", ("points",)),
        ("Follower Count Reported", ("followers",)),
    ]
    for event, (field,) in money:
        schema = events[event].schema["properties"][field]
        assert schema["maximum"] == MAX_MONEY, (event, field)
    for event, (field,) in counts:
        schema = events[event].schema["properties"][field]
        assert (schema["type"], schema["minimum"], schema["maximum"]) == ("integer", 0, MAX_COUNT), (
            event,
            field,
        )
