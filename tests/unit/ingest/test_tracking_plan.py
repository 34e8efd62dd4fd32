"""The tracking plan: it covers the standard events of docs/METRICS.md and checks what it promises."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import EVENTS_DIR
from touchpoint.tracking_plan import (
    PLAN_FILE,
    TrackingPlanError,
    default_tracking_plan,
    load_tracking_plan,
    parse_tracking_plan,
)


def test_the_shipped_plan_is_the_one_in_events() -> None:
    assert PLAN_FILE.read_bytes() == (EVENTS_DIR / "tracking-plan.json").read_bytes()
    assert (
        load_tracking_plan(EVENTS_DIR / "tracking-plan.json").events.keys()
        == default_tracking_plan().events.keys()
    )


def test_the_plan_lists_every_standard_event_of_the_metric_catalog() -> None:
    # The standard events of docs/METRICS.md (the metric contract).
    names = set(default_tracking_plan().events)
    expected = {
        "Order Completed", "Signed Up", "Newsletter Subscribed", "Trial Started", "Post Liked", "Post Shared",
        "Post Commented", "Account Followed", "Support Ticket Created", "Store Visited", "Foot Traffic Counted",
        "Loyalty Program Joined", "Loyalty Points Earned", "Loyalty Reward Redeemed", "Event Registered",
        "Event Attended", "Staff Interaction Logged", "Product Interacted", "Referral Sent", "Referral Converted",
        "Review Posted", "Follower Count Reported",
    }  # fmt: skip
    assert expected <= names


@pytest.mark.parametrize(
    ("event", "properties", "problems"),
    [
        ("Order Completed", {"revenue": 12.5, "order_id": "o-1", "currency": "EUR"}, []),
        ("Order Completed", {"revenue": "12.50"}, ["properties.revenue: must be number, got string"]),
        ("Order Completed", {"products": [{"price": -1}, {"quantity": True}]}, [
            "properties.products.0.price: must be at least 0, got -1",
            "properties.products.1.quantity: must be integer, got boolean",
        ]),
        ("Foot Traffic Counted", {"location_id": "berlin", "count": 12.0}, []),
        ("Foot Traffic Counted", {"count": 1.5}, [
            "properties.location_id: is required",
            "properties.count: must be integer, got number",
        ]),
        ("Foot Traffic Counted", {"location_id": "b", "count": 1, "period_start": "2026-11-02"}, [
            "properties.period_start: must be an ISO-8601 date-time with a time zone",
        ]),
        ("Support Ticket Created", {"channel": "fax"}, [
            'properties.channel: must be one of "email", "chat", "phone", "social", "in_store"',
        ]),
        ("Review Posted", {"rating": None}, ["properties.rating: is required"]),
        ("Review Posted", {"rating": 5, "text": None}, []),
        ("Unplanned Event", {"anything": {"goes": True}}, []),
        ("Loyalty Points Earned", {"points": 120, "location_id": "berlin"}, []),
        ("Loyalty Points Earned", {"points": -5}, ["properties.points: must be at least 0, got -5"]),
        ("Loyalty Points Earned", {"points": 1e20}, ["properties.points: must be at most 1e+09, got 1e+20"]),
        ("Loyalty Points Earned", {"points": 2.5}, ["properties.points: must be integer, got number"]),
        ("Loyalty Points Earned", {"points": "50"}, ["properties.points: must be integer, got string"]),
        ("Loyalty Points Earned", {}, ["properties.points: is required"]),
        ("Loyalty Reward Redeemed", {"points": 10**10}, [
            "properties.points: must be at most 1e+09, got 10000000000",
        ]),
        ("Order Completed", {"revenue": 1e300}, ["properties.revenue: must be at most 1e+12, got 1e+300"]),
        ("Foot Traffic Counted", {"location_id": "b", "count": 1, "sensor_id": "north"}, []),
        ("Event Registered", {"event_id": "e1", "event_date": "2026-11-22"}, []),
        ("Event Registered", {"event_id": "e1", "event_date": "22.11.2026"}, [
            "properties.event_date: must match ^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$",
        ]),
        ("Referral Sent", {"code": "FRIEND-7", "location_id": "berlin"}, []),
        ("Store Visited", "not an object", ["properties: must be object, got string"]),
    ],
)  # fmt: skip
def test_checks(event: str, properties: Any, problems: list[str]) -> None:
    assert [str(p) for p in default_tracking_plan().check(event, properties)] == problems


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ([], "must be an object"),
        ({"events": {"X": {"properties": {"a": {"type": "string", "format": "email"}}}}}, "date-time"),
        ({"events": {"X": {"properties": {"a": {"oneOf": []}}}}}, "unsupported keyword"),
        ({"events": {"X": {"owner": "me"}}}, "unsupported key"),
        ({"events": {"X": {"properties": {"a": {"type": "decimal"}}}}}, "type must be one of"),
        ({"events": {"X": {"properties": {"a": {"pattern": "("}}}}}, "not a regular expression"),
        ({"events": {"X": {"required": "a"}}}, "required must be a list"),
    ],
)
def test_a_plan_with_a_check_it_cannot_make_is_refused(document: Any, fragment: str) -> None:
    with pytest.raises(TrackingPlanError, match=re.escape(fragment)):
        parse_tracking_plan(document)


def test_additional_properties_false_is_enforced() -> None:
    plan = parse_tracking_plan(
        {"events": {"X": {"properties": {"a": {"type": "integer"}}, "additionalProperties": False}}}
    )
    assert [str(p) for p in plan.check("X", {"a": 1, "b": 2})] == ["properties.b: is not in the plan"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-10, 10)
    | st.floats(-10, 10, allow_nan=False)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=500, derandomize=True, database=None)
@given(event=st.sampled_from(sorted(default_tracking_plan().events)), properties=json_values)
def test_the_checks_agree_with_a_json_schema_validator(event: str, properties: Any) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    spec = default_tracking_plan().events[event]
    schema = json.loads(json.dumps(spec.schema))
    # The plan treats an explicit null as an absent optional property; JSON Schema does not.
    cleaned = (
        {k: v for k, v in properties.items() if v is not None or k in schema.get("required", [])}
        if isinstance(properties, dict)
        else properties
    )
    validator = jsonschema.Draft202012Validator(schema, format_checker=None)
    ours = spec.check_properties(properties)
    theirs = list(validator.iter_errors(cleaned))
    if isinstance(cleaned, dict):
        # a required property given as null is missing for us, a type error for JSON Schema
        assert bool(ours) == bool(theirs) or any(v is None for v in properties.values())
    else:
        assert bool(ours) == bool(theirs)
