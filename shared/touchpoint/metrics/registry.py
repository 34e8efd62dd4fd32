"""Look-ups over the metric records: every consumer (engine, API, dashboard, alerts, docs) reads these."""

from __future__ import annotations

from touchpoint.metrics.definitions import METRICS
from touchpoint.metrics.model import Aggregation, Group, Kind, Metric

#: Every metric by name, in catalog order.
REGISTRY: dict[str, Metric] = {metric.name: metric for metric in METRICS}

#: Every metric name, in catalog order (the order the engine emits them in).
METRIC_NAMES: tuple[str, ...] = tuple(REGISTRY)

#: A metric's position in the catalog (for sorting points).
METRIC_ORDER: dict[str, int] = {name: index for index, name in enumerate(METRIC_NAMES)}

#: Every breakdown dimension some metric has.
BREAKDOWN_NAMES: frozenset[str] = frozenset(dim for metric in METRICS for dim in metric.breakdowns)

#: Metrics that are one number per day (neither a ranking nor the north-star alias), in catalog order.
SUMMARY_METRICS: tuple[str, ...] = tuple(m.name for m in METRICS if m.kind is Kind.DAILY)

#: Metrics an alert rule can watch (every metric with one number per day, including `north_star`).
WATCHABLE_METRICS: tuple[str, ...] = tuple(m.name for m in METRICS if m.kind is not Kind.RANKING)

#: The breakdown dimensions of the watchable metrics (what an alert rule may filter on).
WATCHABLE_BREAKDOWNS: frozenset[str] = frozenset(
    dim for name in WATCHABLE_METRICS for dim in REGISTRY[name].breakdowns
)

#: Metrics where a fall is good news.
LOWER_IS_BETTER: frozenset[str] = frozenset(m.name for m in METRICS if m.lower_is_better)

#: Metrics whose comments can be listed -> the answer kind a response must have (None: any response).
COMMENT_METRICS: dict[str, str | None] = {
    m.name: m.comments.score_kind for m in METRICS if m.comments is not None
}


class UnknownMetricError(KeyError):
    """A name that is not in the registry."""


def metric(name: str) -> Metric:
    """The record of `name` (UnknownMetricError when there is none)."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownMetricError(name) from None


def group_of(name: str) -> Group | None:
    """The group of a one-number-per-day metric (None for the ranking, the alias and unknown names)."""
    record = REGISTRY.get(name)
    return record.group if record is not None and record.kind is Kind.DAILY else None


def aggregation_of(name: str) -> Aggregation:
    """How the days of a window combine for `name` (a plain mean for a name the registry lacks)."""
    record = REGISTRY.get(name)
    return record.aggregation if record is not None else Aggregation.MEAN


def metrics_in(group: Group) -> tuple[Metric, ...]:
    """The metrics of one group, in catalog order."""
    return tuple(m for m in METRICS if m.group is group)
