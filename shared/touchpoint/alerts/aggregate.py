"""One number for a metric over several days, from its daily points.

Used by alert rules (a 7-day NPS, a 28-day CSAT mean) and by the insights summary (this period
against the previous one). How days combine is each metric's `aggregation` in the registry
(`touchpoint.metrics`, listed in docs/METRICS.md):

* `sum` (counts and sums: `sessions`, `orders`, `revenue`, ...): the sum over the period; as a
  daily level (`daily_level`) the sum divided by the days covered, so windows of different lengths
  compare;
* `latest` (trailing-window metrics that already look back: `mau`, `nps_30d`, `clv`, ...): the
  value of the latest day;
* `pooled_nps` (`nps`): recomputed from the pooled promoters / passives / detractors of the days
  (exact), else the response-weighted mean;
* `weighted_mean` (survey and review means and shares: `csat`, `negative_comment_share`, ...): the
  mean weighted by the responses (comments, reviews) behind each day;
* `mean` (rates, per-session ratios) and names the registry lacks: the plain mean of the daily
  values. `north_star` combines like the metric it repeats.
"""

from __future__ import annotations

from collections.abc import Sequence

from touchpoint.metrics.formulas import nps
from touchpoint.metrics.model import Aggregation
from touchpoint.metrics.registry import REGISTRY, aggregation_of
from touchpoint.models.metrics import MetricPoint


def underlying_metric(metric: str, points: Sequence[MetricPoint]) -> str:
    """The metric whose rules apply: `north_star` behaves like the metric it repeats."""
    if metric == "north_star":
        for point in points:
            named = point.extra.get("metric")
            if isinstance(named, str):
                return named
    return metric


def _values(points: Sequence[MetricPoint]) -> list[tuple[MetricPoint, float]]:
    return [(p, float(p.value)) for p in points if p.value is not None]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _pooled_nps(points: Sequence[MetricPoint]) -> float | None:
    promoters = passives = detractors = 0.0
    for point in points:
        parts = [_number(point.extra.get(k)) for k in ("promoters", "passives", "detractors")]
        if point.value is None:
            continue
        if any(part is None for part in parts):
            return None
        promoters += parts[0] or 0.0
        passives += parts[1] or 0.0
        detractors += parts[2] or 0.0
    return nps(promoters, detractors, promoters + passives + detractors)


def _weighted_mean(values: list[tuple[MetricPoint, float]], field: str) -> float:
    weights = [_number(p.extra.get(field)) for p, _ in values]
    if all(w is not None and w > 0 for w in weights):
        total = sum(w or 0.0 for w in weights)
        return sum((w or 0.0) * v for w, (_, v) in zip(weights, values, strict=True)) / total
    return sum(v for _, v in values) / len(values)


def _sums(metric: str, points: Sequence[MetricPoint]) -> bool:
    return aggregation_of(underlying_metric(metric, points)) is Aggregation.SUM


def period_value(metric: str, points: Sequence[MetricPoint]) -> float | None:
    """The metric over the days of `points` (one breakdown), or None without data."""
    values = _values(points)
    if not values:
        return None
    name = underlying_metric(metric, points)
    aggregation = aggregation_of(name)
    if aggregation is Aggregation.SUM:
        return sum(v for _, v in values)
    if aggregation is Aggregation.LATEST:
        return max(values, key=lambda pv: pv[0].date)[1]
    if aggregation is Aggregation.POOLED_NPS:
        pooled = _pooled_nps([p for p, _ in values])
        if pooled is not None:
            return pooled
    record = REGISTRY.get(name)
    if record is not None and record.weight_field is not None:  # weighted means (and NPS without parts)
        return _weighted_mean(values, record.weight_field)
    return sum(v for _, v in values) / len(values)


def daily_level(metric: str, points: Sequence[MetricPoint], days: int) -> float | None:
    """Like `period_value`, but sums become a mean per day over `days` days (>= 1)."""
    value = period_value(metric, points)
    if value is None:
        return None
    if _sums(metric, points):
        return value / max(days, 1)
    return value


def sample_count(metric: str, points: Sequence[MetricPoint]) -> int:
    """The samples behind the points: the count itself for counts; else responses (comments,
    reviews, people) when the points carry them; else the number of days with a value."""
    if _sums(metric, points):
        return int(sum(v for _, v in _values(points)))
    total = 0
    for point in points:
        if point.value is None:
            continue
        for field in ("responses", "comments", "reviews", "people"):
            count = _number(point.extra.get(field))
            if count is not None:
                total += int(count)
                break
        else:
            total += 1
    return total
