"""Compaction: a tenant's UTC day of landed events rewritten into one sorted, deduplicated Parquet file.

Firehose lands a tenant-day as up to a few thousand gzip JSON-lines objects under
`raw/events/tenant=<t>/dt=<UTC day>/`. Once the day is settled (`SETTLED_AFTER` past its end:
Firehose flushes a buffer within 15 minutes), `Compactor.compact` reads them, and the compacted
file(s) already there when late events landed after an earlier compaction, keeps one line per
`messageId` (the earliest received, then the earliest time, then the line's text: the choice the
engine makes), sorts by event time and writes
`raw/compacted/tenant=<t>/dt=<UTC day>/events-<ms>-<hex>.parquet` (zstd) with the columns
`COMPACTED_COLUMNS`: the ids the readers and erasure filter on, the times, and `record`, the
event's JSON line exactly as landed. Then it deletes what it consumed, each object only if its
ETag is unchanged. The surveys' `survey-<responseId>.jsonl.gz` copies are left alone: the
surveys function rewrites them in place when a partial response is completed.

Erasure: the erasure suppression list's generation is read before the inputs and again after
the new file is written. If it moved, an erasure ran meanwhile and may have scrubbed an input
after it was read: the new file is deleted again and the inputs stay (the next run compacts
them). If it did not move, any later erasure starts its lake scan after the new file exists and
scrubs it (`touchpoint.privacy.compacted`). Two compactions of one partition at once leave
duplicate rows at worst, which every reader counts once and the next compaction merges.

Readers (`touchpoint.rollup.inputs`, the lake scan, Athena's `events` table) read compacted files
and any landed objects beside them.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
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


def compact_files(landed: list[Path], compacted: list[Path], target: Path) -> int:
    """Write the distinct events of the landed JSON-lines files and earlier compacted files to `target`.

    Returns the number of rows written.
    """
    import duckdb  # only the rollup function and the CLI ship DuckDB

    parts = []
    if landed:
        parts.append(_ROWS_FROM_LINES)
    if compacted:
        parts.append(f"SELECT {', '.join(COMPACTED_COLUMNS)} FROM read_parquet($compacted)")  # noqa: S608 - constants
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET preserve_insertion_order = false")
        params = {"landed": [str(p) for p in landed], "compacted": [str(p) for p in compacted]}
        params = {k: v for k, v in params.items() if v}
        con.execute(_COMPACT.format(rows=" UNION ALL ".join(parts), target=sql_path(target)), params)
        count = con.execute("SELECT count(*) FROM read_parquet($t)", {"t": str(target)}).fetchone()
    finally:
        con.close()
    return int(count[0]) if count else 0


@dataclass(frozen=True)
class CompactionResult:
    """What one compaction of a partition did."""

    day: date
    objects_read: int
    rows_written: int
    objects_deleted: int
    key: str | None
    outcome: str  # "compacted", "nothing to do", "erasure ran meanwhile"

    def summary(self) -> dict[str, object]:
        """A JSON-ready summary for the log."""
        return {
            "utc_day": self.day.isoformat(),
            "objects_read": self.objects_read,
            "rows_written": self.rows_written,
            "objects_deleted": self.objects_deleted,
            "key": self.key,
            "outcome": self.outcome,
        }


class Compactor:
    """Compacts a tenant's settled UTC days (see the module doc)."""

    def __init__(
        self,
        lake: LakeRepository,
        maintenance: LakeMaintenanceRepository,
        suppression_generation: Callable[[str], int],
        *,
        workdir: Path | None = None,
    ) -> None:
        self._lake = lake
        self._maintenance = maintenance
        self._generation = suppression_generation
        self._workdir = workdir

    def _inputs(self, tenant_id: str, day: date) -> tuple[list[str], list[str]]:
        landed = [
            key
            for key, _ in self._maintenance.list_objects(partition_prefix(EVENTS_AREA, tenant_id, day))
            if key.endswith(".jsonl.gz") and not key.rsplit("/", 1)[-1].startswith(SURVEY_COPY_PREFIX)
        ]
        compacted = [
            key
            for key, _ in self._maintenance.list_objects(compacted_prefix(tenant_id, day))
            if key.endswith(".parquet")
        ]
        return landed, compacted

    def compact(self, tenant_id: str, day: date) -> CompactionResult:
        """Compact one partition when it has landed objects; nothing happens otherwise."""
        generation = self._generation(tenant_id)
        landed_keys, compacted_keys = self._inputs(tenant_id, day)
        if not landed_keys:
            return CompactionResult(day, 0, 0, 0, None, "nothing to do")
        with tempfile.TemporaryDirectory(prefix="compact-", dir=self._workdir) as tmp:
            folder = Path(tmp)
            read = []
            for index, key in enumerate(landed_keys + compacted_keys):
                obj = self._maintenance.read(key)
                if obj is None:
                    continue  # removed since it was listed (retention, erasure)
                suffix = ".parquet" if key.endswith(".parquet") else ".jsonl.gz"
                path = folder / f"{index:07d}{suffix}"
                path.write_bytes(obj.body)
                read.append((obj.key, obj.etag, path))
            target = folder / "compacted.parquet"
            rows = compact_files(
                [p for _, _, p in read if p.suffix == ".gz"],
                [p for _, _, p in read if p.suffix == ".parquet"],
                target,
            )
            stamp = int(datetime.now(UTC).timestamp() * 1000)
            key = compacted_key(tenant_id, day, stamp, uuid.uuid4().hex[:8])
            self._lake.put_bytes(key, target.read_bytes(), content_type="application/vnd.apache.parquet")
        if self._generation(tenant_id) != generation:
            self._lake.delete(key)
            return CompactionResult(day, len(read), 0, 0, None, "erasure ran meanwhile")
        deleted = 0
        for old_key, etag, _ in read:
            try:
                deleted += int(self._maintenance.delete_if_unchanged(old_key, etag))
            except ObjectChangedError:
                continue  # rewritten since it was read: it stays, and is read beside the new file
        return CompactionResult(day, len(read), rows, deleted, key, "compacted")
