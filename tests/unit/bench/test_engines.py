"""bench/engines.py: the local stand-in for the events stream, and the comparison of two engine runs."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

from bench.engines import LocalFirehose, descendants, differences, stream_destination
from touchpoint.engine import DayResult
from touchpoint.models.metrics import MetricPoint
from touchpoint.storage.landing import landing_record

DAY = date(2026, 3, 10)


def _record(tenant: str, number: int, timestamp: str) -> dict[str, bytes]:
    event = {"type": "track", "event": "x", "messageId": f"m{number}", "timestamp": timestamp}
    return {"Data": landing_record(tenant, event)}


def test_the_stand_in_partitions_like_the_template_and_flushes_at_the_buffer_size(tmp_path: Path) -> None:
    destination = stream_destination()
    assert destination["BufferingHints"]["SizeInMBs"] == 128
    one = len(_record("acme", 0, "2026-03-10T10:00:00.000Z")["Data"])
    firehose = LocalFirehose(tmp_path, destination, buffer_bytes=3 * one)
    records = [_record("acme", n, "2026-03-10T10:00:00.000Z") for n in range(4)]
    records.append(_record("acme", 9, "2026-03-09T23:30:00.000Z"))
    records.append(_record("other", 10, "2026-03-10T10:00:00.000Z"))
    answer = firehose.put_record_batch(DeliveryStreamName="s", Records=records)
    assert answer["FailedPutCount"] == 0 and len(answer["RequestResponses"]) == 6
    assert len(firehose.objects) == 1  # the first three of acme's 2026-03-10 filled the buffer
    firehose.flush("s")
    by_folder: dict[str, list[str]] = {}
    for path in firehose.objects:
        assert path.name.endswith(".jsonl.gz")
        folder = path.parent.relative_to(tmp_path).as_posix()
        lines = gzip.decompress(path.read_bytes()).splitlines()
        by_folder.setdefault(folder, []).extend(json.loads(line)["messageId"] for line in lines)
    assert by_folder == {
        "raw/events/tenant=acme/dt=2026-03-10": ["m0", "m1", "m2", "m3"],
        "raw/events/tenant=acme/dt=2026-03-09": ["m9"],
        "raw/events/tenant=other/dt=2026-03-10": ["m10"],
    }
    assert len(firehose.objects) == 4 and firehose.calls == 1


def _result(value: float, score: float = 50.0, skipped: int = 0) -> DayResult:
    points = [
        MetricPoint(metric="sessions", date=DAY, value=value),
        MetricPoint(
            metric="nps", date=DAY, value=10.0, breakdown={"channel": "email"}, extra={"responses": 3}
        ),
    ]
    return DayResult(points=points, person_scores={"p1": score}, skipped_values=skipped)


def test_differences_name_every_disagreement_and_none_for_equal_runs() -> None:
    assert differences(_result(5.0), _result(5.0)) == []
    found = differences(_result(5.0), _result(6.0, score=51.0, skipped=1))
    assert found[0].startswith("('sessions', '-'): duckdb (5.0, {}) / spark (6.0, {})")
    assert found[1:] == ["1 person scores differ, e.g. p1, by at most 1", "skipped values 0 / 1"]


def test_descendants_of_a_process_without_children_are_none() -> None:
    assert descendants(2**22 + 1) == []  # above Linux's pid_max default: no such process
