"""The example payloads of offline store signals (events/offline/) follow the spec and the tracking plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EVENTS_DIR
from touchpoint.models.events import BatchRequest, TrackEvent, parse_event
from touchpoint.tracking_plan import default_tracking_plan

OFFLINE = EVENTS_DIR / "offline"
SINGLE = sorted(p for p in OFFLINE.glob("*.json") if "batch" not in p.name)
EXPECTED_EVENTS = {
    "Foot Traffic Counted",
    "Staff Interaction Logged",
    "Event Registered",
    "Event Attended",
    "Product Interacted",
}


def _events(path: Path) -> list[dict[str, Any]]:
    body = json.loads(path.read_text(encoding="utf-8"))
    if "batch" in body:
        BatchRequest.model_validate(body)
        return [{**e, "context": {**body.get("context", {}), **e.get("context", {})}} for e in body["batch"]]
    return [body]


def test_every_offline_signal_has_an_example() -> None:
    names = {e["event"] for p in OFFLINE.glob("*.json") for e in _events(p)}
    assert names == EXPECTED_EVENTS
    assert (OFFLINE / "README.md").exists()


@pytest.mark.parametrize("path", sorted(OFFLINE.glob("*.json")), ids=lambda p: p.name)
def test_payload_is_a_planned_in_store_track_event(path: Path) -> None:
    plan = default_tracking_plan()
    for raw in _events(path):
        event = parse_event(raw)
        assert isinstance(event, TrackEvent) and event.message_id and event.timestamp is not None
        assert event.context.channel == "in_store"
        assert event.properties["location_id"] == event.context.location_id == "berlin-mitte"
        assert plan.check(event.event, event.properties) == []
        assert event.event in plan.events
