"""When the notification digest is due: from 08:00 tenant-local, for the previous local day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from touchpoint.loop.digest import due_day


def test_the_digest_is_due_from_eight_local_for_yesterday() -> None:
    assert due_day("Europe/Berlin", datetime(2026, 12, 5, 6, 59, tzinfo=UTC)) is None  # 07:59 in Berlin
    assert due_day("Europe/Berlin", datetime(2026, 12, 5, 7, 0, tzinfo=UTC)) == date(2026, 12, 4)
    assert due_day("Europe/Berlin", datetime(2026, 12, 5, 22, 59, tzinfo=UTC)) == date(2026, 12, 4)
    assert due_day("Europe/Berlin", datetime(2026, 12, 5, 23, 0, tzinfo=UTC)) is None  # 00:00 on the 6th


def test_daylight_saving_and_other_zones() -> None:
    # 29 March 2026: Berlin moves to summer time, 08:00 local is 06:00 UTC
    assert due_day("Europe/Berlin", datetime(2026, 3, 29, 6, 0, tzinfo=UTC)) == date(2026, 3, 28)
    assert due_day("Europe/Berlin", datetime(2026, 3, 29, 5, 59, tzinfo=UTC)) is None
    assert due_day("America/New_York", datetime(2026, 12, 5, 13, 0, tzinfo=UTC)) == date(2026, 12, 4)
    assert due_day("UTC", datetime(2026, 1, 1, 8, 0, tzinfo=UTC)) == date(2025, 12, 31)
