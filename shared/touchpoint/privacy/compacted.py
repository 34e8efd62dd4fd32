"""A person's rows in a compacted event file (`touchpoint.rollup.compaction`), found and erased.

The same rules as for JSON lines (`touchpoint.privacy.records.verdict`), on the file's id columns:
a row *belongs* to the person when its `user_id` or `previous_id` is one of their ids, or its
`anonymous_id` is and it has no (non-empty) `user_id`: it is removed. A row that only *mentions*
them (their `anonymous_id`, someone else's `user_id`) stays, without the `anonymousId` (column
and JSON line). The rest of the file is rewritten unchanged, in the compaction's order, so a
second erasure changes nothing.

DuckDB is imported on first use: the functions that scan the lake (surveys, rollup) ship it.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from touchpoint.rollup.compaction import COMPACTED_COLUMNS, COMPACTED_COPY_OPTIONS, COMPACTED_ORDER
from touchpoint.sql_text import sql_path

# coalesce: an absent id (NULL) never matches, and NOT of a match stays true or false
_OWNED = (
    "coalesce(user_id IN (SELECT id FROM ids) OR previous_id IN (SELECT id FROM ids) "
    "OR (anonymous_id IN (SELECT id FROM ids) AND coalesce(user_id, '') = ''), false)"
)
_MENTION = f"coalesce(anonymous_id IN (SELECT id FROM ids) AND NOT {_OWNED}, false)"  # noqa: S608 - constants


@dataclass
class CompactedMatch:
    """The person's rows of one compacted file and, when erasing, the file without them."""

    removed: list[dict[str, Any]] = field(default_factory=list)
    scrubbed: int = 0
    kept: int = 0
    body: bytes | None = None

    @property
    def changed(self) -> bool:
        """True when a row was removed or scrubbed."""
        return bool(self.removed or self.scrubbed)


def match_compacted(body: bytes, ids: frozenset[str], *, erase: bool) -> CompactedMatch:
    """The person's rows of a compacted file (`body`); with `erase`, the rewritten file too."""
    import duckdb

    match = CompactedMatch()
    with tempfile.TemporaryDirectory(prefix="erase-") as tmp:
        source, target = Path(tmp) / "in.parquet", Path(tmp) / "out.parquet"
        source.write_bytes(body)
        con = duckdb.connect(":memory:")
        try:
            con.execute("CREATE TABLE ids AS SELECT unnest($ids::VARCHAR[]) AS id", {"ids": sorted(ids)})
            con.execute("CREATE TABLE t AS SELECT * FROM read_parquet($f)", {"f": str(source)})
            owned = con.execute(f"SELECT record FROM t WHERE {_OWNED} ORDER BY ts, message_id").fetchall()  # noqa: S608
            match.removed = [json.loads(record) for (record,) in owned]
            count_sql = f"SELECT count(*) FILTER ({_MENTION}), count(*) FILTER (NOT {_OWNED}) FROM t"  # noqa: S608
            counts = con.execute(count_sql).fetchone()
            match.scrubbed, match.kept = (int(counts[0]), int(counts[1])) if counts else (0, 0)
            if erase and match.changed and match.kept:
                columns = [
                    f"CASE WHEN {_MENTION} THEN NULL ELSE anonymous_id END AS anonymous_id"
                    if c == "anonymous_id"
                    else f"""CASE WHEN {_MENTION} THEN json_merge_patch(record, '{{"anonymousId":null}}')::VARCHAR
                        ELSE record END AS record"""
                    if c == "record"
                    else c
                    for c in COMPACTED_COLUMNS
                ]
                con.execute(
                    f"COPY (SELECT {', '.join(columns)} FROM t WHERE NOT {_OWNED} "  # noqa: S608
                    f"ORDER BY {COMPACTED_ORDER}) TO {sql_path(target)} {COMPACTED_COPY_OPTIONS}"
                )
                match.body = target.read_bytes()
        finally:
            con.close()
    return match
