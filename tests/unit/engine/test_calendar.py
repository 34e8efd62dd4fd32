"""Tenant-local days as UTC bounds, including both 2026 DST changes in Europe/Berlin."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from touchpoint.engine.calendar import DayWindow, local_day_bounds


def test_utc_day_is_24_hours() -> None:
    start, end = local_day_bounds(date(2026, 3, 10), "UTC")
    assert (start, end) == (datetime(2026, 3, 10), datetime(2026, 3, 11))


def test_berlin_spring_forward_day_has_23_hours() -> None:
    start, end = local_day_bounds(date(2026, 3, 29), "Europe/Berlin")
    # 00:00 CET (+01:00) = 23:00 UTC the day before; the next midnight is CEST (+02:00) = 22:00 UTC.
    assert start == datetime(2026, 3, 28, 23, 0)
    assert end == datetime(2026, 3, 29, 22, 0)
    assert end - start == timedelta(hours=23)


def test_berlin_fall_back_day_has_25_hours() -> None:
    start, end = local_day_bounds(date(2026, 10, 25), "Europe/Berlin")
    # 00:00 CEST (+02:00) = 22:00 UTC the day before; the next midnight is CET (+01:00) = 23:00 UTC.
    assert start == datetime(2026, 10, 24, 22, 0)
    assert end == datetime(2026, 10, 25, 23, 0)
    assert end - start == timedelta(hours=25)


def test_window_offsets_cross_the_dst_change() -> None:
    window = DayWindow(date(2026, 3, 30), "Europe/Berlin")
    assert window.start(-1) == datetime(2026, 3, 28, 23, 0)  # start of the 23-hour day
    assert window.end(-1) == window.start(0) == datetime(2026, 3, 29, 22, 0)
    assert window.end(0) == datetime(2026, 3, 30, 22, 0)
