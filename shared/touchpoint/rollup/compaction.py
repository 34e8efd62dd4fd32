"""Compaction: a tenant's UTC day of landed events rewritten into sorted, deduplicated Parquet files.

Firehose lands a tenant-day as up to a few thousand gzip JSON-lines objects under
`raw/events/tenant=<t>/dt=<UTC day>/`. Once the day is settled (`SETTLED_AFTER` past its end:
Firehose flushes a buffer within 15 minutes), `Compactor.compact` reads them, and the small
compacted files already there when late events landed after an earlier compaction, in chunks
(below), keeps one line per `messageId` within a chunk (the earliest received, then the earliest
time, then the line's text: the choice the engine makes), sorts it by event time and writes it as
`raw/compacted/tenant=<t>/dt=<UTC day>/events-<ms>-<hex>.parquet` (zstd) with the columns
`COMPACTED_COLUMNS`: the ids the readers and erasure filter on, the times, and `record`, the
event's JSON line exactly as landed. Then it deletes what the chunk consumed, each object only if
its ETag is unchanged. The surveys' `survey-<responseId>.jsonl.gz` copies are left alone: the
surveys function rewrites them in place when a partial response is completed.

Chunks (bounded memory and /tmp): a partition's inputs are split into chunks of at most
`COMPACTION_CHUNK_BYTES` stored bytes (`plan_chunks`: landed objects in key order, i.e. delivery
order, filled one chunk after the other; an object larger than a chunk is a chunk of its own), and
each chunk is downloaded, compacted into one file, uploaded and committed before the next one
starts: peak memory and disk follow the chunk, not the day (bench/RESULTS.md, "Compaction in
chunks"), and so does an erasure's rewrite of one compacted file (`touchpoint.privacy.compacted`). Compacted files of at least half a chunk are full and stay as they are; smaller ones (the
last chunk of a day, files of late events) join the next compaction's chunks (first fit), so a day
holds about its stored bytes / (half a chunk) files plus at most one small one, never one more
per run. The price: an event stored twice (a retried request) whose copies fall into two chunks,
or a late copy of an event already in a full file, is in two compacted files. That is by design:
every reader counts an event once by `messageId` (the engine's `ev` table,
`touchpoint.engine.loading`; the person export's `distinct_events`; the Athena `events` table's
documented `GROUP BY message_id`, docs/ATHENA.md), and erasure scrubs every file.

Erasure: the erasure suppression list's generation is read before the inputs and again after each
chunk's file is written. If it moved, an erasure ran meanwhile and may have scrubbed an input
after it was read: that chunk's file is deleted again, its inputs stay and no further chunk is
started (the next run compacts them; the chunks committed before stay: their check passed). If it
did not move, any later erasure starts its lake scan after the file exists and scrubs it
(`touchpoint.privacy.compacted`); should the undoing delete fail, the error stops the run and the
erasure's recheck scan (`touchpoint.privacy.erasure.LANDING_DELAY` later, the whole lake again)
scrubs the file. A failure to delete a consumed input stops the run too: its events are then in
the new file and in the input, counted once by every reader, and the input is compacted again by
the next run (merged away when the new file is small, a cross-file duplicate otherwise). Two
compactions of one partition at once leave duplicate rows at worst, in the same way.

Readers (`touchpoint.rollup.inputs`, the lake scan, Athena's `events` table) read compacted files
and any landed objects beside them.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from touchpoint.sql_text import sql_path
from touchpoint.storage.lake import LakeRepository
from touchpoint.storage.lake_layout import EVENTS_AREA, compacted_key, compacted_prefix, partition_prefix
from touchpoint.storage.lake_maintenance import LakeMaintenanceRepository, ObjectChangedError

#: Objects of the surveys function in the events area, rewritten in place: never compacted.
SURVEY_COPY_PREFIX = "survey-"
#: A UTC day is compacted once it ended this long ago (Firehose's buffer interval is 15 minutes).
SETTLED_AFTER = timedelta(hours=1)
#: Stored bytes one chunk of a compaction reads at most (gzip JSON lines and small compacted files).
#: Measured (bench/RESULTS.md, "Compaction in chunks"): a chunk of 53 MiB of landed objects (1.9 M
#: synthetic events, 313 B of JSON each) peaks at 1.6-1.8 GB above the process, one of 12 MiB at
#: 0.5 GB; a full 64 MiB chunk is about 2.2 GB. Real events compress better (611 B of JSON in 33 B,
#: against 313 B in 29 B here), so 64 MiB of them hold up to 1.7x the JSON: about 3.7 GB if memory
#: followed it, still inside the 8 GB worker's 5.7 GB for DuckDB (128 MiB would not be). On the
#: Spark driver the 50 M-event day (about 1.5 GB landed) becomes about 24 chunks done one after the
#: other instead of one 45 GB process, and the files (about 100 MiB of Parquet each) suit Athena and
#: Spark. Parquet holds fewer events per byte than gzip JSON lines, so a chunk of compacted files
#: holds fewer events than one of landed objects.
COMPACTION_CHUNK_BYTES = 64 * 1024 * 1024
#: Columns of a compacted file, in order.
COMPACTED_COLUMNS: tuple[str, ...] = (
    "message_id",
    "type",
    "event",
    "user_id",
    "anonymous_id",
    "previous_id",
    "ts",
    "received_at",
    "record",
)
_ROWS_FROM_LINES = """
SELECT
    json ->> '$.messageId' AS message_id,
    json ->> '$.type' AS type,
    json ->> '$.event' AS event,
    json ->> '$.userId' AS user_id,
    json ->> '$.anonymousId' AS anonymous_id,
    json ->> '$.previousId' AS previous_id,
    make_timestamp(epoch_us(TRY_CAST(json ->> '$.timestamp' AS TIMESTAMPTZ))) AS ts,
    make_timestamp(epoch_us(TRY_CAST(json ->> '$.receivedAt' AS TIMESTAMPTZ))) AS received_at,
    json::VARCHAR AS record
FROM read_ndjson_objects($landed, compression = 'gzip')
"""
#: The row order and the Parquet options of a compacted file (erasure rewrites keep them).
COMPACTED_ORDER = "ts NULLS LAST, message_id, record"
COMPACTED_COPY_OPTIONS = "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000)"
_COMPACT = f"""
COPY (
    SELECT * FROM ({{rows}})
    QUALIFY message_id IS NULL OR row_number() OVER (
        PARTITION BY message_id ORDER BY received_at NULLS LAST, ts NULLS LAST, record
    ) = 1
    ORDER BY {COMPACTED_ORDER}
) TO {{target}} {COMPACTED_COPY_OPTIONS}
"""  # noqa: S608 - constants; the paths are bound parameters or quoted by sql_path


def is_settled(day: date, now: datetime) -> bool:
    """True when UTC day `day` ended at least `SETTLED_AFTER` before `now`."""
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)
    return now >= end + SETTLED_AFTER


def compact_files(
    landed: list[Path],
    compacted: list[Path],
    target: Path,
    *,
    duckdb_config: Mapping[str, str] | None = None,
) -> int:
    """Write the distinct events of the landed JSON-lines files and earlier compacted files to `target`.

    `duckdb_config` (e.g. a memory limit and a spill folder) is passed to `duckdb.connect`.
    Returns the number of rows written.
    """
    import duckdb  # only the rollup function and the CLI ship DuckDB

    parts = []
    if landed:
        parts.append(_ROWS_FROM_LINES)
    if compacted:
        parts.append(f"SELECT {', '.join(COMPACTED_COLUMNS)} FROM read_parquet($compacted)")  # noqa: S608 - constants
    con = duckdb.connect(":memory:", config=dict(duckdb_config or {}))
    try:
        con.execute("SET preserve_insertion_order = false")
        params = {"landed": [str(p) for p in landed], "compacted": [str(p) for p in compacted]}
        params = {k: v for k, v in params.items() if v}
        con.execute(_COMPACT.format(rows=" UNION ALL ".join(parts), target=sql_path(target)), params)
        count = con.execute("SELECT count(*) FROM read_parquet($t)", {"t": str(target)}).fetchone()
    finally:
        con.close()
    return int(count[0]) if count else 0


def plan_chunks(
    landed: Sequence[tuple[str, int]], compacted: Sequence[tuple[str, int]], chunk_bytes: int
) -> list[list[str]]:
    """The keys of each chunk of a compaction: `landed` and `compacted` are `(key, stored bytes)`.

    Landed objects fill one chunk after the other in the given (key) order, none above `chunk_bytes`
    unless an object alone is larger. Compacted files of at least half a chunk stay out (full);
    smaller ones go, largest first, into the first chunk with room, or into a new one. A chunk that
    would be just one compacted file is dropped: rewriting it alone merges nothing.
    """
    if chunk_bytes < 1:
        raise ValueError(f"chunk_bytes must be positive, not {chunk_bytes}")
    chunks: list[list[str]] = []
    sizes: list[int] = []
    for key, size in landed:
        if not chunks or (sizes[-1] + size > chunk_bytes and chunks[-1]):
            chunks.append([])
            sizes.append(0)
        chunks[-1].append(key)
        sizes[-1] += size
    landed_chunks = len(chunks)
    small = sorted(
        ((size, key) for key, size in compacted if size < chunk_bytes / 2), key=lambda s: (-s[0], s[1])
    )
    for size, key in small:
        index = next((i for i, used in enumerate(sizes) if used + size <= chunk_bytes), None)
        if index is None:
            chunks.append([])
            sizes.append(0)
            index = len(chunks) - 1
        chunks[index].append(key)
        sizes[index] += size
    return [chunk for i, chunk in enumerate(chunks) if i < landed_chunks or len(chunk) > 1]


@dataclass(frozen=True)
class CompactionResult:
    """What one compaction of a partition did (summed over its chunks)."""

    day: date
    objects_read: int
    rows_written: int
    objects_deleted: int
    keys: tuple[str, ...]  # the compacted files written and kept, one per committed chunk
    outcome: str  # "compacted", "nothing to do", "erasure ran meanwhile"
    chunks: int = 0  # chunks planned

    def summary(self) -> dict[str, object]:
        """A JSON-ready summary for the log."""
        return {
            "utc_day": self.day.isoformat(),
            "objects_read": self.objects_read,
            "rows_written": self.rows_written,
            "objects_deleted": self.objects_deleted,
            "keys": list(self.keys),
            "chunks": self.chunks,
            "outcome": self.outcome,
        }


@dataclass(frozen=True)
class _Written:
    """One chunk compacted and uploaded, not yet committed: its inputs as read and its new file."""

    read: list[tuple[str, str]]  # (key, ETag) of each input read
    rows: int
    key: str | None  # None when no input could be read any more


class Compactor:
    """Compacts a tenant's settled UTC days (see the module doc)."""

    def __init__(
        self,
        lake: LakeRepository,
        maintenance: LakeMaintenanceRepository,
        suppression_generation: Callable[[str], int],
        *,
        workdir: Path | None = None,
        chunk_bytes: int = COMPACTION_CHUNK_BYTES,
        duckdb_config: Mapping[str, str] | None = None,
    ) -> None:
        if chunk_bytes < 1:
            raise ValueError(f"chunk_bytes must be positive, not {chunk_bytes}")
        self._lake = lake
        self._maintenance = maintenance
        self._generation = suppression_generation
        self._workdir = workdir
        self._chunk_bytes = chunk_bytes
        self._duckdb_config = dict(duckdb_config or {})

    def _inputs(self, tenant_id: str, day: date) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        landed = [
            (key, size)
            for key, size in self._maintenance.list_objects(partition_prefix(EVENTS_AREA, tenant_id, day))
            if key.endswith(".jsonl.gz") and not key.rsplit("/", 1)[-1].startswith(SURVEY_COPY_PREFIX)
        ]
        compacted = [
            (key, size)
            for key, size in self._maintenance.list_objects(compacted_prefix(tenant_id, day))
            if key.endswith(".parquet")
        ]
        return landed, compacted

    def compact(self, tenant_id: str, day: date) -> CompactionResult:
        """Compact one partition, chunk by chunk, when it has landed objects; nothing happens otherwise."""
        generation = self._generation(tenant_id)
        landed, compacted = self._inputs(tenant_id, day)
        if not landed:
            return CompactionResult(day, 0, 0, 0, (), "nothing to do")
        chunks = plan_chunks(landed, compacted, self._chunk_bytes)
        read = rows = deleted = 0
        keys: list[str] = []
        for chunk in chunks:
            written = self._write_chunk(tenant_id, day, chunk)
            read += len(written.read)
            if self._generation(tenant_id) != generation:
                if written.key is not None:
                    self._lake.delete(written.key)
                return CompactionResult(
                    day, read, rows, deleted, tuple(keys), "erasure ran meanwhile", len(chunks)
                )
            deleted += self._delete_inputs(written.read)
            if written.key is not None:
                keys.append(written.key)
                rows += written.rows
        return CompactionResult(day, read, rows, deleted, tuple(keys), "compacted", len(chunks))

    def _write_chunk(self, tenant_id: str, day: date, chunk: Sequence[str]) -> _Written:
        """Download a chunk's inputs, compact them into one file and upload it (not committed yet)."""
        with tempfile.TemporaryDirectory(prefix="compact-", dir=self._workdir) as tmp:
            folder = Path(tmp)
            read: list[tuple[str, str]] = []
            landed: list[Path] = []
            compacted: list[Path] = []
            for index, key in enumerate(chunk):
                obj = self._maintenance.read(key)
                if obj is None:
                    continue  # removed since it was listed (retention, erasure)
                is_parquet = key.endswith(".parquet")
                path = folder / f"{index:07d}{'.parquet' if is_parquet else '.jsonl.gz'}"
                path.write_bytes(obj.body)
                read.append((obj.key, obj.etag))
                del obj  # one object's body in memory at a time
                (compacted if is_parquet else landed).append(path)
            if not read:
                return _Written([], 0, None)
            target = folder / "compacted.parquet"
            rows = compact_files(landed, compacted, target, duckdb_config=self._duckdb_config)
            stamp = int(datetime.now(UTC).timestamp() * 1000)
            new_key = compacted_key(tenant_id, day, stamp, uuid.uuid4().hex[:8])
            self._lake.put_bytes(new_key, target.read_bytes(), content_type="application/vnd.apache.parquet")
        return _Written(read, rows, new_key)

    def _delete_inputs(self, read: Sequence[tuple[str, str]]) -> int:
        deleted = 0
        for key, etag in read:
            try:
                deleted += int(self._maintenance.delete_if_unchanged(key, etag))
            except ObjectChangedError:
                continue  # rewritten since it was read: it stays, and is read beside the new files
        return deleted
