"""Tenant-local calendar days as UTC instants (DST aware).

The engine keeps every timestamp as a naive `TIMESTAMP` in UTC. A tenant-local day `D` is the
half-open UTC interval `[start(D), start(D + 1))`, so a Europe/Berlin day lasts 23 hours on the
spring DST change and 25 hours on the autumn one. Windows such as `D-29..D` are
`[start(D - 29), start(D + 1))`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_midnight_utc(day: date, timezone: str) -> datetime:
    """The UTC instant (naive) at which `day` begins in `timezone`."""
    local = datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC).replace(tzinfo=None)


def local_day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """`(start, end)` of the local calendar day as naive UTC datetimes, end exclusive."""
    return local_midnight_utc(day, timezone), local_midnight_utc(day + timedelta(days=1), timezone)


@dataclass(frozen=True)
class DayWindow:
    """Day `D` of a tenant and the UTC bounds of the days around it."""

    day: date
    timezone: str
    _cache: dict[int, datetime] = field(default_factory=dict, compare=False, repr=False)

    def start(self, offset_days: int = 0) -> datetime:
        """Start (UTC, naive) of local day `D + offset_days`."""
        if offset_days not in self._cache:
            self._cache[offset_days] = local_midnight_utc(
                self.day + timedelta(days=offset_days), self.timezone
            )
        return self._cache[offset_days]

    def end(self, offset_days: int = 0) -> datetime:
        """End (exclusive; UTC, naive) of local day `D + offset_days`."""
        return self.start(offset_days + 1)
