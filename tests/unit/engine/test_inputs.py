"""Reading the files: duplicates, broken clocks, malformed lines, response versions, empty days."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tests.unit.engine.factories import DAY, Lake, iso, order, page, response, t, track


def test_duplicate_event_in_two_files_counts_once(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    first_page = page(t("10:00"), user="u1", message_id="dup-page")
    paid = order(t("10:02"), 50.0, user="u1", message_id="dup-order")
    lake.events(first_page, page(t("10:05"), user="u1"), paid)
    lake.events(first_page, paid)  # the same two lines again in a second batch file
    result = lake.run()
    assert result.value("sessions") == 1
    assert result.value("pages_per_session") == 2  # 2 distinct pages, not 3
    assert result.value("orders") == 1
    assert result.value("revenue") == 50.0  # not 100


def test_malformed_and_unusable_lines_are_skipped(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        page(t("10:00"), user="u1"),
        raw_lines=[
            "this is not json",
            '{"messageId": "no-type", "userId": "u2", "timestamp": "2026-03-10T10:00:00Z"}',
            '{"messageId": "no-time", "type": "page", "userId": "u3"}',
            '{"messageId": "bad-context", "type": "page", "userId": "u4", "timestamp": "2026-03-10T11:00:00Z",'
            ' "context": "not an object", "properties": [1, 2]}',
        ],
    )
    result = lake.run()
    # u1 and u4 (its odd context/properties are ignored, the event itself is fine).
    assert result.value("dau") == 2
    assert result.value("sessions") == 2


def test_untrustworthy_timestamps_fall_back_to_received_at(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    received = datetime(2026, 3, 10, 12, 0)
    lake.events(
        # Years in the future: more than 1 day after receivedAt -> counts at receivedAt (on DAY).
        page(datetime(2029, 3, 10, 10, 0), user="u-future", received=received),
        # Far in the past: more than 365 days before receivedAt -> counts at receivedAt (on DAY).
        page(datetime(2024, 1, 1, 10, 0), user="u-past", received=received),
        # 20 hours after receivedAt is within the 1-day tolerance: trusted, so it is on DAY + 1.
        page(received + timedelta(hours=20), user="u-ahead", received=received),
        # 300 days before receivedAt is trusted too: it happened on DAY - 300, outside every window.
        page(received - timedelta(days=300), user="u-old", received=received),
    )
    lake.events({"messageId": "no-ts", "type": "page", "userId": "u-no-ts", "receivedAt": iso(received)})
    result = lake.run()
    assert result.value("dau") == 3  # u-future, u-past, u-no-ts
    assert result.value("mau") == 3
    next_day = lake.run(DAY + timedelta(days=1))
    assert next_day.value("dau") == 1  # u-ahead
    assert next_day.value("wau") == 4


def test_survey_responses_latest_version_wins_and_only_complete_ones_count(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.responses(
        response(t("10:00"), [("nps", 0)], rid="r1"),
        response(t("11:00"), [("nps", 10)], rid="r1"),  # later version of r1: 10 replaces 0
        response(t("10:00"), [("nps", 10)], rid="r2"),
        response(t("12:00"), [("nps", 10)], rid="r2", complete=False),  # r2's latest is incomplete
        response(t("10:00"), [("nps", 0)], rid="r3", complete=False),  # never completed
    )
    lake.responses(response(t("11:00"), [("nps", 10)], rid="r1"))  # r1 again in another file
    result = lake.run()
    assert result.value("responses") == 1
    assert result.value("nps") == 100.0  # one promoter out of one answer
    assert result.extra("nps")["responses"] == 1


def test_no_inputs_give_no_points(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    assert lake.run().points == []
    assert lake.scores() == {}


def test_a_day_without_data_only_has_window_metrics(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    three_days_ago = DAY - timedelta(days=3)
    lake.events(
        page(t("10:00", three_days_ago), user="u1"),
        order(t("10:01", three_days_ago), 80.0, user="u1"),
    )
    result = lake.run()
    # Nothing happened on DAY: no daily metric is emitted, not even as 0 ...
    for metric in ("sessions", "bounce_rate", "conversion_rate", "dau", "stickiness", "orders", "revenue"):
        assert result.value(metric) is None, metric
    # ... while the trailing windows that do hold data are.
    assert result.names() == {
        "wau",  # 1 person in D-6..D
        "mau",
        "visit_frequency_30d",  # 1 session / 1 person
        "purchase_frequency_30d",  # 1 order / 1 purchaser
        "clv",
        "historic_clv",
        "engagement_score",
    }
    assert result.value("wau") == 1
    assert result.value("visit_frequency_30d") == 1.0


def test_events_without_identity_are_not_people(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(page(t("10:00")), track("Product Viewed", t("10:01")), page(t("10:02"), user="u1"))
    result = lake.run()
    assert result.value("dau") == 1
    assert result.value("sessions") == 1
