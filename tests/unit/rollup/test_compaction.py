"""Compaction of landed event files into Parquet files: distinct, sorted, in chunks, and the same metrics."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from touchpoint.engine import EngineInputs, compute_day
from touchpoint.models.tenants import TenantConfig
from touchpoint.rollup.compaction import COMPACTED_COLUMNS, Compactor, compact_files, is_settled, plan_chunks
from touchpoint_testkit.synthetic import generate_day

DAY = date(2026, 3, 10)


def _write(path: Path, lines: list[str]) -> Path:
    path.write_bytes(gzip.compress("".join(line + "\n" for line in lines).encode("utf-8"), mtime=0))
    return path


def _event(message_id: str, ts: str, received: str, **extra: Any) -> str:
    return json.dumps(
        {
            "type": "track",
            "event": "Clicked",
            "messageId": message_id,
            "timestamp": ts,
            "receivedAt": received,
            **extra,
        },
        separators=(",", ":"),
    )


def _rows(path: Path) -> list[tuple[Any, ...]]:
    return duckdb.connect().execute("SELECT * FROM read_parquet($p)", {"p": str(path)}).fetchall()


def test_one_line_per_message_id_the_earliest_received_sorted_by_time(tmp_path: Path) -> None:
    first = _write(
        tmp_path / "a.jsonl.gz",
        [
            _event("m2", "2026-03-10T12:00:00.000Z", "2026-03-10T12:00:05.000Z", tenantId="acme"),
            _event("m1", "2026-03-10T09:00:00.000Z", "2026-03-10T09:00:01.000Z", userId="u1"),
        ],
    )
    retry = _write(  # a retried request: m2 again, received later (with a huge number kept as text)
        tmp_path / "b.jsonl.gz",
        [
            _event("m2", "2026-03-10T12:00:00.000Z", "2026-03-10T12:01:00.000Z", tenantId="acme"),
            '{"type":"track","event":"Order Completed","messageId":"m3","timestamp":"2026-03-10T10:00:00.000Z",'
            '"receivedAt":"2026-03-10T10:00:00.500Z","properties":{"revenue":' + "9" * 40 + "}}",
        ],
    )
    target = tmp_path / "out.parquet"
    assert compact_files([first, retry], [], target) == 3
    rows = _rows(target)
    assert [r[0] for r in rows] == ["m1", "m3", "m2"]  # by event time
    assert rows[2][7] == datetime(2026, 3, 10, 12, 0, 5)  # the earliest received copy of m2
    assert rows[0][3] == "u1" and rows[0][6] == datetime(2026, 3, 10, 9, 0)
    assert '"revenue":' + "9" * 40 in rows[1][8]  # the line as landed, digit for digit
    described = duckdb.connect().execute(f"DESCRIBE SELECT * FROM read_parquet('{target}')").fetchall()
    assert tuple(c[0] for c in described) == COMPACTED_COLUMNS


def test_late_lines_merge_with_an_earlier_compacted_file(tmp_path: Path) -> None:
    earlier = tmp_path / "earlier.parquet"
    compact_files(
        [_write(tmp_path / "a.jsonl.gz", [_event("m1", "2026-03-10T09:00:00Z", "2026-03-10T09:00:01Z")])],
        [],
        earlier,
    )
    late = _write(
        tmp_path / "late.jsonl.gz",
        [
            _event("m0", "2026-03-10T08:00:00Z", "2026-03-12T08:00:00Z"),  # an SDK that was offline
            _event("m1", "2026-03-10T09:00:00Z", "2026-03-12T09:00:00Z"),  # and a late duplicate
        ],
    )
    merged = tmp_path / "merged.parquet"
    assert compact_files([late], [earlier], merged) == 2
    assert [(r[0], r[7]) for r in _rows(merged)] == [
        ("m0", datetime(2026, 3, 12, 8, 0)),
        ("m1", datetime(2026, 3, 10, 9, 0, 1)),
    ]


def test_the_engine_gives_the_same_points_from_compacted_files(tmp_path: Path) -> None:
    # a generated day with 1 % duplicate lines and skewed clocks, over four landed files
    generated = generate_day(tmp_path / "gen", DAY, events=4000, people=300, files=4, duplicate_share=0.02)
    compacted = tmp_path / "events.parquet"
    compact_files(generated.event_files, [], compacted)
    config = TenantConfig()
    landed_points = compute_day(
        EngineInputs(generated.event_files, generated.response_files, []), DAY, config
    )
    compacted_points = compute_day(EngineInputs([compacted], generated.response_files, []), DAY, config)
    half = compute_day(  # half compacted, half still landed (late objects beside a compacted file)
        EngineInputs([compacted, *generated.event_files[:2]], generated.response_files, []), DAY, config
    )
    key = lambda p: (p.metric, sorted(p.breakdown.items()))  # noqa: E731
    assert len(landed_points) > 50
    assert sorted(landed_points, key=key) == sorted(compacted_points, key=key) == sorted(half, key=key)


def test_a_day_is_settled_an_hour_after_it_ended() -> None:
    assert not is_settled(DAY, datetime(2026, 3, 11, 0, 59, tzinfo=UTC))
    assert is_settled(DAY, datetime(2026, 3, 11, 1, 0, tzinfo=UTC))


def test_landed_objects_fill_chunks_in_key_order_and_a_big_object_is_a_chunk_of_its_own() -> None:
    landed = [("a", 40), ("b", 40), ("c", 30), ("d", 250), ("e", 10), ("f", 100)]
    assert plan_chunks(landed, [], 100) == [["a", "b"], ["c"], ["d"], ["e"], ["f"]]
    assert plan_chunks(landed, [], 1_000) == [["a", "b", "c", "d", "e", "f"]]
    assert plan_chunks(landed, [], 1) == [["a"], ["b"], ["c"], ["d"], ["e"], ["f"]]


def test_small_compacted_files_join_chunks_and_full_ones_stay() -> None:
    landed = [("l1", 60), ("l2", 10)]
    compacted = [("full", 50), ("big", 300), ("s1", 20), ("s2", 30), ("s3", 45)]
    # chunk 100: "full" (half a chunk) and "big" stay; s3, s2, s1 (largest first) go where they fit
    assert plan_chunks(landed, compacted, 100) == [["l1", "l2", "s2"], ["s3", "s1"]]
    # late events beside one small file: one chunk, one file again
    assert plan_chunks([("late", 1)], [("day", 40)], 100) == [["late", "day"]]


def test_a_chunk_of_one_compacted_file_alone_is_not_rewritten() -> None:
    assert plan_chunks([("l1", 90)], [("s1", 45)], 100) == [["l1"]]
    assert plan_chunks([("l1", 90)], [("s1", 45), ("s2", 40)], 100) == [["l1"], ["s1", "s2"]]


def test_a_chunk_size_below_one_byte_is_refused() -> None:
    with pytest.raises(ValueError, match="chunk_bytes"):
        plan_chunks([("a", 1)], [], 0)
    with pytest.raises(ValueError, match="chunk_bytes"):
        Compactor(None, None, lambda _: 0, chunk_bytes=-1)  # type: ignore[arg-type]
