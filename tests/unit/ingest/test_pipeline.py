"""Sorting a request's events and grouping them by the UTC day they land under."""

from __future__ import annotations

from datetime import date, timedelta

from tests.unit.ingest.support import RECEIVED, event, info, module

pipeline = module("pipeline")


def test_events_group_by_utc_day_with_message_ids_that_survive_a_retry() -> None:
    events = [
        event(messageId="a", timestamp="2026-11-01T23:59:00Z"),
        event(messageId="b", timestamp="2026-11-02T00:01:00Z"),
        event(messageId="c", timestamp="2026-11-01T12:00:00Z"),
        {k: v for k, v in event(timestamp="2026-11-01T08:00:00Z").items() if k != "messageId"},
    ]
    first = pipeline.events_by_day(pipeline.prepare(events, info()).accepted)
    assert [d.utc_day for d in first] == [date(2026, 11, 1), date(2026, 11, 2)]
    ids = [[r["messageId"] for r in d.records] for d in first]
    assert ids[0][:2] == ["a", "c"] and ids[0][2].startswith("tp-") and ids[1] == ["b"]
    # A retry: the SDK sets a new sentAt and we receive it later. Firehose lands the events again;
    # readers count them once because the messageIds, the derived one too, do not change.
    retried = [{**e, "sentAt": "2026-11-02T10:00:09Z"} for e in events]
    later = info(received_at=RECEIVED + timedelta(seconds=30))
    again = pipeline.events_by_day(pipeline.prepare(retried, later).accepted)
    assert [[r["messageId"] for r in d.records] for d in again] == ids
    assert [d.utc_day for d in again] == [d.utc_day for d in first]
    # Other content without a messageId: another derived id.
    changed = pipeline.prepare([{**events[3], "event": "Y"}], info()).accepted
    assert changed[0].message_id != ids[0][2]


def test_local_days_follow_the_tenant_time_zone() -> None:
    objects = pipeline.events_by_day(
        pipeline.prepare([event(timestamp="2026-11-01T23:30:00Z")], info()).accepted
    )
    assert objects[0].utc_day == date(2026, 11, 1) and objects[0].local_days == {date(2026, 11, 2)}


def test_exact_repeats_in_one_request_are_stored_once_and_counted() -> None:
    prepared = pipeline.prepare([event(), event(), event(messageId="m-2")], info())
    assert [e.message_id for e in prepared.accepted] == ["m-1", "m-2"] and prepared.repeated == 1


def test_suppressed_people_are_dropped_from_stored_and_quarantined_events() -> None:
    prepared = pipeline.prepare(
        [event(anonymousId="gone"), event(messageId="m-2"), {"type": "track", "anonymousId": "gone"}], info()
    )
    assert len(prepared.accepted) == 2 and len(prepared.rejected) == 1
    assert "gone" in prepared.person_ids
    pipeline.drop_suppressed(prepared, frozenset({"gone"}))
    assert [e.message_id for e in prepared.accepted] == ["m-2"] and prepared.rejected == []
    assert prepared.suppressed == 2


def test_quarantine_lines_carry_reason_field_and_the_raw_event() -> None:
    prepared = pipeline.prepare([{"type": "track", "userId": "u"}], info())
    [line] = pipeline.quarantine_lines(prepared.rejected, info())
    assert line == {
        "reason": "event: Field required",
        "code": "invalid_event",
        "field": "event",
        "index": 0,
        "event": {"type": "track", "userId": "u"},
        "receivedAt": "2026-11-02T10:00:05.000Z",
    }


def test_lines_with_unicode_line_separators_read_back_whole() -> None:
    from touchpoint.storage.lake import decode_jsonl_gz, encode_jsonl_gz

    prepared = pipeline.prepare([event(properties={"note": "a\u2028b\x85c\u2029d"})], info())
    records = [e.record for e in prepared.accepted]
    assert decode_jsonl_gz(encode_jsonl_gz(records)) == records
