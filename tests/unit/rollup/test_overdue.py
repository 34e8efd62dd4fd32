"""The RollupsOverdue count: tenant-days past 06:00 local time that no rollup finished."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from touchpoint.models.tenants import Tenant, TenantConfig
from touchpoint.rollup.overdue import deadline_day, overdue_tenant_days
from touchpoint.storage.rollup_state import DIRTY, DONE, RUNNING, DayState


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _tenant(tenant_id: str, timezone: str = "UTC", created: str = "2026-01-01T00:00:00") -> Tenant:
    return Tenant(
        tenant_id=tenant_id, name=tenant_id, created_at=_utc(created), config=TenantConfig(timezone=timezone)
    )


class States:
    def __init__(self, states: dict[tuple[str, date], DayState]) -> None:
        self.states = states
        self.asked: list[tuple[str, date]] = []

    def day_state(self, tenant_id: str, day: date) -> DayState | None:
        self.asked.append((tenant_id, day))
        return self.states.get((tenant_id, day))


@pytest.mark.parametrize(
    ("hour", "timezone", "expected"),
    [
        ("2026-03-10T05:00:00", "UTC", date(2026, 3, 8)),  # 05:00: yesterday's deadline not yet
        ("2026-03-10T06:00:00", "UTC", date(2026, 3, 9)),  # 06:00 sharp: yesterday is due
        ("2026-03-10T05:00:00", "Europe/Berlin", date(2026, 3, 9)),  # 06:00 CET
        ("2026-03-10T04:00:00", "Europe/Berlin", date(2026, 3, 8)),
        ("2026-03-10T11:00:00", "America/New_York", date(2026, 3, 9)),  # 07:00 EDT
        ("2026-03-10T00:30:00", "Asia/Kolkata", date(2026, 3, 8)),  # the 00:00 UTC run: 05:30 IST
        ("2026-03-10T01:00:00", "Asia/Kolkata", date(2026, 3, 9)),  # first run past 06:00 IST
    ],
)
def test_the_deadline_day_is_the_latest_local_day_past_0600(hour: str, timezone: str, expected: date) -> None:
    assert deadline_day(_utc(hour), timezone) == expected


def test_only_days_no_run_finished_are_overdue() -> None:
    day = date(2026, 3, 9)
    states = States(
        {
            ("done", day): DayState(day, DONE, run_id="r1"),
            ("dirtied-later", day): DayState(day, DIRTY, run_id="r1", dirtied_at="2026-03-10T07:00:00+00:00"),
            ("still-running", day): DayState(day, RUNNING, started_at="2026-03-10T02:00:00+00:00"),
            ("dirtied-in-first-run", day): DayState(day, DIRTY, dirtied_at="2026-03-10T02:05:00+00:00"),
        }
    )
    tenants = [
        _tenant(t)
        for t in ("done", "dirtied-later", "still-running", "dirtied-in-first-run", "never-started")
    ]
    overdue = overdue_tenant_days(_utc("2026-03-10T07:00:00"), tenants, states)
    assert overdue == [("dirtied-in-first-run", day), ("never-started", day), ("still-running", day)]
    assert len(states.asked) == 5  # one read per tenant


def test_each_tenant_is_judged_in_its_own_time_zone() -> None:
    hour = _utc("2026-03-10T05:00:00")  # 06:00 in Berlin, 05:00 in London, 00:00 in New York
    states = States({})
    tenants = [
        _tenant("berlin", "Europe/Berlin"),
        _tenant("london", "Europe/London"),
        _tenant("ny", "America/New_York"),
    ]
    overdue = overdue_tenant_days(hour, tenants, states)
    assert overdue == [("berlin", date(2026, 3, 9)), ("london", date(2026, 3, 8)), ("ny", date(2026, 3, 8))]


def test_days_before_the_tenant_existed_are_never_overdue() -> None:
    states = States({})
    new = _tenant("new", created="2026-03-10T03:00:00")  # after the 02:00 run of 2026-03-09
    assert overdue_tenant_days(_utc("2026-03-10T07:00:00"), [new], states) == []
    assert states.asked == []
    same_day = _tenant("same-day", created="2026-03-09T10:00:00")
    assert overdue_tenant_days(_utc("2026-03-10T07:00:00"), [same_day], states) == [
        ("same-day", date(2026, 3, 9))
    ]


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(Exception, match="No time zone found"):
        deadline_day(_utc("2026-03-10T07:00:00"), "Mars/Olympus")
