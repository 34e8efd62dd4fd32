"""Touchpoint's metric engine: docs/METRICS.md computed from local event and response files.

Pure: it reads local gzip JSON-lines files with an in-memory DuckDB (or a Spark session, see
`touchpoint.engine.backend`) and returns `MetricPoint`s; no AWS access. Entry points: `compute_day`, `compute_person_scores` and `compute_day_result` (both
at once). `touchpoint_testkit.synthetic.generate_day` (test and benchmark support, not shipped) writes realistic test data.
"""

from touchpoint.engine.backend import DuckDBConfig, EngineName
from touchpoint.engine.catalog import METRIC_NAMES
from touchpoint.engine.inputs import EngineInputs
from touchpoint.engine.pipeline import (
    DayResult,
    compute_day,
    compute_day_result,
    compute_person_scores,
)

__all__ = [
    "METRIC_NAMES",
    "DayResult",
    "DuckDBConfig",
    "EngineInputs",
    "EngineName",
    "compute_day",
    "compute_day_result",
    "compute_person_scores",
]
