"""Alert rules: validation, aggregation over windows and the pure evaluation (one alert per breach)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from touchpoint.alerts.aggregate import daily_level, period_value, sample_count
from touchpoint.alerts.evaluate import history_start, measure, series_for, should_fire
from touchpoint.alerts.rules import AlertRule, AlertRuleInput, Condition
from touchpoint.models.metrics import MetricPoint

D = date(2024, 5, 31)
NOW = datetime(2024, 6, 1, 2, 0, tzinfo=UTC)


def rule(**fields: Any) -> AlertRule:
    base: dict[str, Any] = {
        "tenant_id": "acme",
        "rule_id": "r1",
        "name": "test rule",
        "metric": "nps",
        "condition": "below",
        "threshold": 20,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return AlertRule.model_validate({**base, **fields})


def point(
    name: str, day: date, value: float | None, breakdown: dict[str, str] | None = None, **extra: Any
) -> MetricPoint:
    return MetricPoint(metric=name, date=day, value=value, breakdown=breakdown or {}, extra=extra)


def nps(day: date, promoters: int, passives: int, detractors: int, **bd: str) -> MetricPoint:
    n = promoters + passives + detractors
    return point(
        "nps",
        day,
        100.0 * (promoters - detractors) / n,
        bd,
        responses=n,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
    )


# Validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"metric": "no_such_metric"}, "unknown or unwatchable metric"),
        ({"metric": "top_products"}, "unknown or unwatchable metric"),
        ({"breakdown": {"colour": "red"}}, "unknown breakdown 'colour'"),
        ({"breakdown": {"location": "a b"}}, "invalid value"),
        ({"condition": "drops_by", "threshold": 0}, "percentage threshold"),
        ({"condition": "rises_by", "threshold": -5}, "percentage threshold"),
        ({"threshold": float("nan")}, "finite"),
        ({"window_days": 0}, "greater than or equal to 1"),
        ({"rule_id": "Bad_Id"}, "should match pattern"),
        ({"surprise": 1}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_rules_are_rejected_with_a_clear_message(fields: dict[str, Any], message: str) -> None:
    body = {"name": "x", "metric": "nps", "condition": "below", "threshold": 20, **fields}
    with pytest.raises(ValidationError, match=message):
        AlertRuleInput.model_validate(body)


def test_rule_descriptions_read_like_the_brief() -> None:
    assert rule(window_days=7).describe() == "nps (7-day) below 20"
    csat = rule(metric="csat", breakdown={"location": "x"}, condition="drops_by", threshold=15)
    assert csat.describe() == "csat location=x drops by 15 % against its 28-day mean"


# Aggregation ----------------------------------------------------------------------------------


def test_nps_over_days_is_pooled_not_averaged() -> None:
    points = [nps(D, 10, 0, 0), nps(D - timedelta(days=1), 0, 0, 1)]  # 100 and -100
    assert period_value("nps", points) == pytest.approx(100 * 9 / 11)


def test_csat_is_weighted_by_responses_and_counts_are_summed() -> None:
    csat = [point("csat", D, 5.0, responses=3), point("csat", D - timedelta(days=1), 1.0, responses=1)]
    assert period_value("csat", csat) == pytest.approx(4.0)
    assert sample_count("csat", csat) == 4
    tickets = [point("ticket_volume", D, 4), point("ticket_volume", D - timedelta(days=1), 6)]
    assert period_value("ticket_volume", tickets) == 10
    assert daily_level("ticket_volume", tickets, 5) == 2
    assert sample_count("ticket_volume", tickets) == 10


def test_trailing_window_metrics_take_the_latest_day_and_north_star_follows_its_metric() -> None:
    mau = [point("mau", D - timedelta(days=1), 90), point("mau", D, 100)]
    assert period_value("mau", mau) == 100
    star = [
        point("north_star", D, 10, metric="orders"),
        point("north_star", D - timedelta(days=1), 5, metric="orders"),
    ]
    assert period_value("north_star", star) == 15
    assert period_value("sessions", [point("sessions", D, None)]) is None


# Evaluation -----------------------------------------------------------------------------------


def test_nps_seven_day_below_20_uses_the_whole_window() -> None:
    r = rule(window_days=7)
    # Six good days and one bad one: the 7-day NPS stays above 20.
    days = [nps(D - timedelta(days=i), 6, 2, 2) for i in range(1, 7)] + [nps(D, 0, 1, 9)]
    m = measure(r, D, days)
    assert m is not None and not m.breached
    assert m.value == pytest.approx(100 * (36 - 21) / 70)
    # A week of bad days breaches it.
    bad = [nps(D - timedelta(days=i), 1, 2, 7) for i in range(7)]
    assert should_fire(r, D, bad) is None  # breached on D-1 as well: the breach started earlier
    first_bad = [nps(D - timedelta(days=i), 8, 1, 1) for i in range(7, 14)] + bad
    fired = [day for day in (D - timedelta(days=i) for i in range(7)) if should_fire(r, day, first_bad)]
    assert len(fired) == 1  # exactly one alert for the whole breach


def test_csat_at_a_store_drops_by_15_percent_against_its_28_day_mean() -> None:
    r = rule(metric="csat", breakdown={"location": "x"}, condition="drops_by", threshold=15)
    history = [
        point("csat", D - timedelta(days=i), 4.0, {"location": "x"}, responses=10) for i in range(1, 29)
    ]
    other_store = [point("csat", D, 1.0, {"location": "y"}, responses=10)]
    calm = series_for(r, [*history, point("csat", D, 3.5, {"location": "x"}, responses=10), *other_store])
    assert should_fire(r, D, calm) is None  # -12.5 %
    drop = series_for(r, [*history, point("csat", D, 3.4, {"location": "x"}, responses=10), *other_store])
    m = should_fire(r, D, drop)
    assert m is not None and m.baseline == pytest.approx(4.0) and m.change_pct == pytest.approx(-15.0)


def test_ticket_volume_by_chat_doubles() -> None:
    r = rule(metric="ticket_volume", breakdown={"channel": "chat"}, condition="rises_by", threshold=100)
    base = [point("ticket_volume", D - timedelta(days=i), 5, {"channel": "chat"}) for i in range(1, 29)]
    assert should_fire(r, D, [*base, point("ticket_volume", D, 9, {"channel": "chat"})]) is None
    m = should_fire(r, D, [*base, point("ticket_volume", D, 10, {"channel": "chat"})])
    assert m is not None and m.value == 10 and m.baseline == 5


def test_no_data_no_baseline_or_too_few_samples_never_fire() -> None:
    r = rule(metric="csat", condition="drops_by", threshold=10)
    assert should_fire(r, D, []) is None
    assert should_fire(r, D, [point("csat", D, 1.0, responses=5)]) is None  # no baseline yet
    few = rule(metric="csat", condition="below", threshold=3, min_samples=5)
    assert should_fire(few, D, [point("csat", D, 1.0, responses=4)]) is None
    assert should_fire(few, D, [point("csat", D, 1.0, responses=5)]) is not None
    assert should_fire(rule(enabled=False), D, [nps(D, 0, 0, 5)]) is None


def test_a_breach_ends_and_a_new_one_fires_again_even_across_a_gap_without_data() -> None:
    r = rule(metric="csat", condition="below", threshold=3)
    values = {0: 4.0, 1: 2.0, 2: 2.5, 3: 4.0, 5: 2.0}  # day 4 has no data
    series = [point("csat", D + timedelta(days=k), v, responses=3) for k, v in values.items()]
    fired = [k for k in range(6) if should_fire(r, D + timedelta(days=k), series)]
    assert fired == [1, 5]
    # Re-evaluating a day gives the same answer (pure).
    assert should_fire(r, D + timedelta(days=1), series) == should_fire(r, D + timedelta(days=1), series)


def test_history_start_covers_window_baseline_and_lookback() -> None:
    r = rule(condition="drops_by", threshold=10, window_days=7, baseline_days=28)
    assert history_start(r, D) == D - timedelta(days=7 + 28 + 7)
    assert Condition.DROPS_BY.relative and not Condition.BELOW.relative
