"""The metric registry: one declarative record per metric (`definitions`), look-ups (`registry`),
shared formulas (`formulas`) and the generated `docs/METRICS.md` (`docs`)."""

from touchpoint.metrics.model import Aggregation, Comments, Display, Group, Kind, Metric, Unit
from touchpoint.metrics.registry import METRIC_NAMES, REGISTRY, UnknownMetricError, metric

__all__ = [
    "METRIC_NAMES",
    "REGISTRY",
    "Aggregation",
    "Comments",
    "Display",
    "Group",
    "Kind",
    "Metric",
    "Unit",
    "UnknownMetricError",
    "metric",
]
