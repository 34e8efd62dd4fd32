"""One event from raw JSON to its stored line: validation, ids, time, privacy and the plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.unit.ingest.support import RECEIVED, event, info, module
from touchpoint.models.events import parse_event
from touchpoint.models.tenants import TenantConfig
from touchpoint.privacy import contact_hash

normalize = module("normalize")


def accept(raw: Any, index: int = 0, **overrides: Any) -> Any:
    outcome = normalize.process_event(raw, index, info(**overrides))
    assert isinstance(outcome, normalize.Accepted), outcome
    return outcome


def reject(raw: Any, **overrides: Any) -> Any:
    outcome = normalize.process_event(raw, 0, info(**overrides))
    assert isinstance(outcome, normalize.Rejected), outcome
    return outcome


def test_stored_line_has_the_keys_the_metric_engine_reads() -> None:
    record = accept(event(userId=42, sentAt="2026-11-02T10:00:00Z")).record
    assert record["messageId"] == "m-1" and record["type"] == "track" and record["event"] == "Product Viewed"
    assert record["userId"] == "42" and record["anonymousId"] == "anon-1"
    assert record["receivedAt"] == "2026-11-02T10:00:05.000Z"
    assert record["properties"] == {"product_id": "p-1"} and record["context"] == {}
    parse_event(record)  # what is stored is itself a valid event


def test_clock_skew_is_corrected_with_sent_at_like_segment() -> None:
    # The client's clock is 5 s behind: it stamped 09:59:00 and sent at 10:00:00, we received at 10:00:05.
    record = accept(event(sentAt="2026-11-02T10:00:00Z")).record
    assert record["timestamp"] == "2026-11-02T09:59:05.000Z"
    assert record["originalTimestamp"] == "2026-11-02T09:59:00.000Z"
    assert record["sentAt"] == "2026-11-02T10:00:00.000Z"


def test_batch_sent_at_applies_to_events_without_their_own() -> None:
    batch_sent = datetime(2026, 11, 2, 10, 0, 4, tzinfo=UTC)
    own = accept(event(sentAt="2026-11-02T10:00:00Z"), sent_at=batch_sent).record
    inherited = accept(event(), sent_at=batch_sent).record
    assert own["timestamp"] == "2026-11-02T09:59:05.000Z"
    assert (
        inherited["timestamp"] == "2026-11-02T09:59:01.000Z"
        and inherited["sentAt"] == "2026-11-02T10:00:04.000Z"
    )


def test_without_sent_at_the_timestamp_is_kept_and_without_timestamp_receivedat_is_used() -> None:
    assert accept(event()).record["timestamp"] == "2026-11-02T09:59:00.000Z"
    no_time = {k: v for k, v in event().items() if k != "timestamp"}
    record = accept(no_time).record
    assert record["timestamp"] == record["receivedAt"] == "2026-11-02T10:00:05.000Z"
    assert "originalTimestamp" not in record and "sentAt" not in record


def test_original_timestamp_is_used_when_timestamp_is_missing() -> None:
    raw = {k: v for k, v in event().items() if k != "timestamp"} | {
        "originalTimestamp": "2026-11-02T08:00:00+02:00"
    }
    assert accept(raw).record["timestamp"] == "2026-11-02T06:00:00.000Z"


def test_days_are_the_utc_day_for_the_lake_and_the_tenant_day_for_the_rollup() -> None:
    late = accept(event(timestamp="2026-11-02T23:30:00Z"))
    assert late.utc_day == date(2026, 11, 2) and late.local_day == date(2026, 11, 3)  # Berlin is UTC+1


def test_missing_message_id_gets_a_deterministic_one() -> None:
    raw = {k: v for k, v in event().items() if k != "messageId"}
    first = accept(raw).message_id
    again = accept({**raw, "sentAt": "2026-11-02T10:00:00Z"}).message_id  # a retry sets a new sentAt
    other_place = accept(raw, index=3).message_id
    other_content = accept({**raw, "event": "Other"}).message_id
    assert first == again and first.startswith("tp-")
    assert len({first, other_place, other_content}) == 3


@pytest.mark.parametrize(
    ("ip", "stored"),
    [
        ("203.0.113.77", "203.0.113.0"),
        (" 10.1.2.3 ", "10.1.2.0"),
        ("2001:db8:abcd:12:1:2:3:4", "2001:db8:abcd::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("not an ip", None),
        ("1.2.3.4, 5.6.7.8", None),
    ],
)
def test_ip_addresses_are_truncated_or_dropped(ip: str, stored: str | None) -> None:
    accepted = accept(event(context={"ip": ip, "locale": "de-DE"}))
    assert accepted.record["context"].get("ip") == stored
    assert accepted.record["context"]["locale"] == "de-DE"
    assert bool(accepted.warnings) == (stored is None)


def test_contact_traits_are_hashed_unless_the_tenant_opted_in() -> None:
    raw = {
        "type": "identify",
        "userId": "u-1",
        "traits": {"email": " Ada@Example.com ", "phone": "+49 (30) 1234", "plan": "gold"},
        "context": {"traits": {"Email": "ada@example.com"}},
    }
    salt = b"salt" * 8
    record = accept(raw).record
    assert record["traits"] == {
        "plan": "gold",
        "email_hash": contact_hash(salt, "email", "ada@example.com"),
        "phone_hash": contact_hash(salt, "phone", "+49301234"),
    }
    assert record["context"]["traits"] == {"email_hash": contact_hash(salt, "email", "ada@example.com")}
    assert "Ada@" not in repr(record) and "ada@" not in repr(record) and "+49" not in repr(record)
    kept = accept(raw, config=TenantConfig(store_contact_traits=True)).record
    assert kept["traits"]["email"] == " Ada@Example.com "


@pytest.mark.parametrize(
    "consent",
    [
        {"analytics": False},
        {"categoryPreferences": {"Analytics": False, "Advertising": True}},
        {"analytics_storage": "denied"},
        "denied",
        False,
    ],
)
def test_events_denying_analytics_consent_are_dropped(consent: Any) -> None:
    outcome = normalize.process_event(event(context={"consent": consent}), 0, info())
    assert isinstance(outcome, normalize.ConsentDenied)


def test_consent_given_or_unrelated_is_stored_and_batch_context_can_deny() -> None:
    accept(event(context={"consent": {"categoryPreferences": {"Analytics": True, "Advertising": False}}}))
    denied = normalize.process_event(event(), 0, info(context={"consent": {"analytics": False}}))
    assert isinstance(denied, normalize.ConsentDenied)
    # an invalid event whose consent denies analytics is dropped too, never quarantined
    invalid = normalize.process_event(
        {"type": "track", "context": {"consent": {"analytics": False}}}, 0, info()
    )
    assert isinstance(invalid, normalize.ConsentDenied)


def test_batch_context_is_merged_under_the_event_context() -> None:
    record = accept(event(context={"locale": "de"}), context={"locale": "en", "channel": "pos"}).record
    assert record["context"] == {"locale": "de", "channel": "pos"}


@pytest.mark.parametrize(
    ("raw", "field", "fragment"),
    [
        ([1, 2], None, "JSON object"),
        ({"event": "X", "userId": "u"}, "type", "type is required"),
        ({"type": "purchase", "userId": "u"}, "type", "type must be one of"),
        ({"type": "track", "userId": "u"}, "event", "Field required"),
        ({"type": "track", "event": "X"}, None, "userId or anonymousId is required"),
        (
            {"type": "track", "event": "X", "userId": "u", "timestamp": "2026-11-02T10:00:00"},
            "timestamp",
            "timezone",
        ),
        ({"type": "alias", "anonymousId": "a", "previousId": "p"}, None, "alias requires userId"),
        ({"type": "group", "userId": "u"}, "groupId", "Field required"),
        ({"type": "track", "event": "X", "userId": "u", "context": {"ip": 5}}, "context.ip", "string"),
    ],
)
def test_invalid_events_are_rejected_with_field_and_reason(
    raw: Any, field: str | None, fragment: str
) -> None:
    rejected = reject(raw)
    assert rejected.field == field and fragment in rejected.reason and rejected.raw == raw


def test_oversized_events_and_unstorable_text_are_rejected() -> None:
    big = reject(event(properties={"blob": "x" * 40_000}))
    assert big.code == "event_too_large" and "over the limit of 32768 bytes" in big.reason
    surrogate = reject(event(event="bad \ud800 text"))
    assert "surrogate" in surrogate.reason


def test_timestamps_pushed_out_of_range_by_the_correction_are_rejected() -> None:
    rejected = reject(event(timestamp="9999-12-31T23:59:59Z", sentAt="2000-01-01T00:00:00Z"))
    assert rejected.field == "timestamp"


def test_tracking_plan_is_reported_in_lenient_mode_and_enforced_in_strict_mode() -> None:
    raw = event(event="Review Posted", properties={"rating": 9, "platform": "google"})
    lenient = accept(raw)
    assert [str(w) for w in lenient.warnings] == ["properties.rating: must be at most 5, got 9"]
    strict = reject(raw, config=TenantConfig(schema_mode="strict"))
    assert strict.code == "tracking_plan_violation" and strict.field == "properties.rating"
    accept(event(event="Review Posted", properties={"rating": 4}), config=TenantConfig(schema_mode="strict"))
    accept(
        event(event="My Custom Thing", properties={"anything": [1]}),
        config=TenantConfig(schema_mode="strict"),
    )
    cased = reject(
        event(event="review posted", properties={"rating": 4}), config=TenantConfig(schema_mode="strict")
    )
    assert "only by case" in cased.reason


def test_identity_links_from_identify_alias_and_events_with_both_ids() -> None:
    identify = accept(
        {"type": "identify", "userId": "u-1", "anonymousId": "a-1", "timestamp": "2026-11-02T09:00:00Z"}
    )
    assert [(link.anonymous_id, link.user_id) for link in identify.links] == [("a-1", "u-1")]
    alias = accept({"type": "alias", "userId": "u-2", "previousId": "u-old"})
    assert [(link.anonymous_id, link.user_id) for link in alias.links] == [("u-old", "u-2")]
    assert alias.record["previousId"] == "u-old" and set(alias.person_ids) == {"u-2", "u-old"}
    assert accept(event()).links == ()
    group = accept({"type": "group", "userId": "u-1", "groupId": 7})
    assert group.record["groupId"] == "7" and group.record["traits"] == {}


def test_received_at_is_the_request_time() -> None:
    assert accept(event()).record["receivedAt"] == normalize.iso_utc(RECEIVED)


def test_a_batch_sent_at_out_of_range_rejects_each_event_that_uses_it() -> None:
    far = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))  # before year 1 once in UTC
    request = info(sent_at=far)
    assert request.sent_text is None
    outcome = normalize.process_event(event(), 0, request)
    assert isinstance(outcome, normalize.Rejected) and outcome.field == "timestamp"
    assert accept(event(sentAt="2026-11-02T10:00:00Z"), sent_at=far).record["sentAt"].startswith("2026-11-02")
