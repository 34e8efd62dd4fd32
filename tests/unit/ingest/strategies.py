"""Hypothesis strategies for tracking API input: plausible Segment events with hostile values."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
timestamps = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["2026-11-02T10:00:00Z", "2026-11-02", "yesterday", "", "9999-12-31T23:59:59+00:00"]),
    st.integers(-(10**12), 10**12),
    json_values,
)
ids = st.one_of(st.text(max_size=300), st.integers(-(10**6), 10**6), st.none(), json_values)
contexts = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "ip": st.one_of(st.ip_addresses().map(str), st.text(max_size=20), json_values),
            "consent": st.one_of(
                json_values,
                st.fixed_dictionaries(
                    {
                        "categoryPreferences": st.dictionaries(
                            st.sampled_from(["Analytics", "Ads"]), json_values
                        )
                    }
                ),
            ),
            "traits": st.dictionaries(
                st.sampled_from(["email", "phone", "Email", "name"]), json_values, max_size=3
            ),
            "channel": st.one_of(st.text(max_size=80), json_values),
            "location_id": st.one_of(st.text(max_size=140), json_values),
            "page": json_values,
        },
    ),
    json_values,
)


@st.composite
def events(draw: st.DrawFn) -> Any:
    """One batch item: mostly event-shaped dictionaries, sometimes anything at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    kind = draw(
        st.one_of(st.sampled_from(["track", "identify", "page", "screen", "group", "alias"]), json_values)
    )
    event: dict[str, Any] = {"type": kind}
    optional = {
        "messageId": ids,
        "userId": ids,
        "anonymousId": ids,
        "previousId": ids,
        "groupId": ids,
        "event": st.one_of(
            st.sampled_from(["Order Completed", "Review Posted", "Store Visited", "x"]),
            st.text(max_size=210),
            json_values,
        ),
        "name": st.one_of(st.text(max_size=210), json_values),
        "timestamp": timestamps,
        "originalTimestamp": timestamps,
        "sentAt": timestamps,
        "context": contexts,
        "properties": st.one_of(
            st.dictionaries(
                st.sampled_from(["revenue", "rating", "count", "location_id", "products", "x"]),
                json_values,
                max_size=4,
            ),
            json_values,
        ),
        "traits": st.one_of(
            st.dictionaries(st.sampled_from(["email", "phone", "plan"]), json_values, max_size=3), json_values
        ),
        "integrations": json_values,
        "writeKey": st.text(max_size=5),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            event[key] = draw(strategy)
    if draw(st.integers(0, 3)) == 0:  # now and then a fully valid identity so validation passes
        event["userId"] = draw(st.text(min_size=1, max_size=20).filter(str.strip))
    return event
