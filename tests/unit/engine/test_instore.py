"""Foot traffic (with and without door counters), store conversion, loyalty, events, staff, referrals."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.unit.engine.factories import DAY, Lake, iso, order, page, t, track


def ago(days: int, hhmm: str = "10:00") -> datetime:
    return t(hhmm, DAY - timedelta(days=days))


def reading(
    location: str, start: datetime, count: int, *, received: datetime | None = None
) -> dict[str, Any]:
    props = {
        "location_id": location,
        "count": count,
        "period_start": iso(start),
        "period_end": iso(start + timedelta(hours=1)),
    }
    return track(
        "Foot Traffic Counted",
        start + timedelta(hours=1),
        anon=f"counter-{location}",
        props=props,
        received=received,
    )


def visit(location: str | None, when: datetime, user: str) -> dict[str, Any]:
    props = {"location_id": location} if location else {}
    return track("Store Visited", when, user=user, props=props)


def test_foot_traffic_with_and_without_counters(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        # store-1 has a door counter: 10 + 16 (the 10:00 reading was re-sent with a correction).
        reading("store-1", t("09:00"), 10),
        reading("store-1", t("10:00"), 15, received=t("11:05")),
        reading("store-1", t("10:00"), 16, received=t("11:30")),
        # A reading for the hour before midnight, sent after midnight: belongs to the previous day.
        reading("store-1", t("23:00", DAY - timedelta(days=1)), 99),
        # Visits at a store with counters do not add to its traffic.
        visit("store-1", t("10:15"), "u1"),
        # store-2 has no counter: its Store Visited events are the traffic.
        *[visit("store-2", t("12:00"), f"v{i}") for i in range(4)],
        visit(None, t("12:00"), "v9"),  # no location: in the total only
        order(t("10:20"), 20.0, user="u1", props={"location_id": "store-1"}),
        order(t("10:40"), 20.0, user="u5", props={"location_id": "store-1"}),
        order(t("12:10"), 20.0, user="v0", props={"location_id": "store-2"}),
        order(t("12:30"), 20.0, user="w1"),  # online order: no store
    )
    result = lake.run()
    assert result.value("foot_traffic") == 31  # 26 + 4 + 1
    assert result.value("foot_traffic", location="store-1") == 26
    assert result.extra("foot_traffic", location="store-1") == {"source": "counters"}
    assert result.value("foot_traffic", location="store-2") == 4
    assert result.extra("foot_traffic", location="store-2") == {"source": "visits"}
    assert result.value("store_conversion_rate", location="store-1") == pytest.approx(2 / 26)
    assert result.value("store_conversion_rate", location="store-2") == 0.25  # 1 / 4
    assert result.value("store_conversion_rate") == 0.1  # 3 store orders / 30 traffic at known stores


def test_foot_traffic_counters_only(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(reading("store-1", t("09:00"), 7), reading("store-2", t("09:00"), 3))
    result = lake.run()
    assert result.value("foot_traffic") == 10
    assert result.extra("foot_traffic") == {"stores_with_counters": 2}
    assert result.value("store_conversion_rate") == 0.0  # traffic and no store orders


def test_store_conversion_rate_is_clamped(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        visit("store-1", t("10:00"), "u1"),
        *[order(t("10:05"), 5.0, user=f"u{i}", props={"location_id": "store-1"}) for i in range(3)],
    )
    result = lake.run()
    assert result.value("store_conversion_rate", location="store-1") == 1.0
    assert result.extra("store_conversion_rate", location="store-1") == {"orders": 3, "foot_traffic": 1.0}


def test_loyalty(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        track("Loyalty Program Joined", t("10:00"), user="u1", props={"location_id": "store-1"}),
        track("Loyalty Program Joined", t("10:00"), user="u2"),
        track("Loyalty Points Earned", t("10:05"), user="u1", props={"points": 100, "location_id": "store-1"}),
        track("Loyalty Points Earned", t("10:05"), user="u3", props={"points": 50}),
        track("Loyalty Reward Redeemed", t("10:10"), user="u1", props={"points": 30, "location_id": "store-1"}),
        track("Loyalty Points Earned", ago(20), user="u4", props={"points": 10}),
        track("Loyalty Reward Redeemed", ago(40), user="u5", props={"points": 10}),  # outside D-29..D
    )
    result = lake.run()
    assert result.value("loyalty_signups") == 2
    assert result.value("points_earned") == 150
    assert result.value("points_redeemed") == 30
    assert result.value("redemption_rate") == 0.2  # 30 / 150
    assert result.value("active_loyalty_members") == 4  # u1, u2, u3, u4
    assert result.value("loyalty_signups", location="store-1") == 1
    assert result.value("redemption_rate", location="store-1") == 0.3  # 30 / 100


def test_event_attendance_rate(tmp_path: Path) -> None:
    lake = Lake(tmp_path)

    def registered(event_id: str, user: str, when: datetime) -> dict[str, Any]:
        return track("Event Registered", when, user=user, props={"event_id": event_id})

    def attended(event_id: str, user: str, location: str) -> dict[str, Any]:
        return track(
            "Event Attended", t("18:00"), user=user, props={"event_id": event_id, "location_id": location}
        )

    lake.events(
        *[registered("ev-1", u, ago(5)) for u in ("u1", "u2", "u3", "u4")],
        *[attended("ev-1", u, "store-1") for u in ("u1", "u2", "u3", "u1")],  # u1 checked in twice
        registered("ev-2", "u5", ago(2)),
        registered("ev-2", "u6", ago(2)),
        attended("ev-2", "u5", "store-2"),
        attended("ev-3", "u7", "store-2"),  # no registrations: not part of the rate
        registered("ev-4", "u8", ago(3)),  # held on another day
    )
    result = lake.run()
    # ev-1: 3 of 4 registrants came, ev-2: 1 of 2 -> (3 + 1) / (4 + 2)
    assert result.value("event_attendance_rate") == pytest.approx(4 / 6)
    assert result.extra("event_attendance_rate") == {"attended": 4, "registered": 6, "events": 2}
    assert result.value("event_attendance_rate", location="store-1") == 0.75
    assert result.value("event_attendance_rate", location="store-2") == 0.5


def test_staff_product_and_referrals(tmp_path: Path) -> None:
    lake = Lake(tmp_path)

    def staff(kind: str, location: str) -> dict[str, Any]:
        return track(
            "Staff Interaction Logged", t("11:00"), user="u1", props={"kind": kind, "location_id": location}
        )

    lake.events(
        staff("consultation", "store-1"),
        staff("consultation", "store-1"),
        staff("demo", "store-2"),
        track(
            "Product Interacted", t("11:00"), user="u2", props={"product_id": "p1", "location_id": "store-1"}
        ),
        track(
            "Product Interacted", t("11:05"), user="u3", props={"product_id": "p2", "location_id": "store-1"}
        ),
        track("Referral Sent", t("09:00"), user="u1", props={"code": "A"}),
        track("Referral Sent", t("09:00"), user="u1", props={"code": "B"}),
        track("Referral Sent", ago(10), user="u2", props={"code": "C"}),
        track("Referral Sent", ago(10), user="u2", props={"code": "D"}),
        track("Referral Converted", t("15:00"), user="u9", props={"code": "A"}),
        track("Referral Converted", ago(5), user="u8", props={"code": "C"}),
        track("Referral Converted", ago(40), user="u7", props={"code": "Z"}),  # outside D-29..D
    )
    result = lake.run()
    assert result.value("staff_interactions") == 3
    assert result.breakdowns("staff_interactions", "kind") == {"consultation": 2, "demo": 1}
    assert result.breakdowns("staff_interactions", "location") == {"store-1": 2, "store-2": 1}
    assert result.value("product_interactions") == 2
    assert result.value("product_interactions", location="store-1") == 2
    assert result.value("referrals_sent") == 2  # on D
    assert result.value("referral_conversion_rate") == 0.5  # 2 converted / 4 sent in D-29..D


def test_in_store_counts_absent_for_a_web_only_tenant(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(page(t("10:00"), user="u1"))
    names = lake.run().names()
    for metric in (
        "foot_traffic",
        "loyalty_signups",
        "points_earned",
        "staff_interactions",
        "referrals_sent",
    ):
        assert metric not in names
