"""The one rule that sends a tenant-day to DuckDB or to Spark, and its setting."""

from __future__ import annotations

import pytest

from touchpoint.rollup.engine_choice import DEFAULT_SPARK_THRESHOLD_BYTES, choose_engine
from touchpoint.settings import ConfigurationError, settings_from_env


def test_auto_goes_to_spark_only_above_the_threshold() -> None:
    assert choose_engine("auto", 100, 100) == "duckdb"  # at the threshold: still the Lambda
    assert choose_engine("auto", 101, 100) == "spark"
    assert choose_engine("auto", 0, 100) == "duckdb"


def test_an_engine_asked_for_is_used_whatever_the_size() -> None:
    assert choose_engine("spark", 0, 100) == "spark"
    assert choose_engine("duckdb", 10**12, 100) == "duckdb"


def test_the_threshold_setting_defaults_and_is_validated() -> None:
    base = {"TOUCHPOINT_STAGE": "test"}
    assert settings_from_env(base).spark_threshold_bytes == DEFAULT_SPARK_THRESHOLD_BYTES == 400 * 1024 * 1024
    assert (
        settings_from_env({**base, "TOUCHPOINT_SPARK_THRESHOLD_BYTES": "1000"}).spark_threshold_bytes == 1000
    )
    for bad in ("0", "-5", "1.5", "lots"):
        with pytest.raises(ConfigurationError, match="TOUCHPOINT_SPARK_THRESHOLD_BYTES"):
            settings_from_env({**base, "TOUCHPOINT_SPARK_THRESHOLD_BYTES": bad})
