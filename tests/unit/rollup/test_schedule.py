"""The dispatcher's choice of tenant-days: 02:00 local in every time zone, dirty days, crashed runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from touchpoint.models.tenants import Tenant, TenantConfig
from touchpoint.rollup.schedule import (
    TenantDay,
    dispatch,
    due_tenant_days,
    nightly_day,
    schedule_hour,
)
from touchpoint.storage.rollup_state import DIRTY, RUNNING, DayState


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _tenant(tenant_id: str, timezone: str = "UTC") -> Tenant:
    return Tenant(
        tenant_id=tenant_id,
        name=tenant_id,
        created_at=_utc("2026-01-01T00:00:00"),
        config=TenantConfig(timezone=timezone),
    )


class FakeState:
    def __init__(self, states: dict[str, list[DayState]] | None = None) -> None:
        self.states = states or {}
        self.asked: list[tuple[str, datetime]] = []

    def days_to_recompute(self, tenant_id: str, stale_before: datetime) -> list[DayState]:
        self.asked.append((tenant_id, stale_before))
        return self.states.get(tenant_id, [])


@pytest.mark.parametrize(
    ("hour", "timezone", "expected"),
    [
        ("2026-11-23T02:00:00", "UTC", date(2026, 11, 22)),
        ("2026-11-23T01:00:00", "UTC", None),
        ("2026-11-23T03:00:00", "UTC", None),
        ("2026-11-23T01:00:00", "Europe/Berlin", date(2026, 11, 22)),  # CET, UTC+1
        ("2026-07-01T00:00:00", "Europe/Berlin", date(2026, 6, 30)),  # CEST, UTC+2
        ("2026-11-23T07:00:00", "America/New_York", date(2026, 11, 22)),
        ("2026-11-22T13:00:00", "Pacific/Auckland", date(2026, 11, 22)),  # NZDT, UTC+13: local day ahead
        # UTC+5:30: 02:00 local is 20:30 UTC, so the first hourly run after it (21:00 UTC) starts it.
        ("2026-11-22T21:00:00", "Asia/Kolkata", date(2026, 11, 22)),
        ("2026-11-22T20:00:00", "Asia/Kolkata", None),
    ],
)
def test_nightly_day_is_the_local_day_that_ended_before_2am(
    hour: str, timezone: str, expected: date | None
) -> None:
    assert nightly_day(_utc(hour), timezone) == expected


@pytest.mark.parametrize(
    "timezone", ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
)
def test_every_local_day_is_due_exactly_once_across_dst_changes(timezone: str) -> None:
    # A whole year of hourly runs, covering the spring (02:00 skipped) and autumn (02:00 twice) changes.
    start = _utc("2026-01-01T00:00:00")
    due = [nightly_day(start + timedelta(hours=h), timezone) for h in range(366 * 24)]
    days = [d for d in due if d is not None]
    assert len(days) == len(set(days))
    assert set(days) >= {date(2026, 1, 2) + timedelta(days=n) for n in range(360)}


def test_spring_forward_starts_the_tenant_when_the_clock_jumps() -> None:
    # Berlin, 29 March 2026: 02:00 CET does not exist; 01:00 UTC is 03:00 CEST.
    assert nightly_day(_utc("2026-03-29T01:00:00"), "Europe/Berlin") == date(2026, 3, 28)
    assert nightly_day(_utc("2026-03-29T00:00:00"), "Europe/Berlin") is None


def test_fall_back_starts_the_tenant_once() -> None:
    # Berlin, 25 October 2026: 02:00-03:00 local happens twice (00:00 and 01:00 UTC).
    assert nightly_day(_utc("2026-10-25T00:00:00"), "Europe/Berlin") == date(2026, 10, 24)
    assert nightly_day(_utc("2026-10-25T01:00:00"), "Europe/Berlin") is None


def test_schedule_hour_truncates_and_accepts_naive_times() -> None:
    assert schedule_hour(datetime(2026, 1, 1, 2, 17, 5)) == _utc("2026-01-01T02:00:00")
    berlin = datetime.fromisoformat("2026-01-01T03:59:00+01:00")
    assert schedule_hour(berlin) == _utc("2026-01-01T02:00:00")


def test_due_days_add_dirty_and_crashed_runs_with_their_generation() -> None:
    state = FakeState(
        {
            "acme": [
                DayState(date(2026, 11, 1), DIRTY, run_id="r1", dirtied_at="2026-11-22T10:00:00+00:00"),
                DayState(date(2026, 11, 5), RUNNING, started_at="2026-11-22T20:00:00+00:00"),
            ]
        }
    )
    hour = _utc("2026-11-23T02:00:00")
    due = due_tenant_days(hour, [_tenant("globex", "Europe/Berlin"), _tenant("acme")], state)
    assert due == [
        TenantDay("acme", date(2026, 11, 1), "dirty", "dirty:2026-11-22T10:00:00+00:00"),
        TenantDay("acme", date(2026, 11, 5), "retry", "retry:2026-11-22T20:00:00+00:00"),
        TenantDay("acme", date(2026, 11, 22), "nightly", "nightly"),
    ]
    assert state.asked == [("acme", hour - timedelta(hours=1)), ("globex", hour - timedelta(hours=1))]


def test_a_dirty_nightly_day_is_started_once() -> None:
    dirty = DayState(date(2026, 11, 22), DIRTY, run_id="r1", dirtied_at="2026-11-23T01:30:00+00:00")
    due = due_tenant_days(_utc("2026-11-23T02:00:00"), [_tenant("acme")], FakeState({"acme": [dirty]}))
    assert due == [TenantDay("acme", date(2026, 11, 22), "dirty", "dirty:2026-11-23T01:30:00+00:00")]


def test_dispatch_continues_after_a_failed_invocation() -> None:
    started: list[TenantDay] = []

    def invoke(tenant_day: TenantDay) -> None:
        if tenant_day.tenant_id == "bad":
            raise RuntimeError("throttled")
        started.append(tenant_day)

    tenants = [_tenant("acme"), _tenant("bad"), _tenant("zeta")]
    report = dispatch(_utc("2026-11-23T02:10:00"), tenants, FakeState(), invoke)
    assert [t.tenant_id for t in started] == ["acme", "zeta"]
    assert [t.tenant_id for t in report.failed] == ["bad"]
    summary = report.summary()
    assert summary["hour"] == "2026-11-23T02:00:00+00:00"
    assert summary["started"][0] == {
        "tenant_id": "acme",
        "date": "2026-11-22",
        "reason": "nightly",
        "generation": "nightly",
    }
