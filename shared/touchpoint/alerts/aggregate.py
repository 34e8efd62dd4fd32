"""One number for a metric over several days, from its daily points.

Used by alert rules (a 7-day NPS, a 28-day CSAT mean) and by the insights summary (this period
against the previous one). How days combine depends on what the metric is:

* counts and sums (`sessions`, `orders`, `revenue`, `ticket_volume`, ...): the sum over the
  period; as a daily level (`daily_level`) the sum divided by the days covered, so windows of
  different lengths compare;
* trailing-window metrics that already look back (`mau`, `nps_30d`, `retention_rate_30d`,
  `clv`, `engagement_score`, ...): the value of the latest day;
* `nps`: recomputed from the pooled promoters / passives / detractors of the days (exact), else
  the response-weighted mean;
* survey and review means and shares (`csat`, `ces`, `negative_comment_share`, ...): the mean
  weighted by the responses (comments, reviews) behind each day;
* everything else (rates, per-session ratios): the plain mean of the daily values.
"""

from __future__ import annotations

from collections.abc import Sequence

from touchpoint.models.metrics import MetricPoint

COUNT_METRICS: frozenset[str] = frozenset(
    {
        "sessions",
        "engaged_sessions",
        "referral_sessions",
        "social_engagement",
        "responses",
        "ticket_volume",
        "comment_count",
        "reviews",
        "orders",
        "revenue",
        "purchasers",
        "foot_traffic",
        "loyalty_signups",
        "points_earned",
        "points_redeemed",
        "staff_interactions",
        "product_interactions",
        "referrals_sent",
    }
)
LEVEL_METRICS: frozenset[str] = frozenset(
    {
        "wau",
        "mau",
        "nps_30d",
        "retention_rate_30d",
        "churn_rate_30d",
        "purchaser_retention_30d",
        "clv",
        "historic_clv",
        "active_loyalty_members",
        "visit_frequency_30d",
        "purchase_frequency_30d",
        "follower_growth_rate",
        "engagement_score",
        "at_risk",
    }
)
#: Metric -> the `extra` field that counts the samples behind a day's value.
WEIGHT_FIELDS: dict[str, str] = {
    "nps": "responses",
    "csat": "responses",
    "csat_satisfied_rate": "responses",
    "ces": "responses",
    "negative_comment_share": "comments",
    "avg_review_rating": "reviews",
    "negative_review_share": "reviews",
}


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
    answers = promoters + passives + detractors
    return None if answers <= 0 else 100.0 * (promoters - detractors) / answers


def _weighted_mean(values: list[tuple[MetricPoint, float]], field: str) -> float:
    weights = [_number(p.extra.get(field)) for p, _ in values]
    if all(w is not None and w > 0 for w in weights):
        total = sum(w or 0.0 for w in weights)
        return sum((w or 0.0) * v for w, (_, v) in zip(weights, values, strict=True)) / total
    return sum(v for _, v in values) / len(values)


def period_value(metric: str, points: Sequence[MetricPoint]) -> float | None:
    """The metric over the days of `points` (one breakdown), or None without data."""
    values = _values(points)
    if not values:
        return None
    name = underlying_metric(metric, points)
    if name in COUNT_METRICS:
        return sum(v for _, v in values)
    if name in LEVEL_METRICS:
        return max(values, key=lambda pv: pv[0].date)[1]
    if name == "nps":
        pooled = _pooled_nps([p for p, _ in values])
        if pooled is not None:
            return pooled
    field = WEIGHT_FIELDS.get(name)
    if field is not None:
        return _weighted_mean(values, field)
    return sum(v for _, v in values) / len(values)


def daily_level(metric: str, points: Sequence[MetricPoint], days: int) -> float | None:
    """Like `period_value`, but counts become a mean per day over `days` days (>= 1)."""
    value = period_value(metric, points)
    if value is None:
        return None
    if underlying_metric(metric, points) in COUNT_METRICS:
        return value / max(days, 1)
    return value


def sample_count(metric: str, points: Sequence[MetricPoint]) -> int:
    """The samples behind the points: the count itself for counts; else responses (comments,
    reviews, people) when the points carry them; else the number of days with a value."""
    if underlying_metric(metric, points) in COUNT_METRICS:
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
