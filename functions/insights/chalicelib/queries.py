"""Query parameters and metric reads shared by the API and the dashboard.

A period is `from`..`to` (tenant-local days, inclusive); without them it is the 30 days up to
yesterday in the tenant's time zone. Several metrics are read in parallel (one DynamoDB query
each) so a dashboard of forty metrics costs about as much time as a few.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from touchpoint.models.inputs import query_date
from touchpoint.models.metrics import MetricPoint
from touchpoint.storage.metrics import StoredPoint
from touchpoint.web.errors import bad_request

Choice = TypeVar("Choice", bound=StrEnum)

MAX_DAYS = 366
DEFAULT_DAYS = 30
MAX_METRICS = 60
_READ_WORKERS = 8


class MetricsReader(Protocol):
    """What the queries need from the metrics repository."""

    def read(self, tenant_id: str, metric: str, first: date, last: date) -> list[StoredPoint]: ...


@dataclass(frozen=True)
class Period:
    """Tenant-local days `first..last`, inclusive."""

    first: date
    last: date

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of equal length right before this one."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def dates(self) -> list[date]:
        """Every day of the period, in order."""
        return [self.first + timedelta(days=i) for i in range(self.days)]

    def public(self) -> dict[str, str]:
        """`{"from": ..., "to": ...}`."""
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def params_of(query: Any) -> dict[str, list[str]]:
    """Query parameters as name -> every value (Chalice gives a MultiDict or None)."""
    if not query:
        return {}
    getlist = getattr(query, "getlist", None)
    return {str(k): [str(v) for v in (getlist(k) if getlist else [query[k]])] for k in query}


def single(params: Mapping[str, list[str]], name: str) -> str | None:
    """The one value of a parameter (blank = absent); 400 when it is given twice."""
    values = [v.strip() for v in params.get(name, []) if v.strip()]
    if len(values) > 1:
        raise bad_request(f"query parameter {name} may be given once", field=name)
    return values[0] if values else None


def single_choice(params: Mapping[str, list[str]], name: str, choices: type[Choice]) -> Choice | None:
    """The one value of a parameter as a member of `choices` (400 naming them when it is none)."""
    raw = single(params, name)
    if raw is None:
        return None
    try:
        return choices(raw)
    except ValueError:
        known = ", ".join(c.value for c in choices)
        raise bad_request(f"{name} must be one of {known}", field=name) from None


def _day(params: Mapping[str, list[str]], name: str) -> date | None:
    raw = single(params, name)
    return None if raw is None else query_date(raw, name)


def local_today(timezone: str, now: datetime | None = None) -> date:
    """Today in the tenant's time zone."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).date()


def parse_period(
    params: Mapping[str, list[str]],
    timezone: str,
    *,
    now: datetime | None = None,
    default_days: int = DEFAULT_DAYS,
    max_days: int = MAX_DAYS,
) -> Period:
    """The period of `from` / `to` (either may be left out; 400 naming the field when invalid)."""
    first, last = _day(params, "from"), _day(params, "to")
    if last is None:
        last = (
            first + timedelta(days=default_days - 1)
            if first
            else local_today(timezone, now) - timedelta(days=1)
        )
    if first is None:
        first = last - timedelta(days=default_days - 1)
    if first > last:
        raise bad_request("from must not be after to", field="from")
    if (last - first).days + 1 > max_days:
        raise bad_request(f"at most {max_days} days can be read at once", field="to")
    return Period(first, last)


def metric_list(params: Mapping[str, list[str]], known: Iterable[str]) -> list[str]:
    """`metric` (repeated) and/or `metrics=a,b`: the requested metrics, in order, without repeats."""
    names: list[str] = []
    for raw in params.get("metric", []) + params.get("metrics", []):
        names.extend(n.strip() for n in raw.split(",") if n.strip())
    if not names:
        raise bad_request("name at least one metric: metric=a&metric=b or metrics=a,b", field="metrics")
    allowed = set(known)
    for name in names:
        if name not in allowed:
            raise bad_request(f"unknown metric {name!r}", field="metrics")
    unique = list(dict.fromkeys(names))
    if len(unique) > MAX_METRICS:
        raise bad_request(f"at most {MAX_METRICS} metrics at once", field="metrics")
    return unique


def to_metric_point(point: StoredPoint) -> MetricPoint:
    """A stored point as the shared `MetricPoint` model."""
    return MetricPoint(
        metric=point.metric, date=point.day, value=point.value, breakdown=point.breakdown, extra=point.extra
    )


def load_points(
    reader: MetricsReader, tenant_id: str, metrics: Iterable[str], first: date, last: date
) -> dict[str, list[MetricPoint]]:
    """Every stored point (all breakdowns) of each metric in `first..last`, read in parallel."""
    names = list(dict.fromkeys(metrics))
    if not names:
        return {}

    def read(metric: str) -> list[MetricPoint]:
        return [to_metric_point(p) for p in reader.read(tenant_id, metric, first, last)]

    with ThreadPoolExecutor(max_workers=min(_READ_WORKERS, len(names))) as pool:
        results = list(pool.map(read, names))
    return dict(zip(names, results, strict=True))


def totals(points: Iterable[MetricPoint]) -> list[MetricPoint]:
    """The tenant totals (no breakdown) with a value, by date."""
    return sorted((p for p in points if not p.breakdown and p.value is not None), key=lambda p: p.date)


def with_breakdown(points: Iterable[MetricPoint], dimension: str) -> dict[str, list[MetricPoint]]:
    """Points broken down by exactly one dimension, grouped by that dimension's value."""
    grouped: dict[str, list[MetricPoint]] = {}
    for point in points:
        if point.value is not None and list(point.breakdown) == [dimension]:
            grouped.setdefault(point.breakdown[dimension], []).append(point)
    for values in grouped.values():
        values.sort(key=lambda p: p.date)
    return dict(sorted(grouped.items()))


def by_day(points: Iterable[MetricPoint]) -> dict[date, MetricPoint]:
    """Points keyed by date (one breakdown's series)."""
    return {p.date: p for p in points}
