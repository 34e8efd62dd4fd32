"""Foot traffic (with and without door counters), store conversion, loyalty, events, staff, referrals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.unit.engine.factories import DAY, Lake, Result, iso, order, page, t, track
from touchpoint.engine import EngineInputs, compute_day, compute_day_result
from touchpoint.models.tenants import TenantConfig


def ago(days: int, hhmm: str = "10:00") -> datetime:
    return t(hhmm, DAY - timedelta(days=days))


def reading(
    location: str, start: datetime, count: int, *, received: datetime | None = None
) -> dict[str, Any]:
    """A one-hour reading of a store's counter that sends no sensor_id."""
    return door(location, None, start, count, received=received)


def door(
    location: str, sensor: str | None, start: datetime, count: int, *, received: datetime | None = None
) -> dict[str, Any]:
    """A one-hour reading of one door counter (`sensor` None: a counter that sends no sensor_id)."""
    props: dict[str, Any] = {
        "location_id": location,
        "count": count,
        "period_start": iso(start),
        "period_end": iso(start + timedelta(hours=1)),
    }
    if sensor is not None:
        props["sensor_id"] = sensor
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


def test_foot_traffic_adds_up_the_doors_and_a_resent_reading_replaces_the_earlier_one(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        # store-1 has two doors. north's 09:00 reading was first sent as 240, then corrected to 252.
        door("store-1", "north", t("09:00"), 240, received=t("10:01")),
        door("store-1", "south", t("09:00"), 224, received=t("10:01")),
        order(t("09:30"), 10.0, user="u1", props={"location_id": "store-1"}),
        order(t("09:40"), 10.0, user="u2", props={"location_id": "store-1"}),
    )
    lake.events(door("store-1", "north", t("09:00"), 252, received=t("10:30")))  # the re-send, another file
    lake.events(
        # store-2's counter sends no sensor_id: one sensor, so its re-sent 10:00 reading replaces the first.
        door("store-2", None, t("10:00"), 30, received=t("11:01")),
        door("store-2", None, t("10:00"), 31, received=t("11:20")),
        door("store-2", None, t("11:00"), 12, received=t("12:01")),
    )
    result = lake.run()
    assert result.value("foot_traffic", location="store-1") == 476  # north 252 + south 224
    assert result.value("foot_traffic", location="store-2") == 43  # 31 + 12
    assert result.value("foot_traffic") == 519  # 476 + 43
    assert result.extra("foot_traffic") == {"stores_with_counters": 2}
    assert result.value("store_conversion_rate", location="store-1") == pytest.approx(2 / 476)
    assert result.extra("store_conversion_rate", location="store-1") == {"orders": 2, "foot_traffic": 476.0}
    assert result.value("store_conversion_rate", location="store-2") == 0.0  # 0 orders / 43
    assert result.value("store_conversion_rate") == pytest.approx(2 / 519)  # 2 store orders / 519


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
        track(
            "Loyalty Points Earned", t("10:05"), user="u1", props={"points": 100, "location_id": "store-1"}
        ),
        track("Loyalty Points Earned", t("10:05"), user="u3", props={"points": 50}),
        track(
            "Loyalty Reward Redeemed", t("10:10"), user="u1", props={"points": 30, "location_id": "store-1"}
        ),
        track("Loyalty Points Earned", ago(20), user="u4", props={"points": 10, "location_id": "store-2"}),
        track("Loyalty Reward Redeemed", ago(40), user="u5", props={"points": 10}),  # outside D-29..D
        # The names before the tracking plan's: not loyalty events, counted nowhere.
        track("Points Earned", t("10:20"), user="u6", props={"points": 1000, "location_id": "store-1"}),
        track("Reward Redeemed", t("10:20"), user="u6", props={"points": 1000, "location_id": "store-1"}),
    )
    result = lake.run()
    assert result.value("loyalty_signups") == 2
    assert result.value("points_earned") == 150
    assert result.value("points_redeemed") == 30
    assert result.value("redemption_rate") == 0.2  # 30 / 150
    assert result.value("active_loyalty_members") == 4  # u1, u2, u3, u4
    assert result.value("loyalty_signups", location="store-1") == 1
    assert result.value("redemption_rate", location="store-1") == 0.3  # 30 / 100
    assert result.breakdowns("active_loyalty_members", "location") == {"store-1": 1, "store-2": 1}  # u1; u4
    assert result.breakdowns("points_earned", "location") == {"store-1": 100}


def registered(event_id: str, user: str, when: datetime, held: date | None, location: str) -> dict[str, Any]:
    props: dict[str, Any] = {"event_id": event_id, "location_id": location}
    if held is not None:
        props["event_date"] = held.isoformat()
    return track("Event Registered", when, user=user, props=props)


def attended(
    event_id: str, user: str, location: str, when: datetime | None = None, held: date | None = None
) -> dict[str, Any]:
    props: dict[str, Any] = {"event_id": event_id, "location_id": location}
    if held is not None:
        props["event_date"] = held.isoformat()
    return track("Event Attended", when or t("18:00"), user=user, props=props)


def attendance_lake(tmp_path: Path) -> Lake:
    """Registrations days before the events, attendance on D (see the test for the arithmetic)."""
    lake = Lake(tmp_path)
    tomorrow, yesterday = DAY + timedelta(days=1), DAY - timedelta(days=1)
    lake.events(
        # A: held on D at store-1, 3 registrants, 2 came (u1 checked in twice).
        *[registered("A", u, ago(5), DAY, "store-1") for u in ("u1", "u2", "u3")],
        # B: held on D at store-2, 2 registrants, nobody came: counts with 0 attended.
        *[registered("B", u, ago(4), DAY, "store-2") for u in ("u4", "u5")],
        # C: held in three days; u6's early check-in today does not make it an event of D.
        registered("C", "u6", ago(2), DAY + timedelta(days=3), "store-1"),
        # D: registrations without a date, attendance today at store-2: held on D, 1 of 2 came.
        *[registered("D", u, ago(3), None, "store-2") for u in ("u7", "u8")],
        # E: undated, nobody came today: not held on D.
        registered("E", "u9", ago(3), None, "store-1"),
        # F: held yesterday (its attendance too).
        registered("F", "u11", ago(6), yesterday, "store-1"),
        # G: held on D at store-1; its one registrant was checked in after midnight (dated D).
        registered("G", "u10", ago(1), DAY, "store-1"),
    )
    lake.events(
        attended("F", "u11", "store-1", t("18:00", yesterday), yesterday),
        *[attended("A", u, "store-1", held=DAY) for u in ("u1", "u2", "u1")],
        attended("C", "u6", "store-1"),
        attended("D", "u7", "store-2"),
        attended("G", "u10", "store-1", t("01:00", tomorrow), DAY),
    )
    return lake


def test_event_attendance_rate_by_event_date(tmp_path: Path) -> None:
    result = attendance_lake(tmp_path).run()
    # held on D: A 2/3, B 0/2, D 1/2, G 1/1 -> (2 + 0 + 1 + 1) / (3 + 2 + 2 + 1) = 4 / 8
    assert result.value("event_attendance_rate") == 0.5
    assert result.extra("event_attendance_rate") == {"attended": 4, "registered": 8, "events": 4}
    assert result.value("event_attendance_rate", location="store-1") == 0.75  # A + G: 3 / 4
    assert result.value("event_attendance_rate", location="store-2") == 0.25  # B + D: 1 / 4
    yesterday = attendance_lake(tmp_path / "y").run(DAY - timedelta(days=1))
    assert yesterday.value("event_attendance_rate") == 1.0  # F: 1 / 1
    assert yesterday.extra("event_attendance_rate") == {"attended": 1, "registered": 1, "events": 1}


def test_an_event_held_on_d_without_attendees_has_rate_zero(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(registered("B", "u1", ago(3), DAY, "store-1"), page(t("10:00"), user="u2"))
    result = lake.run()
    assert result.value("event_attendance_rate") == 0.0  # 0 attended / 1 registered
    assert result.extra("event_attendance_rate") == {"attended": 0, "registered": 1, "events": 1}


def _digested(lake: Lake, day: date, tmp_path: Path) -> Result:
    """The day computed from the digests of every earlier day (each written by its own run)."""
    digests = {}
    for offset in range(40, 0, -1):
        past = day - timedelta(days=offset)
        compute_day_result(lake.inputs(), past, TenantConfig(), digest_out=tmp_path / "digests")
        digests[past] = tmp_path / "digests" / past.isoformat()
    inputs = EngineInputs(lake.event_files, digests=digests, raw_from=day)
    return Result(compute_day(inputs, day, TenantConfig()))


def test_attendance_from_digests_equals_attendance_from_raw_events(tmp_path: Path) -> None:
    lake = attendance_lake(tmp_path)
    raw = lake.run()
    digested = _digested(lake, DAY, tmp_path)
    for location in (None, "store-1", "store-2"):
        where = {} if location is None else {"location": location}
        assert digested.value("event_attendance_rate", **where) == raw.value("event_attendance_rate", **where)
        assert digested.extra("event_attendance_rate", **where) == raw.extra("event_attendance_rate", **where)


def test_staff_and_product_interactions(tmp_path: Path) -> None:
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
    )
    result = lake.run()
    assert result.value("staff_interactions") == 3
    assert result.breakdowns("staff_interactions", "kind") == {"consultation": 2, "demo": 1}
    assert result.breakdowns("staff_interactions", "location") == {"store-1": 2, "store-2": 1}
    assert result.value("product_interactions") == 2
    assert result.value("product_interactions", location="store-1") == 2


def referral_lake(tmp_path: Path) -> Lake:
    def sent(code: str, when: datetime, location: str | None = None) -> dict[str, Any]:
        props = {"code": code} | ({"location_id": location} if location else {})
        return track("Referral Sent", when, user="u1", props=props)

    def converted(code: str, when: datetime) -> dict[str, Any]:
        return track("Referral Converted", when, user=f"new-{code}-{when:%d}", props={"code": code})

    lake = Lake(tmp_path)
    lake.events(
        sent("A", t("09:00"), "store-1"),
        sent("B", t("09:30"), "store-1"),
        sent("C", ago(10), "store-2"),
        sent("D", ago(10)),
        sent("D", ago(9)),  # the same code sent twice: one code
        sent("E", ago(40), "store-2"),  # sent before D-29
        sent(" F ", ago(8), "store-2"),  # trimmed: F
        converted("A", t("15:00")),
        converted("C", ago(5)),
        converted("E", t("11:00")),  # its sending is outside the window
        converted("Z", t("12:00")),  # a code never sent
        converted("f", t("12:30")),  # codes match exactly: not F
        converted("B", t("00:30", DAY + timedelta(days=1))),  # after the end of D
    )
    return lake


def test_referrals_are_matched_by_code(tmp_path: Path) -> None:
    result = referral_lake(tmp_path).run()
    assert result.value("referrals_sent") == 2  # A and B on D
    assert result.breakdowns("referrals_sent", "location") == {"store-1": 2}
    # codes sent in D-29..D: A, B, C, D, F; converted by the end of D: A, C -> 2 / 5
    assert result.value("referral_conversion_rate") == 0.4
    assert result.extra("referral_conversion_rate") == {"codes_sent_30d": 5, "codes_converted_30d": 2}
    assert result.value("referral_conversion_rate", location="store-1") == 0.5  # A of A, B
    assert result.value("referral_conversion_rate", location="store-2") == 0.5  # C of C, F
    tomorrow = referral_lake(tmp_path / "t").run(DAY + timedelta(days=1))
    assert tomorrow.value("referral_conversion_rate") == 0.6  # B converted too: 3 / 5


def test_referral_codes_from_digests_equal_codes_from_raw_events(tmp_path: Path) -> None:
    lake = referral_lake(tmp_path)
    raw = lake.run()
    digested = _digested(lake, DAY, tmp_path)
    for metric in ("referral_conversion_rate", "referrals_sent"):
        for key in ("location",):
            assert digested.breakdowns(metric, key) == raw.breakdowns(metric, key)
        assert digested.value(metric) == raw.value(metric)
    assert digested.extra("referral_conversion_rate") == raw.extra("referral_conversion_rate")


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
