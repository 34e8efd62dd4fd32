"""What the dashboard shows, computed from the stored metrics (the HTML is made in `pages`).

Sections, in order: the north star (value, change, trend), fired alerts, a trend card per metric
of each catalog group, the NPS split, CSAT and tickets by channel, CSAT by store (every point
links to its comments), the lowest CSAT store-days, the store comparison table and the
engagement-score distribution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.queries import MetricsReader, Period, by_day, load_points, totals, with_breakdown
from chalicelib.summary import change_of
from touchpoint.alerts.aggregate import period_value
from touchpoint.alerts.models import FiredAlert
from touchpoint.metrics.registry import LOWER_IS_BETTER
from touchpoint.models.metrics import MetricPoint

STORE_METRICS: tuple[str, ...] = (
    "nps",
    "csat",
    "responses",
    "negative_comment_share",
    "foot_traffic",
    "orders",
    "revenue",
    "store_conversion_rate",
)
EXTRA_METRICS: tuple[str, ...] = ("ticket_volume", "engagement_score", "at_risk")
#: The trend cards of each dashboard section (the most telling metrics of the group; the page's
#: layout: what each metric is, which way is good, comes from the registry, `touchpoint.metrics`).
TREND_CARDS: dict[str, tuple[str, ...]] = {
    "digital": ("sessions", "engagement_rate", "dau", "conversion_rate"),
    "feedback": ("nps", "csat", "responses", "negative_comment_share"),
    "commerce": ("orders", "revenue", "avg_order_value", "purchasers"),
    "retention": ("retention_rate_30d", "churn_rate_30d", "purchaser_retention_30d", "clv"),
    "in_store": ("foot_traffic", "store_conversion_rate", "loyalty_signups", "staff_interactions"),
}
LOWEST_CSAT_DAYS = 5
MIN_RESPONSES_FOR_LOWEST = 2


@dataclass(frozen=True)
class Trend:
    """One metric's value in the period, its change, and its daily series."""

    metric: str
    value: float | None
    previous: float | None
    change_pct: float | None
    series: list[float | None]

    @property
    def good(self) -> bool | None:
        """True when the change is good news, False when bad, None when unknown or flat."""
        if self.change_pct is None or self.change_pct == 0:
            return None
        rising = self.change_pct > 0
        return rising != (self.metric in LOWER_IS_BETTER)


@dataclass(frozen=True)
class StoreRow:
    """One store in the comparison table."""

    location_id: str
    name: str
    values: dict[str, float | None]


@dataclass(frozen=True)
class LowDay:
    """A store-day with a low CSAT (links to its comments)."""

    location_id: str
    name: str
    day: date
    csat: float
    responses: int


@dataclass
class DashboardData:
    """Everything the dashboard page renders."""

    tenant_name: str
    period: Period
    north_star: Trend
    groups: dict[str, list[Trend]]
    nps_split: dict[str, list[float | None]]
    csat_by_channel: dict[str, list[float | None]]
    tickets_by_channel: dict[str, list[float | None]]
    csat_by_store: dict[str, list[float | None]]
    stores: list[StoreRow]
    lowest_csat: list[LowDay]
    score: dict[str, Any] = field(default_factory=dict)
    alerts: list[FiredAlert] = field(default_factory=list)
    store_names: dict[str, str] = field(default_factory=dict)
    #: The store ids of a store manager's view (company-wide sections hidden); None: the whole tenant.
    scope: tuple[str, ...] | None = None


def trend(metric: str, points: Sequence[MetricPoint], period: Period) -> Trend:
    """The period value, the previous period's, the change and the daily series of tenant totals."""
    all_totals = totals(points)
    current = [p for p in all_totals if period.first <= p.date <= period.last]
    before = period.previous()
    prior = [p for p in all_totals if before.first <= p.date <= before.last]
    value, previous = period_value(metric, current), period_value(metric, prior)
    _, change_pct = change_of(value, previous)
    daily = {p.date: p.value for p in current}
    return Trend(metric, value, previous, change_pct, [daily.get(d) for d in period.dates()])


def _daily(points: Sequence[MetricPoint], period: Period) -> list[float | None]:
    daily = by_day(points)
    return [daily[d].value if d in daily else None for d in period.dates()]


def _in(points: Sequence[MetricPoint], period: Period) -> list[MetricPoint]:
    return [p for p in points if period.first <= p.date <= period.last]


def nps_split(points: Sequence[MetricPoint], period: Period) -> dict[str, list[float | None]]:
    """Promoters, passives and detractors per day (answer counts from the `nps` totals)."""
    daily = by_day(totals(points))
    split: dict[str, list[float | None]] = {"promoters": [], "passives": [], "detractors": []}
    for day in period.dates():
        point = daily.get(day)
        for part, values in split.items():
            raw = point.extra.get(part) if point is not None else None
            values.append(float(raw) if isinstance(raw, int | float) else None)
    return split


def by_dimension(
    points: Sequence[MetricPoint], dimension: str, period: Period
) -> dict[str, list[float | None]]:
    """A daily series per value of one breakdown dimension."""
    return {
        key: _daily(series, period) for key, series in with_breakdown(_in(points, period), dimension).items()
    }


def store_rows(
    loaded: Mapping[str, Sequence[MetricPoint]], period: Period, names: Mapping[str, str]
) -> list[StoreRow]:
    """The comparison table: each store's period value of every store metric."""
    per_metric = {m: with_breakdown(_in(loaded.get(m, []), period), "location") for m in STORE_METRICS}
    locations = sorted(set(names) | {loc for series in per_metric.values() for loc in series})
    rows = []
    for location in locations:
        values = {m: period_value(m, per_metric[m].get(location, [])) for m in STORE_METRICS}
        rows.append(StoreRow(location, names.get(location, location), values))
    return rows


def lowest_csat(points: Sequence[MetricPoint], period: Period, names: Mapping[str, str]) -> list[LowDay]:
    """The store-days with the lowest CSAT (at least a couple of responses), lowest first."""
    days: list[LowDay] = []
    for location, series in with_breakdown(_in(points, period), "location").items():
        for point in series:
            responses = point.extra.get("responses")
            count = int(responses) if isinstance(responses, int | float) else 0
            if point.value is not None and count >= MIN_RESPONSES_FOR_LOWEST:
                days.append(LowDay(location, names.get(location, location), point.date, point.value, count))
    days.sort(key=lambda d: (d.csat, -d.responses, d.day, d.location_id))
    return days[:LOWEST_CSAT_DAYS]


def score_distribution(
    points: Sequence[MetricPoint], at_risk: Sequence[MetricPoint], period: Period
) -> dict[str, Any]:
    """The latest engagement-score deciles in the period, with the people scored and at risk."""
    latest = [p for p in totals(_in(points, period)) if isinstance(p.extra.get("deciles"), list)]
    if not latest:
        return {}
    point = latest[-1]
    risk = totals(_in(at_risk, period))
    return {
        "date": point.date,
        "mean": point.value,
        "people": point.extra.get("people"),
        "deciles": [float(v) for v in point.extra["deciles"]],
        "at_risk": risk[-1].value if risk else None,
    }


def dashboard_metrics(north_star: str) -> list[str]:
    """Every metric the dashboard reads."""
    cards = [m for metrics in TREND_CARDS.values() for m in metrics]
    return list(dict.fromkeys([north_star, *cards, *STORE_METRICS, *EXTRA_METRICS]))


def build_dashboard(
    tenant_id: str,
    tenant_name: str,
    north_star: str,
    period: Period,
    reader: MetricsReader,
    store_names: Mapping[str, str],
    alerts: list[FiredAlert],
) -> DashboardData:
    """Read the metrics of the period (and the period before, for changes) and assemble the page."""
    loaded = load_points(
        reader, tenant_id, dashboard_metrics(north_star), period.previous().first, period.last
    )
    return assemble(tenant_name, north_star, period, loaded, store_names, alerts)


def assemble(
    tenant_name: str,
    north_star: str,
    period: Period,
    loaded: Mapping[str, Sequence[MetricPoint]],
    store_names: Mapping[str, str],
    alerts: list[FiredAlert],
) -> DashboardData:
    """The dashboard from points already read (pure)."""

    def pts(metric: str) -> Sequence[MetricPoint]:
        return loaded.get(metric, [])

    groups = {group: [trend(m, pts(m), period) for m in metrics] for group, metrics in TREND_CARDS.items()}
    return DashboardData(
        tenant_name=tenant_name,
        period=period,
        north_star=trend(north_star, pts(north_star), period),
        groups=groups,
        nps_split=nps_split(pts("nps"), period),
        csat_by_channel=by_dimension(pts("csat"), "channel", period),
        tickets_by_channel=by_dimension(pts("ticket_volume"), "channel", period),
        csat_by_store=by_dimension(pts("csat"), "location", period),
        stores=store_rows(loaded, period, store_names),
        lowest_csat=lowest_csat(pts("csat"), period, store_names),
        score=score_distribution(pts("engagement_score"), pts("at_risk"), period),
        alerts=alerts,
        store_names=dict(store_names),
    )
