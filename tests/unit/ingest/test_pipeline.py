"""Sorting a request's events and grouping them into content-addressed lake objects."""

from __future__ import annotations

from datetime import date, timedelta

from tests.unit.ingest.support import RECEIVED, event, info, module

pipeline = module("pipeline")


def test_objects_are_one_per_utc_day_with_keys_that_survive_a_retry() -> None:
    events = [
        event(messageId="a", timestamp="2026-11-01T23:59:00Z"),
        event(messageId="b", timestamp="2026-11-02T00:01:00Z"),
        event(messageId="c", timestamp="2026-11-01T12:00:00Z"),
    ]
    first = pipeline.lake_objects("acme", pipeline.prepare(events, info()).accepted)
    assert [o.utc_day for o in first] == [date(2026, 11, 1), date(2026, 11, 2)]
    assert [[r["messageId"] for r in o.records] for o in first] == [["a", "c"], ["b"]]
    assert first[0].key.startswith("raw/events/tenant=acme/dt=2026-11-01/") and first[0].key.endswith(
        ".jsonl.gz"
    )
    # A retry: the SDK sets a new sentAt and we receive it later; the keys do not change.
    retried = [{**e, "sentAt": "2026-11-02T10:00:09Z"} for e in events]
    later = info(received_at=RECEIVED + timedelta(seconds=30))
    again = pipeline.lake_objects("acme", pipeline.prepare(retried, later).accepted)
    assert [o.key for o in again] == [o.key for o in first]
    # Other content, other tenant: other keys.
    changed = pipeline.lake_objects(
        "acme", pipeline.prepare([event(messageId="a", event="Y")], info()).accepted
    )
    other = pipeline.lake_objects("globex", pipeline.prepare(events[:1], info(tenant_id="globex")).accepted)
    assert changed[0].key != first[0].key and other[0].key.split("/")[-1] != first[0].key.split("/")[-1]


def test_local_days_follow_the_tenant_time_zone() -> None:
    objects = pipeline.lake_objects(
        "acme", pipeline.prepare([event(timestamp="2026-11-01T23:30:00Z")], info()).accepted
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
