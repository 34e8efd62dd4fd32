"""The Spark engine gives the same points, scores, digests and person files as DuckDB.

Both run the one SQL definition (`touchpoint.engine.spark_backend` transpiles it). Spark runs in
local mode (one session per test process, Java 17); these tests share an xdist group so that one
worker starts the JVM, and they are few: each Spark run takes a minute on two cores.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.unit.engine.factories import DAY, Lake
from tests.unit.engine.test_pipeline import rich_day
from touchpoint.engine import DayResult, EngineInputs, EngineName, compute_day_result
from touchpoint.engine.spark_backend import to_spark_sql
from touchpoint.models.tenants import TenantConfig
from touchpoint_testkit.synthetic import generate_day

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

#: 2026-03-29: Europe/Berlin springs forward (a 23-hour tenant day inside the month).
DST_DAY = date(2026, 3, 29)
BERLIN = TenantConfig(timezone="Europe/Berlin")


def _run(inputs: EngineInputs, day: date, config: TenantConfig, out: Path, engine: EngineName) -> DayResult:
    return compute_day_result(
        inputs, day, config, digest_out=out / "digests", people_out=out / "people", engine=engine
    )


def _points(result: DayResult) -> dict[tuple[str, str], tuple[float | None, dict[str, Any]]]:
    return {(p.metric, p.breakdown_key): (p.value, p.extra) for p in result.points}


def _rows(path: Path) -> list[tuple[Any, ...]]:
    """A result file's rows in a canonical order (lists inside a row sorted: their order is free)."""
    reader = "read_csv" if path.suffix == ".csv" else "read_parquet"
    con = duckdb.connect()
    try:
        rows = con.execute(f"SELECT * FROM {reader}('{path}')").fetchall()
    finally:
        con.close()

    def canonical(value: Any) -> Any:
        if isinstance(value, list):
            return sorted((canonical(item) for item in value), key=repr)
        if isinstance(value, dict):
            return tuple(sorted((k, canonical(v)) for k, v in value.items()))
        return value

    return sorted((tuple(canonical(v) for v in row) for row in rows), key=repr)


def _assert_same_files(duck: Path, spark: Path) -> int:
    """Every digest and person file of the two runs holds the same rows; returns the file count."""
    names = sorted(p.relative_to(duck) for p in duck.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(spark) for p in spark.rglob("*") if p.is_file())
    for name in names:
        assert _rows(duck / name) == _rows(spark / name), name
    return len(names)


def _assert_same(inputs: EngineInputs, day: date, config: TenantConfig, tmp_path: Path) -> DayResult:
    duck = _run(inputs, day, config, tmp_path / "duckdb", "duckdb")
    spark = _run(inputs, day, config, tmp_path / "spark", "spark")
    assert len(duck.points) > 50
    assert _points(spark) == _points(duck)
    assert spark.person_scores.keys() == duck.person_scores.keys()
    for person, score in duck.person_scores.items():
        assert spark.person_scores[person] == pytest.approx(score, abs=1e-9)
    assert spark.skipped_values == duck.skipped_values
    assert _assert_same_files(tmp_path / "duckdb", tmp_path / "spark") >= 8
    return duck


def test_the_engines_unit_day_gives_the_same_points(tmp_path: Path) -> None:
    """The hand-computed rich day of test_pipeline: every metric, breakdown and extra equal."""
    lake = Lake(tmp_path / "in")
    lake.root.mkdir()
    rich_day(lake)
    duck = _assert_same(lake.inputs(), DAY, TenantConfig(), tmp_path / "out")
    assert {"nps", "orders", "sessions", "engagement_score", "foot_traffic"} <= {
        p.metric for p in duck.points
    }


def _late_copies(source: Path, target: Path, hours: int) -> None:
    """Events of `source` received `hours` later under new messageIds (late uploads)."""
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines][::9]
    with gzip.open(target, "wt", encoding="utf-8") as out:
        for record in records:
            record["messageId"] = f"late-{record.get('messageId')}"
            received = datetime.fromisoformat(str(record["receivedAt"]).replace("Z", "+00:00"))
            record["receivedAt"] = (received + timedelta(hours=hours)).isoformat()
            out.write(json.dumps(record) + "\n")


def _month(root: Path) -> tuple[list[Path], list[Path]]:
    """31 generated Berlin days up to D = DST_DAY + 2: stitching, duplicates, skewed clocks, late files."""
    events: list[Path] = []
    responses: list[Path] = []
    last = DST_DAY + timedelta(days=2)
    for offset in range(30, -1, -1):
        day = last - timedelta(days=offset)
        generated = generate_day(
            root, day, events=300, people=40, seed=offset + 1, timezone="Europe/Berlin", files=2, duplicate_share=0.05,
            skewed_share=0.02, locations=3,
        )  # fmt: skip
        events += generated.event_files
        responses += generated.response_files
        late = root / f"late-{day.isoformat()}.jsonl.gz"
        _late_copies(generated.event_files[0], late, hours=20)
        events.append(late)
    return events, responses


def test_a_generated_month_across_dst_gives_the_same_points(tmp_path: Path) -> None:
    """A month read raw, then the last day again from the digests of the day before: equal on both."""
    events, responses = _month(tmp_path / "lake")
    day = DST_DAY + timedelta(days=2)
    inputs = EngineInputs(events, responses, [("anon-known", "user-known")])
    duck = _assert_same(inputs, day, BERLIN, tmp_path / "raw")
    assert {"mau", "wau", "clv", "nps", "foot_traffic"} <= {p.metric for p in duck.points}

    # D from digests: the days before D-1 come from the digests DuckDB wrote for D-1.
    previous = compute_day_result(inputs, day - timedelta(days=1), BERLIN, digest_out=tmp_path / "d")
    assert previous.points
    digests = {d: tmp_path / "d" / d.isoformat() for d in [day - timedelta(days=1)]}
    from_digests = EngineInputs(events, responses, [], digests=digests, raw_from=day)
    _assert_same(from_digests, day, BERLIN, tmp_path / "digested")


def test_statements_are_translated_to_spark_sql() -> None:
    """The dialect rewrites the engine relies on (no Spark needed to check the text)."""
    sql = to_spark_sql(
        "SELECT list_unique(l), epoch($we - ts), quantile_cont(x, [0.5]), 1 / 3.0 FROM t WHERE list_contains($e, a)",
        {"we": date(2026, 3, 29), "e": []},
    ).sql("spark")
    assert "SIZE(ARRAY_DISTINCT(FILTER(l, e -> NOT e IS NULL)))" in sql
    assert "UNIX_MICROS(CAST(CAST('2026-03-29' AS DATE) AS TIMESTAMP))" in sql
    assert "PERCENTILE(x, ARRAY(0.5))" in sql
    assert "1 / CAST(3.0 AS DOUBLE)" in sql
    assert "ARRAY_CONTAINS(CAST(ARRAY() AS ARRAY<STRING>), a)" in sql
