"""Accepted ranges of the numbers events carry: one place that ingest and the engine share.

Ingest quarantines an event whose number lies outside these ranges; the metric engine skips (and
counts) such a value when it finds one in the lake anyway (older data, a bucket written by hand),
so one bad number never stops a tenant-day's rollup.

- Money (`revenue`, product `price`): finite, |x| <= MAX_MONEY (a refund may be negative).
- Counts and points (`count`, `points`, `followers`, product `quantity`): integers in
  0..MAX_COUNT. A whole-number float (`12.0`) is accepted as the integer it is.
- Ratings (`rating` of Review Posted): 1..5.
"""

from __future__ import annotations

import math
from typing import Final

MAX_MONEY: Final[float] = 1e12
"""Largest absolute money amount (revenue, price) in the tenant's currency."""

MIN_COUNT: Final[int] = 0
MAX_COUNT: Final[int] = 1_000_000_000
"""Counts and loyalty points: integers in MIN_COUNT..MAX_COUNT."""

MIN_RATING: Final[int] = 1
MAX_RATING: Final[int] = 5


def as_money(value: object) -> float | None:
    """`value` as a money amount, or None when it is not a finite number with |x| <= MAX_MONEY."""
    number = _as_float(value)
    if number is None or abs(number) > MAX_MONEY:
        return None
    return number


def as_count(value: object) -> int | None:
    """`value` as a count (integer in MIN_COUNT..MAX_COUNT), or None when it is anything else."""
    number = _as_float(value)
    if number is None or not number.is_integer() or not MIN_COUNT <= number <= MAX_COUNT:
        return None
    return int(number)


def _as_float(value: object) -> float | None:
    """A finite float for an int or float (not a bool, not a string); None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int):
        if abs(value) > 10**16:  # beyond every range here; also avoids OverflowError on 400 digits
            return None
        return float(value)
    return value if math.isfinite(value) else None
