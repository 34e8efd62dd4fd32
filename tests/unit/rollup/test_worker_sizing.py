"""The rollup worker's size: DuckDB's limits follow the Lambda's memory and the /tmp the template gives it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from touchpoint.rollup.wiring import WORKER_EPHEMERAL_MB, duckdb_config

CHALICE = Path(__file__).resolve().parents[3] / "functions" / "rollup" / ".chalice"


def test_inside_the_worker_duckdb_stays_below_its_memory_and_its_tmp() -> None:
    config: dict[str, str | bool | int | float | list[str]] = {
        **duckdb_config({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "8192"})
    }
    assert config["memory_limit"] == "5734MB"  # 8,192 x 0.7
    assert config["max_temp_directory_size"] == "2457MB"  # 4,096 x 0.6
    assert str(config["temp_directory"]).endswith("duckdb-spill")
    with duckdb.connect(":memory:", config=config) as con:  # DuckDB takes every setting
        assert con.execute("SELECT current_setting('memory_limit')").fetchone() is not None
    assert duckdb_config({}) == {}  # outside a Lambda: DuckDB's defaults


def test_the_template_gives_the_worker_the_memory_and_tmp_the_limits_assume() -> None:
    merge = json.loads((CHALICE / "merge-template.json").read_text())
    assert merge["Resources"]["Worker"]["Properties"]["EphemeralStorage"] == {"Size": WORKER_EPHEMERAL_MB}
    stages = json.loads((CHALICE / "config.json").read_text())["stages"]
    assert {s["lambda_functions"]["worker"]["lambda_memory_size"] for s in stages.values()} == {8192}
