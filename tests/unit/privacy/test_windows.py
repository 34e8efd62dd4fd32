"""Which days an erasure dirties, which partitions retention removes, cursors and schedule events."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from touchpoint.models.scheduled_events import BadEventError, schedule_time
from touchpoint.models.tenants import Tenant, TenantConfig
from touchpoint.privacy.erasure import METRIC_LOOKBACK_DAYS, affected_days, erasure_view
from touchpoint.privacy.export import InvalidCursorError, decode_cursor, encode_cursor
from touchpoint.privacy.retention_sweep import cutoffs, expired_partitions
from touchpoint.rollup.inputs import LOOKBACK_DAYS
from touchpoint.storage.lake_layout import partition_date


def test_the_lookback_matches_the_rollups() -> None:
    assert METRIC_LOOKBACK_DAYS == LOOKBACK_DAYS


def test_affected_days_reach_a_year_past_the_last_line_but_not_past_tomorrow() -> None:
    today = date(2027, 6, 1)
    assert affected_days(date(2026, 3, 9), date(2026, 3, 11), today) == (date(2026, 3, 8), date(2027, 3, 12))
    assert affected_days(date(2027, 5, 30), date(2027, 5, 31), today) == (date(2027, 5, 29), date(2027, 6, 2))


def test_retention_cutoffs_and_expired_partitions() -> None:
    tenant = Tenant(
        tenant_id="acme",
        name="Acme",
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        config=TenantConfig(retention_days_events=30, retention_days_responses=60),
    )
    events, responses = cutoffs(tenant, datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    assert (events, responses) == (date(2026, 10, 24), date(2026, 9, 24))
    prefixes = [
        "raw/events/tenant=acme/dt=2026-10-23/",
        "raw/events/tenant=acme/dt=2026-10-24/",
        "raw/events/tenant=acme/dt=garbage/",
        "raw/events/tenant=acme/other/",
    ]
    assert expired_partitions(prefixes, events) == prefixes[:1]
    assert partition_date("responses/tenant=acme/dt=2026-02-30/") is None


def test_cursors_round_trip_and_stay_inside_the_tenant() -> None:
    cursor = {"area": 1, "after": "quarantine/events/tenant=acme/dt=2026-03-10/"}
    token = encode_cursor(cursor)
    assert token is not None and "acme" not in token
    assert decode_cursor(token, "acme") == cursor
    assert encode_cursor(None) is None
    with pytest.raises(InvalidCursorError):
        decode_cursor(token, "globex")
    for bad in ("", "!!!", "bnVsbA", "eyJhIjo1fQ", "eyJhIjp0cnVlfQ", "A" * 3000):
        with pytest.raises(InvalidCursorError):
            decode_cursor(bad, "acme")


def test_schedule_events() -> None:
    assert schedule_time({"time": "2026-11-23T03:30:00Z"}) == datetime(2026, 11, 23, 3, 30, tzinfo=UTC)
    fallback = datetime(2026, 1, 1, tzinfo=UTC)
    assert schedule_time({}, fallback) == fallback
    bad_events: list[object] = [[], {"time": 1}, {"time": "tomorrow"}]
    for bad in bad_events:
        with pytest.raises(BadEventError):
            schedule_time(bad)


def test_the_erasure_view_has_counts_only() -> None:
    view = erasure_view(
        "er1", "completed", "2026-01-01T00:00:00Z", None, {"eventsRemoved": 3, "bytesRead": 10}
    )
    assert view["removed"]["eventsRemoved"] == 3 and view["cost"]["bytesRead"] == 10
    assert view["removed"]["responses"] == 0 and view["suppressedIds"] == 0
