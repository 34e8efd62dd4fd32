"""The state a day is shown with, and the ranges the rollup status accepts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from touchpoint.models.inputs import InputError
from touchpoint.rollup.status import MAX_DAYS, day_range, state_of
from touchpoint.storage.rollup_state import DayState

NOW = datetime(2026, 3, 11, 12, tzinfo=UTC)
DAY = date(2026, 3, 10)


def _at(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).isoformat()


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (None, "never"),
        (DayState(DAY, "done", "r1", started_at=_at(10), rolled_up_at=_at(9.5)), "done"),
        # marked again after it finished: dirty until the dispatcher runs it
        (DayState(DAY, "dirty", "r1", dirtied_at=_at(1), started_at=_at(10), rolled_up_at=_at(9.5)), "dirty"),
        # a backfill of a day never rolled up
        (DayState(DAY, "dirty", dirtied_at=_at(1)), "dirty"),
        # a first run 10 minutes in; one started 61 minutes ago that never finished
        (DayState(DAY, "running", started_at=_at(10 / 60)), "running"),
        (DayState(DAY, "running", started_at=_at(61 / 60)), "failed"),
        # a re-run of a done day under way, and one that crashed (the old results stay readable)
        (DayState(DAY, "done", "r1", started_at=_at(0.2), rolled_up_at=_at(24)), "running"),
        (DayState(DAY, "dirty", "r1", dirtied_at=_at(3), started_at=_at(2), rolled_up_at=_at(24)), "failed"),
    ],
)
def test_state_of(stored: DayState | None, shown: str) -> None:
    assert state_of(stored, NOW) == shown


def test_day_range_defaults_and_bounds() -> None:
    today = date(2026, 3, 11)
    assert day_range(None, None, today) == (date(2026, 2, 10), today)  # 30 days up to today
    assert day_range("2026-03-01", None, today) == (date(2026, 3, 1), today)
    first = today - timedelta(days=MAX_DAYS - 1)
    assert day_range(first.isoformat(), today.isoformat(), today) == (first, today)
    with pytest.raises(InputError, match="at most 400 days") as too_long:
        day_range((first - timedelta(days=1)).isoformat(), today.isoformat(), today)
    assert too_long.value.field == "from"
    with pytest.raises(InputError, match="has not begun") as future:
        day_range(None, "2026-03-12", today)
    assert future.value.field == "to"
    with pytest.raises(InputError) as missing:
        day_range("2026-03-01", None, today, default_days=None)
    assert missing.value.field == "to"
