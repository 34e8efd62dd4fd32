"""Sessions, identity stitching, active people, referrals and social metrics."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.unit.engine.factories import DAY, Lake, event, identify, order, page, screen, t, track
from touchpoint.models.tenants import TenantConfig


def test_session_crossing_midnight_belongs_to_its_first_day(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    tomorrow = DAY + timedelta(days=1)
    lake.events(
        page(t("23:50"), user="u1"),
        page(t("23:58"), user="u1"),  # gap 8 min
        page(t("00:10", tomorrow), user="u1"),  # gap 12 min, after midnight
        track("Product Viewed", t("00:20", tomorrow), user="u1"),  # gap 10 min
    )
    day = lake.run()
    assert day.value("sessions") == 1
    assert day.value("pages_per_session") == 3  # the page after midnight counts on DAY
    assert day.value("avg_session_duration_s") == 1800  # 23:50 -> 00:20
    assert day.value("interactions_per_session") == 1
    next_day = lake.run(tomorrow)
    assert next_day.value("sessions") is None  # no session starts on DAY + 1 ...
    assert next_day.value("bounce_rate") is None
    assert next_day.value("dau") == 1  # ... but u1 was active on it


def test_anonymous_visitor_logging_in_mid_session_is_stitched_backwards(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        page(t("09:00", DAY - timedelta(days=2)), anon="a1"),  # an earlier anonymous visit
        page(t("10:00"), anon="a1"),
        page(t("10:05"), anon="a1"),
        identify(t("10:06"), user="u1", anon="a1"),  # not activity: neither starts nor extends
        page(t("10:07"), user="u1", anon="a1"),
        order(t("10:10"), 30.0, user="u1", anon="a1"),
        identify(t("10:45"), user="u1", anon="a1"),
    )
    result = lake.run()
    assert result.value("sessions") == 1  # a1's pages and u1's events are one person's session
    assert result.value("dau") == 1
    assert result.value("pages_per_session") == 3
    assert result.value("avg_session_duration_s") == 600  # 10:00 -> 10:10, the identify at 10:45 is ignored
    assert result.value("conversion_rate") == 1.0
    assert result.value("purchasers") == 1
    assert result.value("wau") == 1  # the visit two days ago was u1 as well
    assert result.value("visit_frequency_30d") == 2.0  # 2 sessions / 1 person
    assert set(lake.scores()) == {"u1"}


def test_identity_links_from_earlier_runs_stitch(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(page(t("10:00"), anon="a9"), page(t("10:10"), user="u9"))
    assert lake.run().value("dau") == 2
    lake.links = [("a9", "u9")]
    result = lake.run()
    assert result.value("dau") == 1
    assert result.value("sessions") == 1  # 10:00 and 10:10 are one session of u9


def test_alias_merges_previous_id_into_user(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        event("alias", t("09:00"), user="u7", previousId="old-7"),
        page(t("10:00"), user="old-7"),
        page(t("10:05"), user="u7"),
    )
    result = lake.run()
    assert result.value("dau") == 1
    assert result.value("sessions") == 1


def test_thirty_minute_gap_boundary(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        page(t("10:00"), user="u1"),
        page(t("10:30"), user="u1"),  # exactly 30 min: same session
        page(t("11:00", seconds=1), user="u1"),  # 30 min 1 s: new session
    )
    result = lake.run()
    assert result.value("sessions") == 2
    assert result.value("pages_per_session") == 1.5  # 3 pages / 2 sessions
    assert result.value("avg_session_duration_s") == 900  # (1800 + 0) / 2


def test_engagement_bounce_and_conversion(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        page(t("10:00"), user="u1"),  # bounce: 0 s, 1 view, no conversion
        page(t("10:00"), user="u2"),
        page(t("10:00", seconds=5), user="u2"),  # engaged: 2 views (5 s)
        track("Product Viewed", t("10:00"), user="u3"),
        track("Product Added", t("10:00", seconds=15), user="u3"),  # engaged: 15 s
        track("Signed Up", t("10:00"), user="u4"),  # engaged: a conversion
    )
    result = lake.run()
    assert result.value("sessions") == 4
    assert result.value("engaged_sessions") == 3
    assert result.value("engagement_rate") == 0.75
    assert result.value("bounce_rate") == 0.25
    assert result.value("conversion_rate") == 0.25  # 1 of 4 sessions converted
    assert result.value("pages_per_session") == 0.75  # (1 + 2 + 0 + 0) / 4
    assert result.value("interactions_per_session") == 0.75  # (0 + 0 + 2 + 1) / 4
    assert result.value("avg_session_duration_s") == 5.0  # (0 + 5 + 15 + 0) / 4


def test_day_with_sessions_and_no_conversion_has_rate_zero(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(page(t("10:00"), user="u1"))
    result = lake.run()
    assert result.value("conversion_rate") == 0.0
    assert result.value("referral_sessions") == 0.0
    assert result.value("engaged_sessions") == 0.0


def test_conversion_events_come_from_config(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(track("Demo Booked", t("10:00"), user="u1"), track("Signed Up", t("10:00"), user="u2"))
    assert lake.run().value("conversion_rate") == 0.5
    config = TenantConfig(conversion_events=("Demo Booked",))
    assert lake.run(config=config).value("conversion_rate") == 0.5
    config = TenantConfig(conversion_events=("Demo Booked", "Signed Up"))
    assert lake.run(config=config).value("conversion_rate") == 1.0


def test_channel_and_platform_breakdowns(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        page(t("10:00"), user="u1"),  # channel web (page), platform web (page)
        screen(t("10:00"), user="u2", context={"os": {"name": "iOS"}}),  # mobile (screen), ios
        track("Email Opened", t("10:00"), user="u3", context={"channel": "email"}),  # email, unknown
        page(t("10:05"), user="u3"),  # same session as u3's email open: session channel stays email
        track("Store Visited", t("12:00"), user="u4", props={"channel": "in_store"}),  # properties.channel
    )
    result = lake.run()
    assert result.value("sessions") == 4
    assert result.breakdowns("sessions", "channel") == {"web": 1, "mobile": 1, "email": 1, "in_store": 1}
    assert result.breakdowns("sessions", "platform") == {"web": 1, "ios": 1, "unknown": 2}
    # dau by channel counts every channel a person used on the day: u3 used email and web.
    assert result.breakdowns("dau", "channel") == {"web": 2, "mobile": 1, "email": 1, "in_store": 1}
    assert result.value("dau") == 4
    assert result.value("pages_per_session", channel="email") == 1.0


def test_referral_sessions_by_source(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    shop = "https://shop.example.com/p"
    lake.events(
        page(t("10:00"), user="u1", context={"campaign": {"source": "Newsletter", "medium": "email"}}),
        page(
            t("10:00"),
            user="u2",
            context={"page": {"referrer": "https://www.google.com/search?q=x", "url": shop}},
        ),
        page(
            t("10:00"),
            user="u3",
            context={"page": {"referrer": "https://shop.example.com/cart", "url": shop}},
        ),
        page(t("10:00"), user="u4", context={"page": {"referrer": "", "url": shop}}),
        page(t("10:00"), user="u5", context={"page": {"referrer": "https://google.com/"}}),
        # Only the first event of a session decides: u1's later page from google does not add a source.
        page(t("10:05"), user="u1", context={"page": {"referrer": "https://google.com/", "url": shop}}),
    )
    result = lake.run()
    assert result.value("sessions") == 5
    assert result.value("referral_sessions") == 3  # u1 (campaign), u2 and u5 (external referrer)
    assert result.breakdowns("referral_sessions", "source") == {"newsletter": 1, "google.com": 2}


def test_dau_wau_mau_stickiness(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        page(t("10:00"), user="u1"),
        page(t("10:00", DAY - timedelta(days=3)), user="u2"),
        page(t("10:00", DAY - timedelta(days=10)), user="u3"),
        page(t("00:30", DAY - timedelta(days=29)), user="u4"),  # first day of the 30-day window
        page(t("23:30", DAY - timedelta(days=30)), user="u5"),  # just outside it
    )
    result = lake.run()
    assert result.value("dau") == 1
    assert result.value("wau") == 2  # u1, u2
    assert result.value("mau") == 4  # u1 .. u4
    assert result.value("stickiness") == 0.25  # 1 / 4
    assert result.value("visit_frequency_30d") == 1.0  # 4 sessions / 4 people


def test_system_identify_and_group_events_are_not_activity(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        track("Foot Traffic Counted", t("10:00"), anon="counter-1", props={"location_id": "s1", "count": 5}),
        track(
            "Follower Count Reported", t("10:00"), anon="reporter", props={"platform": "x", "followers": 9}
        ),
        track("Heartbeat", t("10:00"), user="u2"),
        identify(t("10:00"), user="u1", anon="a1"),
        event("group", t("10:00"), user="u1", groupId="g1"),
    )
    config = TenantConfig(system_events=("Heartbeat",))
    result = lake.run(config=config)
    assert result.value("dau") is None
    assert result.value("sessions") is None
    assert result.value("foot_traffic") == 5  # the counter reading is still a metric input
    # Without the tenant's system event config, "Heartbeat" is activity.
    assert lake.run().value("dau") == 1


def test_social_engagement_and_follower_growth(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    d30 = DAY - timedelta(days=30)

    def followers(when: datetime, platform: str, count: int) -> dict[str, Any]:
        return track(
            "Follower Count Reported", when, anon="rep", props={"platform": platform, "followers": count}
        )

    lake.events(
        track("Post Liked", t("10:00"), user="u1", props={"platform": "instagram"}),
        track("Post Liked", t("10:01"), user="u2", props={"platform": "instagram"}),
        track("Post Shared", t("10:02"), user="u1", props={"platform": "tiktok"}),
        track("Account Followed", t("10:03"), user="u3", props={"platform": "instagram"}),
        followers(t("08:00", d30), "instagram", 900),
        followers(t("20:00", d30), "instagram", 1000),  # the latest reading of D-30 counts
        followers(t("09:00"), "instagram", 1200),
        followers(t("09:00", d30), "tiktok", 500),
        followers(t("09:00"), "tiktok", 400),
        followers(t("09:00"), "facebook", 300),  # no reading on D-30: left out
    )
    result = lake.run()
    assert result.value("social_engagement") == 4
    assert result.breakdowns("social_engagement", "event") == {
        "Post Liked": 2,
        "Post Shared": 1,
        "Account Followed": 1,
    }
    assert result.breakdowns("social_engagement", "platform") == {"instagram": 3, "tiktok": 1}
    assert result.value("follower_growth_rate", platform="instagram") == 0.2  # (1200 - 1000) / 1000
    assert result.value("follower_growth_rate", platform="tiktok") == -0.2  # (400 - 500) / 500
    assert result.value("follower_growth_rate", platform="facebook") is None
    assert result.value("follower_growth_rate") == pytest.approx(100 / 1500)  # (1600 - 1500) / 1500


def test_social_engagement_zero_only_for_tenants_that_track_it(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(page(t("10:00"), user="u1"))
    assert lake.run().value("social_engagement") is None  # never tracked: absent
    lake.events(track("Post Liked", t("10:00", DAY - timedelta(days=1)), user="u1", props={"platform": "x"}))
    assert lake.run().value("social_engagement") == 0.0  # tracked, none today: a real zero
