"""`GET /v1/summary`: the north star first, then every metric with its change against the previous period.

A metric's period value combines its daily tenant totals as `touchpoint.alerts.aggregate`
describes (counts are summed, NPS is pooled, survey means are weighted, trailing-window metrics
take the latest day). The previous period has the same length and ends the day before `from`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.queries import MetricsReader, Period, load_points, totals
from touchpoint.alerts.aggregate import period_value
from touchpoint.metrics.registry import LOWER_IS_BETTER, SUMMARY_METRICS, group_of
from touchpoint.models.metrics import MetricPoint


def change_of(value: float | None, previous: float | None) -> tuple[float | None, float | None]:
    """`(absolute change, change in percent)`; None where it cannot be computed."""
    if value is None or previous is None:
        return None, None
    change = value - previous
    pct = None if previous == 0 else change / abs(previous) * 100.0
    return round(change, 6), None if pct is None else round(pct, 3)


def metric_summary(metric: str, points: Sequence[MetricPoint], period: Period) -> dict[str, Any]:
    """One metric's value in `period`, in the period before, and the change (tenant totals only)."""
    current = [p for p in totals(points) if period.first <= p.date <= period.last]
    before = period.previous()
    previous = [p for p in totals(points) if before.first <= p.date <= before.last]
    value, prior = period_value(metric, current), period_value(metric, previous)
    change, change_pct = change_of(value, prior)
    return {
        "metric": metric,
        "group": None if (group := group_of(metric)) is None else group.value,
        "value": None if value is None else round(value, 6),
        "previous": None if prior is None else round(prior, 6),
        "change": change,
        "change_pct": change_pct,
        "days_with_data": len(current),
        "lower_is_better": metric in LOWER_IS_BETTER,
    }


def north_star_summary(metric: str, points: Sequence[MetricPoint], period: Period) -> dict[str, Any]:
    """The north star's summary plus its daily series in the period."""
    body = metric_summary(metric, points, period)
    daily = {p.date: p.value for p in totals(points)}
    body["series"] = [{"date": d.isoformat(), "value": daily.get(d)} for d in period.dates()]
    return body


def build_summary(
    tenant_id: str,
    north_star: str,
    period: Period,
    reader: MetricsReader,
    metrics: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The summary document of a tenant and period."""
    names = list(metrics or SUMMARY_METRICS)
    wanted = [north_star, *[m for m in names if m != north_star]]
    loaded = load_points(reader, tenant_id, wanted, period.previous().first, period.last)
    return summary_from_points(north_star, period, loaded, names)


def summary_from_points(
    north_star: str, period: Period, loaded: Mapping[str, Sequence[MetricPoint]], names: Sequence[str]
) -> dict[str, Any]:
    """The summary document from points already read (covering the period and the one before)."""
    return {
        "period": period.public(),
        "previous_period": period.previous().public(),
        "north_star": north_star_summary(north_star, loaded.get(north_star, []), period),
        "metrics": [metric_summary(m, loaded.get(m, []), period) for m in names],
    }
