"""The Segment-spec event models accept what SDKs send and reject what the rollup cannot use."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from touchpoint.models.events import (
    AliasEvent,
    GroupEvent,
    IdentifyEvent,
    PageEvent,
    ScreenEvent,
    TrackEvent,
    parse_event,
)
from touchpoint.models.metrics import MetricPoint
from touchpoint.models.tenants import TenantConfig

BASE: dict[str, Any] = {"messageId": "m-1", "anonymousId": "anon-1", "timestamp": "2026-11-01T10:00:00Z"}


@pytest.mark.parametrize(
    ("raw", "model"),
    [
        ({**BASE, "type": "track", "event": "Order Completed", "properties": {"revenue": 12.5}}, TrackEvent),
        ({**BASE, "type": "page", "name": "Home"}, PageEvent),
        ({**BASE, "type": "screen", "name": "Cart"}, ScreenEvent),
        ({**BASE, "type": "identify", "userId": "u-1", "traits": {"plan": "gold"}}, IdentifyEvent),
        ({**BASE, "type": "group", "groupId": 42}, GroupEvent),
        ({**BASE, "type": "alias", "userId": "u-1", "previousId": "anon-1"}, AliasEvent),
    ],
)
def test_each_event_type_parses_into_its_model(raw: dict[str, Any], model: type) -> None:
    event = parse_event(raw)
    assert isinstance(event, model)
    assert event.message_id == "m-1"
    assert event.person_ref in {"u-1", "anon-1"}


def test_numeric_user_ids_become_strings_and_unknown_fields_are_kept() -> None:
    event = parse_event({"type": "track", "event": "X", "userId": 7, "sdkExtra": {"a": 1}})
    assert event.user_id == "7"
    assert event.model_extra == {"sdkExtra": {"a": 1}}


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"type": "track", "event": "X"}, "userId or anonymousId is required"),
        ({"type": "track", "anonymousId": "a"}, "event"),
        ({"type": "alias", "anonymousId": "a", "previousId": "b"}, "alias requires userId"),
        ({"type": "track", "event": "X", "anonymousId": "a", "timestamp": "2026-11-01T10:00:00"}, "timezone"),
        ({"type": "bogus", "anonymousId": "a"}, "does not match any of the expected tags"),
    ],
)
def test_invalid_events_are_rejected_with_a_reason(raw: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_event(raw)
    assert fragment in str(caught.value)


def test_metric_point_breakdown_key_is_stable() -> None:
    point = MetricPoint(
        metric="csat", date="2026-11-01", value=4.2, breakdown={"location": "b", "channel": "a"}
    )
    assert point.breakdown_key == "channel=a|location=b"
    assert MetricPoint(metric="csat", date="2026-11-01", value=1.0).breakdown_key == "-"


def test_tenant_config_rejects_unknown_time_zone() -> None:
    with pytest.raises(ValidationError, match="unknown IANA time zone"):
        TenantConfig(timezone="Mars/Olympus")
