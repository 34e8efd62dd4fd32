"""NPS, CSAT, CES, responses, comments, tickets and reviews with hand-checked numbers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.unit.engine.factories import DAY, Lake, page, response, t, track


def test_nps_of_ten_answers(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    email = [10, 10, 9, 9, 9]  # 5 promoters
    in_app = [8, 7, 6, 3, 0]  # 2 passives, 3 detractors
    lake.responses(
        *[response(t("10:00"), [("nps", v)], channel="email") for v in email],
        *[response(t("11:00"), [("nps", v)], channel="in_app") for v in in_app],
        response(t("12:00"), [("nps", 11)], channel="email"),  # out of range: ignored by nps
    )
    result = lake.run()
    # (5 promoters - 3 detractors) / 10 answers * 100 = 20
    assert result.value("nps") == 20.0
    assert result.extra("nps") == {"responses": 10, "promoters": 5, "passives": 2, "detractors": 3}
    assert result.value("nps", channel="email") == 100.0  # 5 promoters / 5
    assert result.value("nps", channel="in_app") == -60.0  # (0 - 3) / 5 * 100
    assert result.value("responses") == 11  # every complete response, also the one with a bad score
    assert result.value("responses", channel="email") == 6
    assert result.value("nps", survey="s-nps") == 20.0


def test_nps_30d_window(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.responses(
        response(t("10:00"), [("nps", 10)]),
        response(t("10:00"), [("nps", 0)]),
        response(t("10:00", DAY - timedelta(days=29)), [("nps", 10)]),  # inside D-29..D
        response(t("10:00", DAY - timedelta(days=30)), [("nps", 0)]),  # outside
    )
    result = lake.run()
    assert result.value("nps") == 0.0  # (1 - 1) / 2
    # (2 promoters - 1 detractor) / 3 * 100
    assert result.value("nps_30d") == pytest.approx(100 / 3)
    assert result.extra("nps_30d")["responses"] == 3


def test_csat_and_ces(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.responses(
        response(t("10:00"), [("csat", 5), ("ces", 1)], location="store-1", channel="in_store"),
        response(t("10:00"), [("csat", 4), ("ces", 2)]),
        response(t("10:00"), [("csat", 3), ("ces", 7)]),
        response(t("10:00"), [("csat", 1)]),
        response(t("10:00"), [("csat", 6), ("ces", 0)]),  # out of range: ignored
    )
    result = lake.run()
    assert result.value("csat") == 3.25  # (5 + 4 + 3 + 1) / 4
    assert result.value("csat_satisfied_rate") == 0.5  # 4 and 5: 2 of 4
    assert result.extra("csat") == {"responses": 4}
    assert result.value("ces") == pytest.approx(10 / 3)  # (1 + 2 + 7) / 3
    assert result.value("csat", location="store-1") == 5.0
    assert result.value("csat", channel="in_store") == 5.0
    assert result.value("nps") is None  # no NPS answers: absent, not 0


def test_comments_and_negative_share(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.responses(
        response(t("10:00"), [("nps", 9)], comments=[("great staff", "positive")]),
        response(t("10:00"), [("nps", 2)], comments=[("slow", "negative"), ("rude", "negative")]),
        response(t("10:00"), [("nps", 5)], comments=[("   ", "negative")]),  # empty text: not a comment
        response(t("10:00"), [("nps", 7)], comments=[("not classified yet", None)]),
    )
    result = lake.run()
    assert result.value("comment_count") == 4
    assert result.value("negative_comment_share") == pytest.approx(2 / 3)  # of the 3 classified


def test_comment_count_is_zero_on_a_day_with_responses_but_no_comments(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.responses(response(t("10:00"), [("nps", 9)]))
    result = lake.run()
    assert result.value("comment_count") == 0.0
    assert result.value("negative_comment_share") is None


def test_ticket_volume_by_channel(tmp_path: Path) -> None:
    lake = Lake(tmp_path)

    def ticket(channel: str, **kw: Any) -> dict[str, Any]:
        return track("Support Ticket Created", t("10:00"), user="u1", props={"channel": channel}, **kw)

    lake.events(
        ticket("email"),
        ticket("email"),
        ticket("phone"),
        ticket("chat", context={"channel": "web"}),  # the ticket's own channel wins for this breakdown
    )
    result = lake.run()
    assert result.value("ticket_volume") == 4
    assert result.breakdowns("ticket_volume", "channel") == {"email": 2, "phone": 1, "chat": 1}


def test_ticket_volume_zero_when_tracked_and_absent_otherwise(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(page(t("10:00"), user="u1"))
    assert lake.run().value("ticket_volume") is None
    lake.events(track("Support Ticket Created", t("10:00", DAY - timedelta(days=2)), user="u1"))
    assert lake.run().value("ticket_volume") == 0.0


def test_reviews(tmp_path: Path) -> None:
    lake = Lake(tmp_path)

    def review(rating: int, platform: str, location: str | None = None) -> dict[str, Any]:
        props = {"rating": rating, "platform": platform, "text": "..."}
        if location:
            props["location_id"] = location
        return track("Review Posted", t("10:00"), user="u1", props=props)

    lake.events(
        review(5, "google", "store-1"),
        review(2, "google", "store-1"),
        review(1, "trustpilot"),
        review(4, "trustpilot", "store-2"),
        track("Review Posted", t("10:00"), user="u2", props={"platform": "google"}),  # no rating
    )
    result = lake.run()
    assert result.value("reviews") == 5
    assert result.value("avg_review_rating") == 3.0  # (5 + 2 + 1 + 4) / 4 rated
    assert result.value("negative_review_share") == 0.5  # ratings 1 and 2: 2 of 4 rated
    assert result.breakdowns("reviews", "platform") == {"google": 3, "trustpilot": 2}
    assert result.value("avg_review_rating", platform="google") == 3.5  # (5 + 2) / 2
    assert result.value("negative_review_share", location="store-1") == 0.5
    assert result.breakdowns("reviews", "location") == {"store-1": 2, "store-2": 1}
