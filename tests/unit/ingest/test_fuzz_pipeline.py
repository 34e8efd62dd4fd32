"""Fuzzing the event pipeline: thousands of hostile events, no crash, nothing invalid accepted."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.ingest.strategies import events
from tests.unit.ingest.support import info, module
from touchpoint.models.events import parse_event
from touchpoint.privacy import truncate_ip

pipeline = module("pipeline")


def _assert_storable(record: dict[str, Any], max_bytes: int) -> None:
    parse_event(record)
    assert isinstance(record["messageId"], str) and record["messageId"]
    for key in ("timestamp", "receivedAt"):
        assert record[key].endswith("Z") and datetime.fromisoformat(record[key]).tzinfo is not None
    assert "writeKey" not in record
    json.dumps(record, ensure_ascii=False, allow_nan=False).encode("utf-8")
    context = record["context"]
    if "ip" in context:
        assert truncate_ip(context["ip"]) == context["ip"]
    for traits in (record.get("traits"), context.get("traits")):
        if isinstance(traits, dict):
            assert not {k.lower() for k in traits} & {"email", "phone"}


@settings(max_examples=300, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batch=st.lists(events(), min_size=1, max_size=12), batch_context=st.none() | st.just({"channel": "pos"})
)
def test_every_event_is_stored_valid_or_quarantined_and_message_ids_are_deterministic(
    batch: list[Any], batch_context: dict[str, Any] | None
) -> None:
    request = info(max_event_bytes=2048, context=batch_context)
    prepared = pipeline.prepare(batch, request)
    counted = len(prepared.accepted) + len(prepared.rejected) + prepared.consent_denied + prepared.repeated
    assert counted == len(batch)
    for accepted in prepared.accepted:
        _assert_storable(accepted.record, 2048)
        assert len(accepted.canonical) <= 2048
    for rejected in prepared.rejected:
        assert rejected.reason and rejected.code
    lines = pipeline.quarantine_lines(prepared.rejected, request)
    json.dumps(lines, allow_nan=False)  # quarantine lines always serialise (ASCII-escaped)
    days = [
        (d.utc_day, [r["messageId"] for r in d.records]) for d in pipeline.events_by_day(prepared.accepted)
    ]
    again = pipeline.events_by_day(pipeline.prepare(batch, request).accepted)
    assert days == [(d.utc_day, [r["messageId"] for r in d.records]) for d in again]
    assert len({day for day, _ in days}) == len(days)
