"""Per-person engagement score, its daily summary and at_risk."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.engine.factories import DAY, Lake, order, page, response, screen, t, track
from touchpoint.models.tenants import EngagementWeights, TenantConfig

WEB = {"channel": "web"}


def ago(days: int, hhmm: str = "10:00") -> datetime:
    return t(hhmm, DAY - timedelta(days=days))


def test_engagement_score_hand_checked(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        page(t("10:00"), user="u1"),
        order(t("10:01"), 50.0, user="u1", context=WEB),
        page(ago(10), user="u2"),
    )
    lake.responses(response(t("12:00"), [("nps", 9)], user="u1"))
    # Default weights: recency .25, frequency .25, monetary .2, breadth .15, feedback .15.
    # u1: recency 1 (most recent of 2), frequency 1 (both have 1 session: tie), monetary 1,
    #     breadth (1 channel / 3 + 2 kinds / 5) / 2 = 11/30, feedback NPS 9 -> 0.9
    #     = 100 x (.25 + .25 + .2 + .15 x 11/30 + .15 x .9) = 100 x .89 = 89
    # u2: recency .5, frequency 1, monetary 0, breadth (1/3 + 1/5) / 2 = 8/30, no feedback
    #     -> feedback weight left out: 100 x (.125 + .25 + 0 + .04) / .85 = 48.8235...
    scores = lake.scores()
    assert scores == {"u1": pytest.approx(89.0), "u2": pytest.approx(41.5 / 0.85, abs=1e-6)}
    result = lake.run()
    assert result.value("engagement_score") == pytest.approx((89.0 + 41.5 / 0.85) / 2)
    extra = result.extra("engagement_score")
    assert extra["people"] == 2
    assert len(extra["deciles"]) == 9
    assert extra["deciles"][4] == pytest.approx((89.0 + 41.5 / 0.85) / 2, abs=1e-5)  # median of two
    assert extra["deciles"] == sorted(extra["deciles"])
    assert result.value("at_risk") is None  # nobody was scored 30 days ago


def test_at_risk_counts_scores_that_fell_by_20_points(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        page(ago(35), user="p1"),
        order(ago(35, "10:01"), 100.0, user="p1", context=WEB),
        page(ago(100), user="p2"),
        page(ago(1), user="p2"),
        order(ago(1, "10:01"), 500.0, user="p2", context=WEB),
    )
    # On D-30 (people active in D-119..D-30): p1 = 100 x (.25 + .25 + .2 + .055) / .85 = 88.82
    #                                         p2 = 100 x (.125 + .25 + 0 + .04) / .85 = 48.82
    # On D (active in D-89..D): p1 = 100 x (.125 + .25 + .1 + .055) / .85 = 62.35 (fell 26.5)
    #                           p2 = 88.82 (rose)
    before = lake.scores(DAY - timedelta(days=30))
    now = lake.scores()
    assert before == {"p1": pytest.approx(75.5 / 0.85, abs=1e-5), "p2": pytest.approx(41.5 / 0.85, abs=1e-5)}
    assert now == {"p1": pytest.approx(53 / 0.85, abs=1e-5), "p2": pytest.approx(75.5 / 0.85, abs=1e-5)}
    result = lake.run()
    assert result.value("at_risk") == 1
    assert result.extra("at_risk") == {"compared": 2}


def test_weights_come_from_config(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(*[page(ago(days), user=f"u{days}") for days in range(4)])
    weights = EngagementWeights(recency=1, frequency=0, monetary=0, breadth=0, feedback=0)
    scores = lake.scores(config=TenantConfig(engagement_weights=weights))
    # Only recency counts: percentile ranks 1/4, 2/4, 3/4, 4/4 from the oldest to the newest.
    assert scores == {"u3": 25.0, "u2": 50.0, "u1": 75.0, "u0": 100.0}


def test_all_zero_weights_count_as_equal(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(page(t("10:00"), user="u1"))
    weights = EngagementWeights(recency=0, frequency=0, monetary=0, breadth=0, feedback=0)
    # One person: recency 1, frequency 1, monetary 0, breadth (1/3 + 1/5) / 2 = 4/15 -> mean of 4.
    assert lake.scores(config=TenantConfig(engagement_weights=weights)) == {
        "u1": pytest.approx(100 * (1 + 1 + 0 + 4 / 15) / 4)
    }


def test_reviews_and_comments_are_feedback(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        page(t("10:00"), user="u1"),
        track("Review Posted", t("10:05"), user="u1", props={"rating": 1}, context=WEB),
        page(t("10:00"), user="u2"),
    )
    lake.responses(response(t("09:00"), [], user="u2", comments=[("love it", "positive")]))
    weights = EngagementWeights(recency=0, frequency=0, monetary=0, breadth=0, feedback=1)
    scores = lake.scores(config=TenantConfig(engagement_weights=weights))
    assert scores == {"u1": 0.0, "u2": 100.0}  # rating 1 -> 0; a positive comment -> 1


_KINDS = ("page", "screen", "Product Viewed", "Order Completed", "Signed Up", "Post Liked")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4),  # person
            st.integers(0, 100),  # days ago
            st.integers(0, 24 * 60 - 1),  # minute of the day
            st.sampled_from(_KINDS),
            st.sampled_from(("web", "mobile", "email", None)),
        ),
        min_size=1,
        max_size=40,
    ),
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 10)), max_size=5),
)
def test_scores_and_ratios_stay_in_bounds(
    tmp_path_factory: pytest.TempPathFactory,
    events: list[tuple[int, int, int, str, str | None]],
    answers: list[tuple[int, int]],
) -> None:
    lake = Lake(tmp_path_factory.mktemp("prop"))
    records: list[dict[str, Any]] = []
    for person, days, minute, kind, channel in events:
        when = t("00:00", DAY - timedelta(days=days)) + timedelta(minutes=minute)
        context = {"channel": channel} if channel else {}
        user = f"u{person}"
        if kind == "page":
            records.append(page(when, user=user, context=context))
        elif kind == "screen":
            records.append(screen(when, user=user, context=context))
        elif kind == "Order Completed":
            records.append(order(when, float(minute % 90), user=user, context=context))
        else:
            records.append(track(kind, when, user=user, context=context))
    lake.events(*records)
    lake.responses(*[response(t("09:00"), [("nps", v)], user=f"u{p}") for p, v in answers])
    for score in lake.scores().values():
        assert 0.0 <= score <= 100.0
    result = lake.run()
    for point in result.points:
        assert point.value is not None
        if point.metric in {
            "engagement_rate",
            "bounce_rate",
            "conversion_rate",
            "stickiness",
            "retention_rate_30d",
        }:
            assert 0.0 <= point.value <= 1.0, point
        if point.metric in {"nps", "nps_30d"}:
            assert -100.0 <= point.value <= 100.0
        if point.metric == "engagement_score":
            assert 0.0 <= point.value <= 100.0
            assert all(0.0 <= d <= 100.0 for d in point.extra["deciles"])
    sessions = result.value("sessions")
    if sessions is not None:
        assert sum(v or 0 for v in result.breakdowns("sessions", "channel").values()) == sessions
        assert (result.value("engagement_rate") or 0) + (result.value("bounce_rate") or 0) == pytest.approx(
            1.0
        )
    dau, wau, mau = (result.value(m) or 0 for m in ("dau", "wau", "mau"))
    assert dau <= wau <= mau
