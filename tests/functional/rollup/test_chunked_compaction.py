"""Compaction in chunks against the moto lake: the same points, bounded files, no half-state on failure."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import make_tenant
from tests.functional.rollup.support import (
    synthetic_days,
    write_events_like_ingest,
    write_responses_like_surveys,
)
from touchpoint.engine import EngineInputs, compute_day
from touchpoint.models.tenants import TenantConfig
from touchpoint.rollup.compaction import Compactor
from touchpoint.runtime import Runtime
from touchpoint.storage.lake import LakeRepository
from touchpoint.storage.lake_layout import EVENTS_AREA, RESPONSES_AREA, compacted_prefix, partition_prefix
from touchpoint.storage.lake_maintenance import LakeMaintenanceRepository

DAY = date(2026, 3, 10)


def _landed(aws: Runtime, tenant_id: str) -> list[tuple[str, int]]:
    return list(aws.lake_maintenance.list_objects(partition_prefix(EVENTS_AREA, tenant_id, DAY)))


def _files(aws: Runtime, tenant_id: str) -> dict[str, list[str]]:
    """Each compacted file of DAY and the messageIds in it."""
    return {
        key: [r["message_id"] for r in pq.read_table(io.BytesIO(aws.lake.get_bytes(key))).to_pylist()]
        for key in aws.lake.list_keys(compacted_prefix(tenant_id, DAY))
    }


def _landed_ids(aws: Runtime, tenant_id: str) -> set[str]:
    return {e["messageId"] for key, _ in _landed(aws, tenant_id) for e in aws.lake.read_jsonl(key)}


def _seed(aws: Runtime, tenant_id: str, out: Path, *, events: int = 600, per_object: int = 60) -> set[str]:
    """A generated day (duplicates in a second file) landed in objects of `per_object` events."""
    data = synthetic_days(out, [DAY], events=events, people=60)
    write_events_like_ingest(aws, tenant_id, data.events, chunk=per_object)
    write_responses_like_surveys(aws, tenant_id, data.responses)
    return {e["messageId"] for e in data.events if e["timestamp"].startswith(DAY.isoformat())}


def _compactor(aws: Runtime, chunk_bytes: int, generation: Callable[[str], int] = lambda _: 0) -> Compactor:
    return Compactor(aws.lake, aws.lake_maintenance, generation, chunk_bytes=chunk_bytes)


def _download(aws: Runtime, keys: list[str], folder: Path, suffix: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, key in enumerate(keys):
        path = folder / f"{index:04d}{suffix}"
        path.write_bytes(aws.lake.get_bytes(key))
        paths.append(path)
    return paths


def test_a_chunked_compaction_gives_the_engine_the_same_points_as_one_file(
    aws: Runtime, tmp_path: Path
) -> None:
    chunked, single = make_tenant(aws, "chunked").tenant_id, make_tenant(aws, "single").tenant_id
    sent = _seed(aws, chunked, tmp_path / "a")
    assert _seed(aws, single, tmp_path / "b") == sent
    stored = sum(size for _, size in _landed(aws, chunked))
    split = _compactor(aws, stored // 4).compact(chunked, DAY)
    whole = _compactor(aws, stored * 2).compact(single, DAY)
    assert split.outcome == whole.outcome == "compacted"
    assert split.chunks >= 4 and len(split.keys) == split.chunks and len(whole.keys) == whole.chunks == 1
    assert _landed(aws, chunked) == _landed(aws, single) == []
    files = _files(aws, chunked)
    rows = [m for ids in files.values() for m in ids]
    assert set(rows) == set(_files(aws, single)[whole.keys[0]]) == sent
    assert len(rows) > len(sent)  # retried copies in two chunks: in two files, by design
    assert all(Counter(ids).most_common(1)[0][1] == 1 for ids in files.values())  # distinct within a file
    config = TenantConfig()
    points = {}
    for tenant_id in (chunked, single):
        responses = [k for k in aws.lake.list_keys(partition_prefix(RESPONSES_AREA, tenant_id, DAY))]
        inputs = EngineInputs(
            _download(aws, sorted(_files(aws, tenant_id)), tmp_path / tenant_id / "events", ".parquet"),
            _download(aws, responses, tmp_path / tenant_id / "responses", ".jsonl.gz"),
            [],
        )
        points[tenant_id] = sorted(
            compute_day(inputs, DAY, config), key=lambda p: (p.metric, sorted(p.breakdown.items()))
        )
    assert len(points[single]) > 50 and points[chunked] == points[single]


def test_late_events_are_merged_into_the_small_file_so_files_do_not_multiply(
    aws: Runtime, tmp_path: Path
) -> None:
    tenant_id = make_tenant(aws, "late").tenant_id
    sent = _seed(aws, tenant_id, tmp_path, events=200)
    for round_no in range(4):
        late = [
            {
                "type": "track",
                "event": "Clicked",
                "messageId": f"late-{round_no}",
                "timestamp": f"{DAY}T23:00:00Z",
            }
        ]
        write_events_like_ingest(aws, tenant_id, late)
        sent.add(f"late-{round_no}")
        result = _compactor(aws, 1024 * 1024).compact(tenant_id, DAY)
        assert result.chunks == 1 and result.outcome == "compacted"
        [ids] = _files(aws, tenant_id).values()  # one file after every round
        assert sorted(ids) == sorted(sent)  # each event once


def test_an_erasure_during_the_second_chunk_undoes_that_chunk_only(aws: Runtime, tmp_path: Path) -> None:
    tenant_id = make_tenant(aws, "erasing").tenant_id
    sent = _seed(aws, tenant_id, tmp_path, events=200, per_object=70)
    landed = [key for key, _ in _landed(aws, tenant_id)]
    assert len(landed) >= 3
    generations = iter([4, 4, 5])  # before the inputs, after chunk 1 (unchanged), after chunk 2 (moved)
    result = _compactor(aws, 1, lambda _: next(generations)).compact(tenant_id, DAY)
    assert result.outcome == "erasure ran meanwhile" and result.chunks == len(landed)
    [(first_key, first_ids)] = _files(aws, tenant_id).items()  # chunk 1 committed, chunk 2's file deleted
    assert result.keys == (first_key,) and result.objects_deleted == 1
    assert [key for key, _ in _landed(aws, tenant_id)] == landed[1:]  # chunk 1's input only is gone
    assert set(first_ids).isdisjoint(_landed_ids(aws, tenant_id))
    assert set(first_ids) | _landed_ids(aws, tenant_id) == sent  # nothing lost
    done = _compactor(aws, 1, lambda _: 5).compact(tenant_id, DAY)  # the next run, no erasure
    assert done.outcome == "compacted" and _landed(aws, tenant_id) == []
    assert {m for ids in _files(aws, tenant_id).values() for m in ids} == sent


class _FailingDeletes(LakeMaintenanceRepository):
    """The lake's conditional deletes, the `fail_at`-th of them raising (a lost connection)."""

    def __init__(self, inner: LakeMaintenanceRepository, fail_at: int) -> None:
        super().__init__(inner._s3, inner.bucket)
        self.calls = 0
        self._fail_at = fail_at

    def delete_if_unchanged(self, key: str, etag: str) -> bool:
        self.calls += 1
        if self.calls == self._fail_at:
            raise ConnectionError("connection reset")
        return super().delete_if_unchanged(key, etag)


def test_a_failed_delete_stops_the_run_and_the_next_run_merges_what_it_left(
    aws: Runtime, tmp_path: Path
) -> None:
    tenant_id = make_tenant(aws, "faulty").tenant_id
    sent = _seed(aws, tenant_id, tmp_path, events=200, per_object=70)
    landed = [key for key, _ in _landed(aws, tenant_id)]
    assert len(landed) >= 3
    failing = _FailingDeletes(aws.lake_maintenance, fail_at=2)
    with pytest.raises(ConnectionError):
        Compactor(aws.lake, failing, lambda _: 0, chunk_bytes=1).compact(tenant_id, DAY)
    files = _files(aws, tenant_id)
    assert len(files) == 2  # chunks 1 and 2 written; no chunk started after the failure
    assert [key for key, _ in _landed(aws, tenant_id)] == landed[1:]  # chunk 2's input could not go
    assert {m for ids in files.values() for m in ids} | _landed_ids(aws, tenant_id) == sent
    # the next run with the default chunk size merges the two small files and the leftovers
    done = Compactor(aws.lake, aws.lake_maintenance, lambda _: 0).compact(tenant_id, DAY)
    assert done.outcome == "compacted" and done.chunks == 1 and _landed(aws, tenant_id) == []
    [ids] = _files(aws, tenant_id).values()
    assert sorted(ids) == sorted(sent)  # each event once again


class _NoDeletes(LakeRepository):
    """The lake, its deletes failing."""

    def delete(self, key: str) -> None:
        raise ConnectionError(f"cannot delete {key}")


def test_when_undoing_a_chunk_fails_the_run_stops_and_its_inputs_stay(aws: Runtime, tmp_path: Path) -> None:
    tenant_id = make_tenant(aws, "undo").tenant_id
    _seed(aws, tenant_id, tmp_path, events=120, per_object=70)
    landed = _landed(aws, tenant_id)
    generations = iter([1, 2])  # an erasure ran during the first chunk
    lake = _NoDeletes(aws.clients.s3, aws.settings.lake_bucket)
    with pytest.raises(ConnectionError):
        Compactor(lake, aws.lake_maintenance, lambda _: next(generations), chunk_bytes=1).compact(
            tenant_id, DAY
        )
    # the chunk's file stays for the erasure's recheck scan to scrub; every input stays, no chunk follows
    assert _landed(aws, tenant_id) == landed and len(_files(aws, tenant_id)) == 1
