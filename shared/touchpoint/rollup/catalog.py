"""The names the metrics API accepts: the registry's metrics and breakdown dimensions (`touchpoint.metrics`)."""

from __future__ import annotations

from touchpoint.metrics.registry import BREAKDOWN_NAMES
from touchpoint.metrics.registry import METRIC_NAMES as _REGISTRY_NAMES

#: Every metric of docs/METRICS.md.
METRIC_NAMES: frozenset[str] = frozenset(_REGISTRY_NAMES)

__all__ = ["BREAKDOWN_NAMES", "METRIC_NAMES"]
