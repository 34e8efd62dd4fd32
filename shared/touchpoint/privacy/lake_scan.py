"""The scan of a tenant's lake for one person: concurrent GETs, partition by partition.

There is no per-person index of the lake, so an erasure or an export reads every object of the
tenant's partitions: `raw/events/` (the events Firehose landed and the surveys' `Survey Responded`
events), `quarantine/events/`, `responses/` (response copies), `exports/responses/` (response
downloads) and `raw/compacted/` (compacted event files, read and rewritten with DuckDB:
`touchpoint.privacy.compacted`). The objects of a partition are read by a thread pool (8 at a time, below boto3's pool
of 10 connections); each is first searched as text for the quoted ids and parsed only when one
occurs. The cost is counted (partitions, objects listed and read, bytes read, objects rewritten
and deleted) and returned for the caller to log.

Erasing rewrites an object without the person's lines (`touchpoint.privacy.records`), keeping the
order and encoding of the other lines, so the new bytes are a pure function of the old bytes and
the ids, and a second erasure changes nothing. Every object is rewritten in place under its key,
with `If-Match` on the ETag it was read with (a concurrent rewrite is never undone: the object is
read again, up to 5 times); an object left without lines, and a response export naming the
person, is deleted (also `If-Match`). Keys stay as they are: ingest's and the quarantine's keys
name the content hash of the request as first received and are only compared when the same
request is retried (within minutes, long before an erasure); an erased person's retried events
are dropped by the suppression list before any key is computed. Objects are never duplicated.

A scan stops between two chunks of 64 objects when its deadline passes (or an export page is
full) and returns a cursor to continue from: the last partition or object done.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from touchpoint.privacy.compacted import match_compacted
from touchpoint.privacy.records import (
    Filtered,
    SearchTokens,
    export_mentions,
    filter_quarantine,
    filter_records,
)
from touchpoint.storage.lake import decode_jsonl_gz, encode_jsonl_gz
from touchpoint.storage.lake_layout import (
    COMPACTED_AREA,
    EVENTS_AREA,
    QUARANTINE_AREA,
    RESPONSE_EXPORTS_AREA,
    RESPONSES_AREA,
    partition_date,
    partition_prefix,
)
from touchpoint.storage.lake_maintenance import LakeMaintenanceRepository, ObjectChangedError, VersionedObject

EVENTS = "events"
QUARANTINE = "quarantine"
RESPONSES = "responses"
EXPORTS = "exports"
#: Lake areas in scan order: (kind, area prefix).
AREAS: tuple[tuple[str, str], ...] = (
    (EVENTS, EVENTS_AREA),
    (QUARANTINE, QUARANTINE_AREA),
    (RESPONSES, RESPONSES_AREA),
    (EXPORTS, RESPONSE_EXPORTS_AREA),
    # last, so that the cursors of scans begun before compaction existed still point where they did
    (EVENTS, COMPACTED_AREA),
)
ALL_KINDS: tuple[str, ...] = tuple(kind for kind, _ in AREAS)
#: boto3's default connection pool holds 10 connections; stay below it.
DEFAULT_WORKERS = 8
#: Objects read between two looks at the deadline (a few hundred milliseconds of work).
CHUNK = 64
_ATTEMPTS = 5
_NDJSON = "application/x-ndjson"


def encode_quarantine(records: Iterable[dict[str, Any]]) -> bytes:
    """Quarantine lines as the quarantine stores them: ASCII-escaped JSON lines, gzip, mtime 0."""
    lines = "".join(json.dumps(r, separators=(",", ":"), default=str) + "\n" for r in records)
    return gzip.compress(lines.encode("ascii"), compresslevel=6, mtime=0)


@dataclass
class ScanStats:
    """What a scan read and changed (the cost of not having a per-person index)."""

    partitions: int = 0
    objects_listed: int = 0
    objects_read: int = 0
    bytes_read: int = 0
    objects_matched: int = 0
    objects_rewritten: int = 0
    objects_deleted: int = 0
    events_removed: int = 0
    events_scrubbed: int = 0
    quarantine_lines_removed: int = 0
    response_copies_removed: int = 0
    response_copies_scrubbed: int = 0
    exports_removed: int = 0
    retries: int = 0

    def add(self, other: ScanStats) -> None:
        """Add another scan's counts to these."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def counts(self) -> dict[str, int]:
        """The counts by name."""
        return {f.name: int(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class FoundLine:
    """A line of the person found by an export scan."""

    kind: str
    key: str
    line: dict[str, Any]


@dataclass(frozen=True)
class ScrubbedResponse:
    """A response copy of someone else from which the person's anonymousId was removed."""

    survey_id: str
    response_id: str
    anonymous_id: str


@dataclass
class ScanResult:
    """The outcome of one scan call."""

    stats: ScanStats = field(default_factory=ScanStats)
    cursor: dict[str, Any] | None = None
    found: list[FoundLine] = field(default_factory=list)
    scrubbed_responses: list[ScrubbedResponse] = field(default_factory=list)
    changed_days: set[date] = field(default_factory=set)
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        """True when every partition was scanned."""
        return self.cursor is None


@dataclass
class _Outcome:
    stats: ScanStats = field(default_factory=ScanStats)
    found: list[FoundLine] = field(default_factory=list)
    scrubbed: list[ScrubbedResponse] = field(default_factory=list)
    changed: bool = False


class LakeScanner:
    """Finds (and, erasing, removes) a person's lines in a tenant's lake partitions."""

    def __init__(
        self,
        maintenance: LakeMaintenanceRepository,
        *,
        workers: int = DEFAULT_WORKERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lake = maintenance
        self._workers = workers
        self._clock = clock

    def scan(
        self,
        tenant_id: str,
        ids: frozenset[str],
        *,
        erase: bool,
        kinds: Sequence[str] = ALL_KINDS,
        cursor: Mapping[str, Any] | None = None,
        deadline: float | None = None,
        max_found: int | None = None,
        metadata: dict[str, str] | None = None,
        into: ScanResult | None = None,
    ) -> ScanResult:
        """Scan the areas of `kinds` from `cursor` on; see the module doc.

        A cursor is `{"area": <index into the scanned areas>, "after": <the last partition prefix
        or object key done>}`; objects are read in chunks of `CHUNK`, and the scan stops between
        chunks once the deadline passed (or `max_found` lines were found). Results go into `into`
        when given, so a caller still has what was done when the scan fails part way.
        """
        started = self._clock()
        result = into if into is not None else ScanResult()
        tokens = SearchTokens.of(ids)
        areas = [(kind, area) for kind, area in AREAS if kind in kinds]
        start_area = int(cursor["area"]) if cursor else 0
        resume = str(cursor["after"]) if cursor and cursor.get("after") else None

        def stop() -> bool:
            return (deadline is not None and self._clock() >= deadline) or (
                max_found is not None and len(result.found) >= max_found
            )

        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="privacy-scan") as pool:
            for index in range(start_area, len(areas)):
                kind, area = areas[index]
                done = resume if index == start_area else None
                for prefix in self._lake.list_partitions(partition_prefix(area, tenant_id)):
                    partial = done is not None and done.startswith(prefix) and done != prefix
                    if done is not None and not partial and prefix <= done:
                        continue  # finished before the cursor was taken
                    keys = [key for key, _ in self._lake.list_objects(prefix)]
                    if partial:
                        keys = [key for key in keys if done is not None and key > done]
                    result.stats.objects_listed += len(keys)
                    for first in range(0, len(keys), CHUNK):
                        if stop():
                            result.cursor = {"area": index, "after": done}
                            result.seconds = self._clock() - started
                            return result
                        chunk = keys[first : first + CHUNK]
                        self._scan_objects(pool, kind, prefix, chunk, ids, tokens, erase, metadata, result)
                        done = chunk[-1]
                    result.stats.partitions += 1
                    done = prefix
        result.seconds = self._clock() - started
        return result

    def _scan_objects(
        self,
        pool: ThreadPoolExecutor,
        kind: str,
        prefix: str,
        keys: list[str],
        ids: frozenset[str],
        tokens: SearchTokens,
        erase: bool,
        metadata: dict[str, str] | None,
        result: ScanResult,
    ) -> None:
        outcomes = pool.map(lambda key: self._process(kind, key, ids, tokens, erase, metadata), keys)
        day = partition_date(prefix)
        for outcome in outcomes:
            result.stats.add(outcome.stats)
            result.found.extend(outcome.found)
            result.scrubbed_responses.extend(outcome.scrubbed)
            if outcome.changed and day is not None and kind in (EVENTS, RESPONSES):
                result.changed_days.add(day)

    def _process(
        self,
        kind: str,
        key: str,
        ids: frozenset[str],
        tokens: SearchTokens,
        erase: bool,
        metadata: dict[str, str] | None,
    ) -> _Outcome:
        retries = 0
        for _ in range(_ATTEMPTS):
            obj = self._lake.read(key)
            if obj is None:
                return _Outcome()  # deleted since it was listed
            try:
                outcome = self._handle(kind, obj, ids, tokens, erase, metadata)
            except ObjectChangedError:
                retries += 1
                continue
            outcome.stats.retries += retries
            return outcome
        raise RuntimeError(f"lake object {key} kept changing while it was being erased")

    def _handle(
        self,
        kind: str,
        obj: VersionedObject,
        ids: frozenset[str],
        tokens: SearchTokens,
        erase: bool,
        metadata: dict[str, str] | None,
    ) -> _Outcome:
        outcome = _Outcome()
        outcome.stats.objects_read = 1
        outcome.stats.bytes_read = len(obj.body)
        if kind == EXPORTS:
            return self._handle_export(obj, ids, tokens, erase, outcome)
        if obj.key.endswith(".parquet"):
            return self._handle_compacted(obj, ids, erase, metadata, outcome)
        records: list[dict[str, Any]] = []
        if kind == QUARANTINE:
            filtered = filter_quarantine(decode_jsonl_gz(obj.body), ids, tokens)
        else:
            text = gzip.decompress(obj.body).decode("utf-8")
            if not tokens.in_text(text):
                return outcome
            records = [json.loads(line) for line in text.split("\n") if line.strip()]
            filtered = filter_records(records, ids, null_scrubbed=kind == RESPONSES)
        if not filtered.changed:
            return outcome
        outcome.stats.objects_matched = 1
        outcome.found = [FoundLine(kind, obj.key, line) for line in filtered.removed]
        self._count(kind, filtered, outcome)
        if kind == RESPONSES and filtered.scrubbed:
            outcome.scrubbed = _scrubbed_responses(records, filtered)
        if erase:
            self._rewrite(kind, obj, filtered, metadata, outcome)
        return outcome

    @staticmethod
    def _count(kind: str, filtered: Filtered, outcome: _Outcome) -> None:
        stats = outcome.stats
        if kind == EVENTS:
            stats.events_removed = len(filtered.removed)
            stats.events_scrubbed = len(filtered.scrubbed)
        elif kind == RESPONSES:
            stats.response_copies_removed = len(filtered.removed)
            stats.response_copies_scrubbed = len(filtered.scrubbed)
        else:
            stats.quarantine_lines_removed = len(filtered.removed)

    def _rewrite(
        self,
        kind: str,
        obj: VersionedObject,
        filtered: Filtered,
        metadata: dict[str, str] | None,
        outcome: _Outcome,
    ) -> None:
        outcome.changed = True
        if not filtered.kept:
            if self._lake.delete_if_unchanged(obj.key, obj.etag):
                outcome.stats.objects_deleted = 1
            return
        body = encode_quarantine(filtered.kept) if kind == QUARANTINE else encode_jsonl_gz(filtered.kept)
        self._lake.replace(obj.key, body, obj.etag, content_type=_NDJSON, encoding="gzip", metadata=metadata)
        outcome.stats.objects_rewritten = 1

    def _handle_compacted(
        self,
        obj: VersionedObject,
        ids: frozenset[str],
        erase: bool,
        metadata: dict[str, str] | None,
        outcome: _Outcome,
    ) -> _Outcome:
        match = match_compacted(obj.body, ids, erase=erase)
        if not match.changed:
            return outcome
        outcome.stats.objects_matched = 1
        outcome.found = [FoundLine(EVENTS, obj.key, line) for line in match.removed]
        outcome.stats.events_removed = len(match.removed)
        outcome.stats.events_scrubbed = match.scrubbed
        if not erase:
            return outcome
        outcome.changed = True
        if match.body is None:  # nothing left
            if self._lake.delete_if_unchanged(obj.key, obj.etag):
                outcome.stats.objects_deleted = 1
            return outcome
        self._lake.replace(
            obj.key, match.body, obj.etag, content_type="application/vnd.apache.parquet", metadata=metadata
        )
        outcome.stats.objects_rewritten = 1
        return outcome

    def _handle_export(
        self, obj: VersionedObject, ids: frozenset[str], tokens: SearchTokens, erase: bool, outcome: _Outcome
    ) -> _Outcome:
        text = obj.body.decode("utf-8", errors="replace")
        if not export_mentions(text, ids, tokens, csv_format=obj.key.endswith(".csv")):
            return outcome
        outcome.stats.objects_matched = 1
        if erase and self._lake.delete_if_unchanged(obj.key, obj.etag):
            outcome.stats.objects_deleted = 1
            outcome.stats.exports_removed = 1
        return outcome


def _scrubbed_responses(records: list[dict[str, Any]], filtered: Filtered) -> list[ScrubbedResponse]:
    """The responses whose copies lost the person's anonymousId, with the id each one had."""
    originals = {str(r.get("responseId")): r.get("anonymousId") for r in records}
    found: list[ScrubbedResponse] = []
    for line in filtered.scrubbed:
        anonymous = originals.get(str(line.get("responseId")))
        if isinstance(anonymous, str) and line.get("surveyId") and line.get("responseId"):
            found.append(ScrubbedResponse(str(line["surveyId"]), str(line["responseId"]), anonymous))
    return found
