"""MetricsRepository and the rollup's additions to the state repository, against moto."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from touchpoint.models.metrics import MetricPoint
from touchpoint.runtime import Runtime
from touchpoint.storage.metrics import DuplicatePointError
from touchpoint.storage.rollup_state import DIRTY, DONE, RUNNING

DAY = date(2026, 3, 10)


def _items(runtime: Runtime) -> list[Any]:
    paginator = runtime.clients.dynamodb.get_paginator("scan")
    return [i for page in paginator.paginate(TableName=runtime.settings.metrics_table) for i in page["Items"]]


def test_bad_points_are_refused_before_anything_is_written(aws: Runtime) -> None:
    twice = [
        MetricPoint(metric="orders", date=DAY, value=1.0),
        MetricPoint(metric="orders", date=DAY, value=2.0),
    ]
    with pytest.raises(DuplicatePointError, match="orders has two points for breakdown -"):
        aws.metrics.put_run("acme", DAY, "r1", twice)
    with pytest.raises(ValueError, match="is for 2026-03-11, not 2026-03-10"):
        aws.metrics.put_run(
            "acme", DAY, "r1", [MetricPoint(metric="orders", date=DAY + timedelta(days=1), value=1.0)]
        )
    assert _items(aws) == []


def test_values_round_trip_exactly(aws: Runtime) -> None:
    points = [
        MetricPoint(metric="revenue", date=DAY, value=0.1 + 0.2, extra={"orders": 3, "share": 1 / 3}),
        MetricPoint(metric="revenue", date=DAY, value=1e-9, breakdown={"location": "berlin-mitte"}),
        MetricPoint(metric="stickiness", date=DAY, value=None),
    ]
    seen = aws.rollup_state.begin_run("acme", DAY)
    aws.metrics.put_run("acme", DAY, "r1", points)
    aws.rollup_state.finish_run("acme", DAY, "r1", seen)
    read = {
        (p.metric, tuple(p.breakdown.items())): p
        for p in [
            *aws.metrics.read("acme", "revenue", DAY, DAY),
            *aws.metrics.read("acme", "stickiness", DAY, DAY),
        ]
    }
    assert read[("revenue", ())].value == 0.1 + 0.2
    assert read[("revenue", ())].extra == {"orders": 3, "share": 1 / 3}
    assert read[("revenue", (("location", "berlin-mitte"),))].value == 1e-9
    assert read[("stickiness", ())].value is None


def test_begin_and_finish_run_move_the_pointer(aws: Runtime) -> None:
    state = aws.rollup_state
    seen = state.begin_run("acme", DAY)
    assert seen.status == RUNNING and seen.run_id is None
    first = state.finish_run("acme", DAY, "r1", seen)
    assert first.previous_run_id is None and first.status == DONE
    again = state.begin_run("acme", DAY)
    assert again.status == DONE and again.run_id == "r1"  # a re-run leaves the day readable
    second = state.finish_run("acme", DAY, "r2", again)
    assert second.previous_run_id == "r1" and second.status == DONE
    assert state.current_runs("acme", [DAY, DAY + timedelta(days=1)]) == {DAY: "r2"}


def test_a_dirty_mark_during_a_run_survives_the_flip(aws: Runtime) -> None:
    state = aws.rollup_state
    seen = state.begin_run("acme", DAY)
    assert state.mark_dirty_if_done("acme", [DAY]) == [DAY]  # a running first run counts
    finished = state.finish_run("acme", DAY, "r1", seen)
    assert finished.status == DIRTY
    day = state.day_state("acme", DAY)
    assert day is not None and day.status == DIRTY and day.run_id == "r1"
    # The recomputation sees that dirty mark and settles the day.
    seen = state.begin_run("acme", DAY)
    assert state.finish_run("acme", DAY, "r2", seen).status == DONE
    assert state.dirty_days("acme") == []


def test_days_never_rolled_up_are_not_marked_dirty(aws: Runtime) -> None:
    assert aws.rollup_state.mark_dirty_if_done("acme", [DAY]) == []
    assert aws.rollup_state.day_state("acme", DAY) is None


def test_days_to_recompute_are_dirty_days_and_stale_running_ones(aws: Runtime) -> None:
    state = aws.rollup_state
    for offset in range(3):
        state.begin_run("acme", DAY + timedelta(days=offset))
    state.finish_run("acme", DAY, "r1", state.begin_run("acme", DAY))
    state.mark_dirty_if_done("acme", [DAY])
    now = datetime.now(UTC)
    assert [s.day for s in state.days_to_recompute("acme", now - timedelta(hours=1))] == [DAY]
    stale = state.days_to_recompute("acme", now + timedelta(seconds=5))
    assert [(s.day, s.status) for s in stale] == [
        (DAY, DIRTY),
        (DAY + timedelta(days=1), RUNNING),
        (DAY + timedelta(days=2), RUNNING),
    ]
    assert state.days_to_recompute("globex", now) == []


def test_current_runs_reads_more_than_one_batch(aws: Runtime) -> None:
    state = aws.rollup_state
    days = [DAY + timedelta(days=n) for n in range(130)]
    for n, day in enumerate(days):
        if n % 2 == 0:
            state.finish_run("acme", day, f"r{n}", state.begin_run("acme", day))
    runs = state.current_runs("acme", days)
    assert len(runs) == 65 and runs[days[128]] == "r128" and days[1] not in runs


def test_a_large_run_has_a_manifest_in_parts_and_is_removed_completely(aws: Runtime) -> None:
    points = [
        MetricPoint(
            metric="orders", date=DAY, value=float(n), breakdown={"location": f"{n:05d}-" + "x" * 300}
        )
        for n in range(1500)
    ]
    aws.metrics.put_run("acme", DAY, "20260310T000000-big", points)
    (manifest,) = aws.metrics.manifests("acme", DAY)
    assert manifest.parts >= 2 and len(manifest.keys) == 1500
    assert len(_items(aws)) == 1500 + manifest.parts
    assert aws.metrics.delete_run("acme", manifest) == 1500
    assert _items(aws) == []
