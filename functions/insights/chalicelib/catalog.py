"""The registry's look-ups the insights pages read (`touchpoint.metrics`; no tables of its own)."""

from __future__ import annotations

from touchpoint.metrics.registry import COMMENT_METRICS, LOWER_IS_BETTER, SUMMARY_METRICS

__all__ = ["COMMENT_METRICS", "LOWER_IS_BETTER", "SUMMARY_METRICS"]
