"""The events of a request: single endpoints, batches and their request-wide defaults."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.unit.ingest.support import module

envelope = module("envelope")
body = module("body")


def test_single_endpoint_takes_its_type_from_the_path_and_drops_the_write_key() -> None:
    opened = envelope.open_envelope("page", {"type": "track", "name": "Home", "writeKey": "tpw_x"})
    assert opened.events == [{"type": "page", "name": "Home"}]
    assert opened.sent_at is None and opened.context is None


def test_batch_keeps_items_as_they_are_and_reads_sent_at_and_context() -> None:
    opened = envelope.open_envelope(
        "batch",
        {"batch": [{"type": "track"}, 42], "sentAt": "2026-11-02T10:00:00", "context": {"ip": "1.2.3.4"}},
    )
    assert opened.events == [{"type": "track"}, 42]
    assert opened.sent_at == datetime(2026, 11, 2, 10, tzinfo=UTC)
    assert opened.context == {"ip": "1.2.3.4"}


@pytest.mark.parametrize(
    ("kind", "payload", "field"),
    [
        ("track", [1, 2], None),
        ("batch", "text", None),
        ("batch", {}, "batch"),
        ("batch", {"batch": {}}, "batch"),
        ("batch", {"batch": []}, "batch"),
        ("batch", {"batch": [{}], "sentAt": "yesterday"}, "sentAt"),
        ("batch", {"batch": [{}], "context": [1]}, "context"),
    ],
)
def test_unreadable_envelopes_are_400(kind: str, payload: Any, field: str | None) -> None:
    with pytest.raises(body.BodyError) as caught:
        envelope.open_envelope(kind, payload)
    assert caught.value.status == 400 and caught.value.field == field
