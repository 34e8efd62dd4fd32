"""Rejected input is protected like accepted events before it is quarantined."""

from __future__ import annotations

import gzip
import json
from typing import Any

from touchpoint.privacy import contact_hash
from touchpoint_cli.apps import function_module

redact = function_module("ingest", "chalicelib.redact")
SALT = b"s" * 32
HASHED = redact.Protection(store_contact_traits=False, contact_salt=SALT)
STORED = redact.Protection(store_contact_traits=True, contact_salt=SALT)


def _event(**extra: Any) -> dict[str, Any]:
    return {
        "type": "identify",
        "userId": "u-1",
        "traits": {"email": "Jane@Example.com", "plan": "gold"},
        "context": {"ip": "203.0.113.77", "traits": {"phone": "+49 170 1234567"}, "locale": "de"},
        **extra,
    }


def test_a_rejected_event_keeps_no_full_ip_and_no_clear_contact_traits() -> None:
    raw = _event(timestamp="yesterday")
    event = redact.redact_event(raw, HASHED)
    assert event["traits"] == {"plan": "gold", "email_hash": contact_hash(SALT, "email", "jane@example.com")}
    assert event["context"] == {
        "ip": "203.0.113.0",
        "traits": {"phone_hash": contact_hash(SALT, "phone", "+491701234567")},
        "locale": "de",
    }
    assert event["timestamp"] == "yesterday" and event["userId"] == "u-1"
    assert raw == _event(timestamp="yesterday")  # the input is not changed


def test_a_tenant_that_stores_contact_traits_keeps_them_but_not_the_full_ip() -> None:
    event = redact.redact_event(_event(), STORED)
    assert event["traits"]["email"] == "Jane@Example.com" and event["context"]["ip"] == "203.0.113.0"


def test_values_that_are_not_objects_are_left_as_they_are() -> None:
    assert redact.redact_event("just text", HASHED) == "just text"
    odd = {"type": "track", "context": "not an object", "traits": ["a@b.de"]}
    assert redact.redact_event(odd, HASHED) == odd
    assert redact.redact_event({"context": {"ip": "not an ip"}}, HASHED) == {"context": {}}


def test_a_refused_batch_body_is_redacted_event_by_event_also_when_gzip() -> None:
    body = {"batch": [_event(), 7], "sentAt": "bad", "context": {"ip": "198.51.100.9"}}
    for raw in (json.dumps(body).encode(), gzip.compress(json.dumps(body).encode())):
        kept, checked = redact.redact_body(raw, HASHED)
        payload = json.loads(kept)
        assert checked and payload["context"] == {"ip": "198.51.100.0"} and payload["sentAt"] == "bad"
        assert payload["batch"][0]["context"]["ip"] == "203.0.113.0" and payload["batch"][1] == 7
        assert "Jane" not in kept.decode() and "1234567" not in kept.decode()


def test_a_body_with_nothing_to_protect_or_that_does_not_parse_is_kept_as_it_came() -> None:
    plain = b'{"batch": [1, NaN]}'
    assert redact.redact_body(plain, HASHED) == (plain, True)
    broken = b'{"batch": [{"context": {"ip": "203.0.113.77"}'
    assert redact.redact_body(broken, HASHED) == (broken, False)
    bad_gzip = b"\x1f\x8b\x08\x00broken"
    assert redact.redact_body(bad_gzip, HASHED) == (bad_gzip, False)
    lone = b'{"type": "track", "event": "\\ud800", "context": {"ip": "203.0.113.77"}}'
    kept, checked = redact.redact_body(lone, HASHED)
    assert checked and json.loads(kept)["context"]["ip"] == "203.0.113.0" and b"\\ud800" in kept
