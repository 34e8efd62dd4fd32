"""`GET /v1/metrics?metric=M&from=D1&to=D2[&breakdown=B]`: a tenant's daily values of one metric.

Without `breakdown` only the tenant totals are returned; with `breakdown=channel` the rows that
have a `channel` breakdown. Days or metrics without data give no points (`points: []`); a metric
that is defined but has no value on a day is left out too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from touchpoint.metrics.registry import BREAKDOWN_NAMES, REGISTRY
from touchpoint.models.inputs import query_date
from touchpoint.storage.metrics import StoredPoint
from touchpoint.web.errors import bad_request

MAX_DAYS = 366


class MetricsReader(Protocol):
    """What the route needs from the metrics repository."""

    def read(self, tenant_id: str, metric: str, first: date, last: date) -> list[StoredPoint]: ...


@dataclass(frozen=True)
class MetricsQuery:
    """A validated metrics request."""

    metric: str
    first: date
    last: date
    breakdown: str | None


def _required(params: Mapping[str, str], name: str) -> str:
    value = (params.get(name) or "").strip()
    if not value:
        raise bad_request(f"query parameter {name} is required", field=name)
    return value


def _day(params: Mapping[str, str], name: str) -> date:
    return query_date(_required(params, name), name)


def parse_query(params: Mapping[str, str] | None) -> MetricsQuery:
    """Validate the query parameters (400 naming the field on the first problem)."""
    params = params or {}
    metric = _required(params, "metric")
    if metric not in REGISTRY:
        raise bad_request(f"unknown metric {metric!r}", field="metric")
    first, last = _day(params, "from"), _day(params, "to")
    if first > last:
        raise bad_request("from must not be after to", field="from")
    if (last - first).days + 1 > MAX_DAYS:
        raise bad_request(f"at most {MAX_DAYS} days can be read at once", field="to")
    breakdown = (params.get("breakdown") or "").strip() or None
    if breakdown is not None and breakdown not in BREAKDOWN_NAMES:
        known = ", ".join(sorted(BREAKDOWN_NAMES))
        raise bad_request(f"unknown breakdown {breakdown!r} (one of {known})", field="breakdown")
    return MetricsQuery(metric=metric, first=first, last=last, breakdown=breakdown)


def _wanted(point: StoredPoint, breakdown: str | None) -> bool:
    if point.value is None:
        return False
    return not point.breakdown if breakdown is None else breakdown in point.breakdown


def read_metrics(tenant_id: str, params: Mapping[str, str] | None, reader: MetricsReader) -> dict[str, Any]:
    """The response body: `{"metric": M, "points": [{"date", "value", "breakdown", "extra"}, ...]}`."""
    query = parse_query(params)
    points = [
        p
        for p in reader.read(tenant_id, query.metric, query.first, query.last)
        if _wanted(p, query.breakdown)
    ]
    points.sort(key=lambda p: (p.day, sorted(p.breakdown.items())))
    return {
        "metric": query.metric,
        "points": [
            {"date": p.day.isoformat(), "value": p.value, "breakdown": p.breakdown, "extra": p.extra}
            for p in points
        ],
    }
