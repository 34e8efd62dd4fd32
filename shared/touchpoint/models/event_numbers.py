"""Which numbers in an event's `properties` ingest accepts: those the metrics read, within range.

The metric engine casts these properties to numbers (JSON numbers and numeric strings alike), so
an event carrying one out of range is quarantined with the reason instead of being stored, where
it would break the sums of the whole tenant-day. Ranges come from `touchpoint.models.limits`:

- money, finite with |x| <= MAX_MONEY: `revenue`, `total`, `products[].price`;
- counts, whole numbers in MIN_COUNT..MAX_COUNT: `count`, `points`, `followers`,
  `products[].quantity`;
- `rating`: a finite number (the engine itself keeps 1..5).

A value that is not a number and does not read as one (`"n/a"`, `true`, an object) is left alone:
the engine reads it as missing, as it always has. `null` means absent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from touchpoint.models.limits import MAX_COUNT, MAX_MONEY, MIN_COUNT, as_count, as_money

_MONEY = f"must be a finite amount from -{MAX_MONEY:g} to {MAX_MONEY:g}"
_COUNT = f"must be a whole number from {MIN_COUNT} to {MAX_COUNT:,}".replace(",", "_")
_FINITE = "must be a finite number"


def _number(value: Any) -> float | int | None:
    """The number a JSON value stands for as the engine casts it (numeric strings too), or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _finite(value: object) -> float | None:
    if isinstance(value, int):
        return float(value) if abs(value) <= 10**300 else None
    return value if isinstance(value, float) and math.isfinite(value) else None


Check = tuple[Callable[[object], object | None], str]
_MONEY_CHECK: Check = (as_money, _MONEY)
_COUNT_CHECK: Check = (as_count, _COUNT)
TOP_LEVEL: dict[str, Check] = {
    "revenue": _MONEY_CHECK,
    "total": _MONEY_CHECK,
    "count": _COUNT_CHECK,
    "points": _COUNT_CHECK,
    "followers": _COUNT_CHECK,
    "rating": (_finite, _FINITE),
}
PRODUCT: dict[str, Check] = {"price": _MONEY_CHECK, "quantity": _COUNT_CHECK}


def _problem(value: Any, check: Check) -> str | None:
    number = _number(value)
    if number is None:
        return None
    accept, message = check
    return None if accept(number) is not None else message


def property_number_problem(properties: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first number-bearing property out of its range: `(field path, reason)`, or None."""
    for name, check in TOP_LEVEL.items():
        problem = _problem(properties.get(name), check)
        if problem is not None:
            return f"properties.{name}", f"properties.{name} {problem}, got {properties.get(name)!r:.60}"
    products = properties.get("products")
    if isinstance(products, list):
        for index, product in enumerate(products):
            if not isinstance(product, dict):
                continue
            for name, check in PRODUCT.items():
                problem = _problem(product.get(name), check)
                if problem is not None:
                    where = f"properties.products.{index}.{name}"
                    return where, f"{where} {problem}, got {product.get(name)!r:.60}"
    return None
