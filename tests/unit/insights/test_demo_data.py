"""The demo month is deterministic, valid for the APIs, and tells the story the dashboard shows."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

from touchpoint.models.events import parse_event
from touchpoint.models.surveys import ResponseSubmission
from touchpoint.tracking_plan import default_tracking_plan
from touchpoint_cli.demo_data import BAD_STORE, CSAT_SURVEY, STORES, DemoSize, bad_days, generate

NOW = datetime(2024, 6, 1, 14, 30, tzinfo=UTC)
SIZE = DemoSize(days=30, people=120, history_days=10)


def _days() -> list:  # type: ignore[type-arg]
    return generate(SIZE, NOW.date(), "Europe/Berlin", seed=3, now=NOW)


def test_same_seed_same_data_and_nothing_after_now() -> None:
    first, second = _days(), _days()
    assert json.dumps([d.events for d in first]) == json.dumps([d.events for d in second])
    assert [r.response_id for d in first for r in d.responses] == [
        r.response_id for d in second for r in d.responses
    ]
    stamps = [e["timestamp"] for d in first for e in d.events]
    assert max(stamps) <= NOW.strftime("%Y-%m-%dT%H:%M:%S.999Z")
    assert all(r.submitted_at <= NOW for d in first for r in d.responses)
    assert len(first) == SIZE.days + SIZE.history_days
    assert [d.rolled_up for d in first].count(True) == SIZE.days
    assert all(not d.responses for d in first if not d.rolled_up)


def test_events_and_answers_are_valid_for_the_apis() -> None:
    days = _days()
    ids = [e["messageId"] for d in days for e in d.events]
    assert len(ids) == len(set(ids))
    for day in days[-3:]:
        for event in day.events:
            parse_event(event)
        for response in day.responses:
            ResponseSubmission.model_validate(response.submission())
    names = {e.get("event") for d in days for e in d.events}
    assert {"Order Completed", "Store Visited", "Support Ticket Created", "Foot Traffic Counted"} <= names
    stores = {
        e["properties"].get("location_id")
        for d in days
        for e in d.events
        if e.get("event") == "Store Visited"
    }
    assert stores == {s for s, _ in STORES}


def test_stores_are_closed_on_sundays() -> None:
    for day in _days():
        if day.day.weekday() == 6:
            assert not any(e.get("event") == "Store Visited" for e in day.events)
            assert not any(r.channel == "in_store" for r in day.responses)


def test_the_bad_store_has_low_csat_and_waiting_comments_on_its_bad_days() -> None:
    days = _days()
    bad = set(bad_days([d.day for d in days if d.rolled_up]))
    assert len(bad) == 3

    def hamburg(day_filter: bool) -> list:  # type: ignore[type-arg]
        return [
            r
            for d in days
            if (d.day in bad) == day_filter
            for r in d.responses
            if r.survey_id == CSAT_SURVEY and r.location_id == BAD_STORE
        ]

    bad_scores = [r.answers["csat"] for r in hamburg(True)]
    good_scores = [r.answers["csat"] for r in hamburg(False)]
    assert mean(bad_scores) < 2.8 < 3.8 < mean(good_scores)
    waiting = [r for r in hamburg(True) if "Wartezeit" in r.answers.get("comment", "")]
    assert len(waiting) >= len(bad_scores) // 2


def test_chat_tickets_jump_in_the_last_days() -> None:
    days = [d for d in _days() if d.rolled_up]

    def chat(day_events: list) -> int:  # type: ignore[type-arg]
        return sum(
            1
            for e in day_events
            if e.get("event") == "Support Ticket Created" and e["properties"].get("channel") == "chat"
        )

    before = mean(chat(d.events) for d in days[:-3])
    assert chat(days[-2].events) >= 2 * before + 2
    assert days[-1].day == NOW.date() and days[-2].day == NOW.date() - timedelta(days=1)


def _named(days: list, name: str) -> list[dict]:  # type: ignore[type-arg]
    return [e for d in days for e in d.events if e.get("event") == name]


def test_in_store_events_follow_the_tracking_plan() -> None:
    days = _days()
    plan = default_tracking_plan()
    names = {e.get("event") for d in days for e in d.events}
    assert {"Loyalty Points Earned", "Loyalty Reward Redeemed", "Event Registered", "Event Attended"} <= names
    assert {"Referral Sent", "Referral Converted"} <= names
    assert not names & {"Points Earned", "Reward Redeemed"}
    for day in days:
        for event in day.events:
            if event["type"] == "track":
                assert plan.check(event["event"], event.get("properties", {})) == [], event


def test_berlin_counts_two_doors_hamburg_one() -> None:
    readings = _named(_days(), "Foot Traffic Counted")
    sensors: dict[tuple[str, str], set[str]] = {}
    for reading in readings:
        props = reading["properties"]
        sensors.setdefault((props["location_id"], props["period_start"]), set()).add(props["sensor_id"])
    assert sensors and all(
        doors == ({"entrance-main", "entrance-courtyard"} if store == "berlin-mitte" else {"entrance"})
        for (store, _), doors in sensors.items()
    )
    periods = {(r["properties"]["sensor_id"], r["properties"]["period_start"]) for r in readings}
    assert len(periods) == len(readings)  # one reading per sensor and period


def test_workshops_are_registered_for_ahead_and_attended_on_their_day() -> None:
    days = _days()
    registered = _named(days, "Event Registered")
    attended = _named(days, "Event Attended")
    assert len(registered) >= 10 and attended
    for event in registered:
        held = date.fromisoformat(event["properties"]["event_date"])
        assert held.weekday() == 5 and event["timestamp"][:10] <= held.isoformat()
    registrants = {(e["properties"]["event_id"], e["userId"]) for e in registered}
    zone = ZoneInfo("Europe/Berlin")
    for event in attended:
        assert (event["properties"]["event_id"], event["userId"]) in registrants
        when = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).astimezone(zone)
        assert when.date().isoformat() == event["properties"]["event_date"]


def test_referral_conversions_carry_a_code_that_was_sent_before() -> None:
    days = _days()
    sent = {e["properties"]["code"]: e["timestamp"] for e in _named(days, "Referral Sent")}
    converted = _named(days, "Referral Converted")
    assert len(sent) >= 10 and converted
    for event in converted:
        assert sent[event["properties"]["code"]] < event["timestamp"]
