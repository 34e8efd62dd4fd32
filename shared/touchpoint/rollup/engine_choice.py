"""Which engine rolls up a tenant-day: DuckDB in the worker Lambda, or Spark (EMR Serverless).

One rule, used by the nightly dispatcher (before it starts anything) and by `touchpoint rollup
--engine auto`: a tenant-day whose raw input window (landed and compacted events of the UTC days
D-1..D+1) is larger than `TOUCHPOINT_SPARK_THRESHOLD_BYTES` goes to Spark, every other to DuckDB.

The default comes from the worker's measured ceiling (bench/RESULTS.md, "Lambda sizing"): the
8,192 MB worker holds about 5 million events of one tenant-day, whose three-day window is about
600 MB of gzip JSON lines at the ~40 bytes per event measured on landed files; 400 MiB keeps a
third of head room (about 3.5 million events a day).
"""

from __future__ import annotations

from typing import Literal

from touchpoint.engine.backend import EngineName

#: What a caller may ask for: one engine, or `auto` (by size).
EngineChoice = Literal["auto", "duckdb", "spark"]
ENGINE_CHOICES: tuple[EngineChoice, ...] = ("auto", "duckdb", "spark")

#: Raw input window (bytes) above which a tenant-day goes to Spark (see the module doc).
DEFAULT_SPARK_THRESHOLD_BYTES = 400 * 1024 * 1024


def choose_engine(choice: EngineChoice, window_bytes: int, threshold_bytes: int) -> EngineName:
    """The engine for a tenant-day whose raw input window is `window_bytes` large."""
    if choice != "auto":
        return choice
    return "spark" if window_bytes > threshold_bytes else "duckdb"
