"""The names the metrics API accepts: the engine's metric catalog and every breakdown dimension."""

from __future__ import annotations

from touchpoint.engine.catalog import METRIC_NAMES as _ENGINE_METRICS

#: Every metric of METRICS.md (the engine's catalog).
METRIC_NAMES: frozenset[str] = frozenset(_ENGINE_METRICS)

#: Breakdown dimensions the engine emits (`top_products` rows carry `product` and `rank`).
BREAKDOWN_NAMES: frozenset[str] = frozenset(
    ("channel", "platform", "source", "event", "location", "survey", "kind", "product", "rank")
)
