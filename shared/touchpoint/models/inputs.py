"""How every text, number, date and limit from outside is read: one place, so a bug is fixed once.

Plain parse functions raise `InputError` (a ValueError naming the field); the route wrapper
(`touchpoint.web.routing.route`) answers it with 400 `{"code": "invalid_request", "message",
"field"}`. The annotated types carry the same checks into pydantic models, where a failure is an
ordinary validation error (400 naming the field as well).

- Dates: the supported calendar is `CALENDAR_FIRST..CALENDAR_LAST` (2000-01-01..2100-12-31).
  It leaves room for the window arithmetic behind a query (a year back, a day ahead) without
  reaching `date.min` / `date.max`, where that arithmetic raises OverflowError.
- Whole numbers in query strings: ASCII digits only (`"²".isdigit()` is True, `int("²")` fails),
  at most 18 of them, then the route's own range.
- Text: no lone UTF-16 surrogate (valid as a JSON escape, but it cannot be stored as UTF-8) and
  no NUL.
- Numbers stored in DynamoDB: finite, 0 or 1e-130 <= |x| < 1e126, at most 38 significant digits.
- URLs: parsed without letting `urlsplit` raise (bad IPv6 brackets, control characters).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import SplitResult, urlsplit

from pydantic import AfterValidator

CALENDAR_FIRST = date(2000, 1, 1)
CALENDAR_LAST = date(2100, 12, 31)
MAX_QUERY_DIGITS = 18
MAX_JSON_INT_DIGITS = 100
DYNAMO_MIN_MAGNITUDE = Decimal("1e-130")
DYNAMO_MAX_MAGNITUDE = Decimal("1e126")
DYNAMO_MAX_DIGITS = 38


class InputError(ValueError):
    """A value from outside that cannot be accepted; `field` names where it came from."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# Text ---------------------------------------------------------------------------------------------


def text_problem(value: str) -> str | None:
    """Why a text cannot be accepted (a lone surrogate, a NUL), or None when it is fine."""
    if "\x00" in value:
        return "must not contain a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "holds an unpaired UTF-16 surrogate (not valid Unicode text)"
    return None


def check_text(value: str, field: str | None = None) -> str:
    """`value` unchanged, or InputError when it holds a lone surrogate or a NUL."""
    problem = text_problem(value)
    if problem is not None:
        raise InputError(f"{field or 'text'} {problem}", field)
    return value


def find_bad_text(value: Any, path: str = "") -> tuple[str, str] | None:
    """The first string (key or value) in a JSON value that `text_problem` refuses: (path, problem)."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                return where or "body", problem
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and (problem := text_problem(key)) is not None:
                    return child_path, f"name {problem}"
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{where}.{i}" if where else str(i), child) for i, child in enumerate(item))
    return None


def check_json_text(value: Any, prefix: str = "") -> Any:
    """`value` unchanged, or InputError naming the first string with a lone surrogate or a NUL."""
    found = find_bad_text(value, prefix)
    if found is not None:
        where, problem = found
        raise InputError(f"{where} {problem}", where)
    return value


def finite_float(text: str) -> float:
    """`json.loads`'s `parse_float` hook: a finite float, ValueError for one beyond a double."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_INT_DIGITS:
        raise ValueError(f"an integer has more than {MAX_JSON_INT_DIGITS} digits")
    return int(text)


def no_json_constant(name: str) -> Any:
    """`json.loads`'s `parse_constant` hook: NaN and Infinity are not JSON (ValueError)."""
    raise ValueError(f"{name} is not valid JSON")


def strict_json(raw: bytes | str, field: str = "body") -> Any:
    """Parse a JSON body strictly: no NaN/Infinity, no number beyond a float, not nested too deep,
    and no string with a lone surrogate or a NUL (InputError naming the field otherwise)."""
    try:
        value = json.loads(
            raw, parse_float=finite_float, parse_int=_bounded_int, parse_constant=no_json_constant
        )
    except UnicodeDecodeError:
        raise InputError(f"the {field} is not UTF-8 text", field) from None
    except RecursionError:
        raise InputError(f"the {field} is nested too deeply", field) from None
    except ValueError as error:
        raise InputError(f"the {field} is not valid JSON: {error}", field) from None
    return check_json_text(value)


# Numbers ------------------------------------------------------------------------------------------


def ascii_int(text: str) -> int | None:
    """The integer `text` spells in ASCII digits (an optional leading `-`, at most 18 digits), or None.

    `str.isdigit()` alone is not enough: it is True for `²` or `٣`, which `int()` refuses or reads.
    """
    text = text.strip()
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdecimal() and len(digits) <= MAX_QUERY_DIGITS):
        return None
    return int(text)


def query_int(raw: str | None, field: str, *, low: int, high: int, default: int) -> int:
    """A whole number from a query string within `low..high` (`default` when absent or blank)."""
    if raw is None or not raw.strip():
        return default
    value = ascii_int(raw)
    if value is None or not low <= value <= high:
        raise InputError(f"{field} must be a whole number from {low} to {high}, got {raw!r}", field)
    return value


def dynamo_number_problem(value: float | int | Decimal) -> str | None:
    """Why DynamoDB cannot store `value` as a number, or None when it can."""
    if isinstance(value, float) and not math.isfinite(value):
        return "must be a finite number"
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError):
        return "must be a number"
    if not number.is_finite():
        return "must be a finite number"
    if number == 0:
        return None
    magnitude = abs(number)
    if not DYNAMO_MIN_MAGNITUDE <= magnitude < DYNAMO_MAX_MAGNITUDE:
        return "must be 0 or have a magnitude from 1e-130 to below 1e126"
    digits = "".join(map(str, number.as_tuple().digits)).strip("0")  # not normalize(): it rounds to 28
    if len(digits) > DYNAMO_MAX_DIGITS:
        return f"must have at most {DYNAMO_MAX_DIGITS} significant digits"
    return None


def _dynamo_number(value: float) -> float:
    problem = dynamo_number_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


# Dates --------------------------------------------------------------------------------------------

_RANGE = f"{CALENDAR_FIRST.isoformat()} to {CALENDAR_LAST.isoformat()}"


def in_calendar(day: date, field: str | None = None) -> date:
    """`day` unchanged, or InputError when it lies outside the supported calendar."""
    if not CALENDAR_FIRST <= day <= CALENDAR_LAST:
        raise InputError(f"{field or 'the date'} must lie from {_RANGE}, got {day.isoformat()}", field)
    return day


def query_date(raw: str, field: str) -> date:
    """A `YYYY-MM-DD` day within the supported calendar."""
    text = raw.strip()
    try:
        if not text.isascii() or len(text) != 10:
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{field} must be a date as YYYY-MM-DD, got {raw!r}", field) from None
    return in_calendar(day, field)


def query_instant(raw: str, field: str, *, end: bool = False) -> datetime:
    """`YYYY-MM-DD` (a whole UTC day; with `end` the instant after it) or an ISO date-time with a zone."""
    text = raw.strip()
    if len(text) == 10:
        day = query_date(text, field)
        return datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=UTC)
    try:
        if not text.isascii() or len(text) > 40:
            raise ValueError(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{field} must be YYYY-MM-DD or an ISO 8601 date-time, got {raw!r}", field) from None
    if moment.tzinfo is None:
        raise InputError(f"{field} needs a time zone (e.g. 'Z'), got {raw!r}", field)
    in_calendar(moment.date(), field)  # the local date; its UTC date then lies within a day of it
    return moment.astimezone(UTC)


def _calendar_day(day: date) -> date:
    if not CALENDAR_FIRST <= day <= CALENDAR_LAST:
        raise ValueError(f"must lie from {_RANGE}")
    return day


# URLs ---------------------------------------------------------------------------------------------


def parse_url(url: str, field: str = "url") -> SplitResult:
    """`urlsplit(url)` with an ASCII-only host, or InputError for what urlsplit and IDNA refuse."""
    check_text(url, field)
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise InputError(f"{field} must not contain spaces or control characters", field)
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        port = parts.port  # a port out of range or not a number raises here
    except ValueError as error:
        raise InputError(f"{field} is not a valid URL: {error}", field) from None
    if hostname:
        # urlsplit lets text after an IPv6 literal through (`[::1]x`): the authority must be host[:port].
        host = f"[{hostname}]" if ":" in hostname else hostname
        if parts.netloc.rpartition("@")[2].lower() not in (host, f"{host}:{port}"):
            raise InputError(f"{field} is not a valid URL: the host part is malformed", field)
        try:
            hostname.encode("idna").decode("ascii")
        except UnicodeError:
            raise InputError(f"{field} has a host name that is not valid", field) from None
    return parts


# Annotated types for pydantic models --------------------------------------------------------------


def _safe_text(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


SafeText = Annotated[str, AfterValidator(_safe_text)]
"""A string without lone surrogates or NUL."""

DynamoNumber = Annotated[float, AfterValidator(_dynamo_number)]
"""A float DynamoDB can store (finite, 0 or 1e-130 <= |x| < 1e126, <= 38 digits)."""

CalendarDate = Annotated[date, AfterValidator(_calendar_day)]
"""A date within the supported calendar (2000-01-01..2100-12-31)."""
