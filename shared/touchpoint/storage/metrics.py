"""Daily metric results in the metrics table, replaced atomically one tenant-day at a time.

Items:
- `pk=TENANT#<t>#METRIC#<metric>, sk=<YYYY-MM-DD>#<run_id>#<breakdown key>`: one value, with
  `metric`, `date`, `run_id`, `value` (absent when the metric has no value), `breakdown` (map)
  and `extra` (map). A tenant's metric over a date range is one query.
- `pk=TENANT#<t>#RUNS, sk=<YYYY-MM-DD>#<run_id>#<part>`: the run's manifest (the keys of every item
  it writes, in parts of at most about 200 KB, and when it started), written before its values,
  so that any run, even a crashed one, can be found and removed without searching for its items.

A run writes all its items under a new `run_id`, then the rollup flips the day's pointer in the
state table (`RollupStateRepository.finish_run`), then removes the previous run. Readers keep
only the items of each day's current run, so a run that crashes half way leaves the previous
results readable and a re-run never counts twice.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from touchpoint.models.metrics import MetricPoint
from touchpoint.storage.batches import BATCH_WRITE_LIMIT, batch_write, chunks
from touchpoint.storage.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from touchpoint.storage.rollup_state import RollupStateRepository

_MANIFEST_PART_BYTES = 200_000  # DynamoDB items hold 400 KB
#: Concurrent batch writes and queries (boto3's default connection pool holds 10 connections).
DEFAULT_WORKERS = 8
_MAX_BREAKDOWN_KEY = 400  # sort keys may hold 1 KB; longer breakdown keys are hashed
_RUN_TIME_FORMAT = "%Y%m%dT%H%M%S"


def new_run_id(now: datetime | None = None) -> str:
    """A fresh run id: its UTC start time (sortable) and a random suffix, e.g. `20261123T020000-9f2c41ab`."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment.strftime(_RUN_TIME_FORMAT)}-{secrets.token_hex(4)}"


def run_started_at(run_id: str) -> datetime | None:
    """The start time encoded in a run id (None for a run id of another shape)."""
    try:
        return datetime.strptime(run_id.split("-", 1)[0], _RUN_TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def storage_breakdown_key(point: MetricPoint) -> str:
    """The breakdown part of a sort key (`-` for the total; hashed when very long)."""
    key = point.breakdown_key
    if len(key) > _MAX_BREAKDOWN_KEY:
        return "sha256=" + hashlib.sha256(key.encode("utf-8")).hexdigest()
    return key


@dataclass(frozen=True)
class StoredPoint:
    """One metric value as read back: the point and the run that wrote it."""

    metric: str
    day: date
    value: float | None
    breakdown: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    run_id: str = ""


@dataclass(frozen=True)
class RunManifest:
    """What a run wrote for a tenant-day: `(metric, breakdown key)` of every item."""

    day: date
    run_id: str
    keys: tuple[tuple[str, str], ...]
    started_at: datetime | None
    parts: int = 1


class DuplicatePointError(ValueError):
    """The engine returned two points of one metric with the same breakdown."""


class MetricsRepository:
    """Write a tenant-day's results under a run id, read the current results, remove old runs."""

    def __init__(
        self,
        dynamodb: DynamoDBClient,
        table: str,
        state: RollupStateRepository,
        max_workers: int = DEFAULT_WORKERS,
    ) -> None:
        self._db = dynamodb
        self._table = table
        self._state = state
        self._workers = max_workers

    @staticmethod
    def _metric_pk(tenant_id: str, metric: str) -> str:
        return f"TENANT#{tenant_id}#METRIC#{metric}"

    @staticmethod
    def _runs_pk(tenant_id: str) -> str:
        return f"TENANT#{tenant_id}#RUNS"

    def put_run(self, tenant_id: str, day: date, run_id: str, points: Sequence[MetricPoint]) -> int:
        """Write the manifest, then every point of day `day` under `run_id`; returns the item count.

        Raises DuplicatePointError (before writing anything) when two points share a metric and
        breakdown, and ValueError when a point is not for `day`.
        """
        items: list[dict[str, Any]] = []
        keys: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for point in points:
            if point.date != day:
                raise ValueError(f"point {point.metric} is for {point.date}, not {day}")
            bk = storage_breakdown_key(point)
            if (point.metric, bk) in seen:
                raise DuplicatePointError(f"metric {point.metric} has two points for breakdown {bk}")
            seen.add((point.metric, bk))
            keys.append((point.metric, bk))
            items.append(
                {
                    "pk": self._metric_pk(tenant_id, point.metric),
                    "sk": f"{day.isoformat()}#{run_id}#{bk}",
                    "metric": point.metric,
                    "date": day.isoformat(),
                    "run_id": run_id,
                    "value": point.value,
                    "breakdown": dict(point.breakdown),
                    "extra": dict(point.extra),
                }
            )
        self._put_manifest(tenant_id, day, run_id, keys)
        self._write_batches([{"PutRequest": {"Item": to_item(item)}} for item in items])
        return len(items)

    def _put_manifest(self, tenant_id: str, day: date, run_id: str, keys: list[tuple[str, str]]) -> None:
        parts: list[list[str]] = [[]]
        size = 0
        for metric, bk in keys:
            entry = f"{metric}\t{bk}"
            if parts[-1] and size + len(entry) > _MANIFEST_PART_BYTES:
                parts.append([])
                size = 0
            parts[-1].append(entry)
            size += len(entry) + 3
        started = datetime.now(UTC).isoformat()
        requests = [
            {
                "PutRequest": {
                    "Item": to_item(
                        {
                            "pk": self._runs_pk(tenant_id),
                            "sk": f"{day.isoformat()}#{run_id}#{n:04d}",
                            "run_id": run_id,
                            "date": day.isoformat(),
                            "keys": entries,
                            "parts": len(parts),
                            "started_at": started,
                        }
                    )
                }
            }
            for n, entries in enumerate(parts)
        ]
        self._write_batches(requests)

    def read(self, tenant_id: str, metric: str, first: date, last: date) -> list[StoredPoint]:
        """The current values of a metric from `first` to `last` (inclusive), every breakdown."""
        paginator = self._db.get_paginator("query")
        candidates: list[StoredPoint] = []
        # The query comes before the pointer read: whichever run the pointer names, its items were
        # all written before the pointer moved to it, so they are in this (consistent) result.
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
            ExpressionAttributeValues=to_item(
                {
                    ":p": self._metric_pk(tenant_id, metric),
                    ":a": first.isoformat(),
                    ":b": (last + timedelta(days=1)).isoformat(),
                }
            ),
            ConsistentRead=True,
        ):
            candidates.extend(_stored_point(from_item(i)) for i in page.get("Items", []))
        if not candidates:
            return []
        current = self._state.current_runs(tenant_id, {p.day for p in candidates})
        return [p for p in candidates if current.get(p.day) == p.run_id]

    def manifests(self, tenant_id: str, day: date) -> list[RunManifest]:
        """Every run that wrote (or began writing) results for the tenant-day."""
        by_run: dict[str, list[dict[str, Any]]] = {}
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :d)",
            ExpressionAttributeValues=to_item({":p": self._runs_pk(tenant_id), ":d": f"{day.isoformat()}#"}),
            ConsistentRead=True,
        ):
            for raw in page.get("Items", []):
                item = from_item(raw)
                by_run.setdefault(str(item["run_id"]), []).append(item)
        manifests: list[RunManifest] = []
        for run_id, parts in sorted(by_run.items()):
            started = parts[0].get("started_at")
            keys = tuple(
                (metric, bk)
                for part in parts
                for metric, _, bk in (str(e).partition("\t") for e in part.get("keys", []))
            )
            manifests.append(
                RunManifest(
                    day=day,
                    run_id=run_id,
                    keys=keys,
                    started_at=datetime.fromisoformat(started) if isinstance(started, str) else None,
                    parts=len(parts),
                )
            )
        return manifests

    def delete_run(self, tenant_id: str, manifest: RunManifest) -> int:
        """Delete a run's items of its day, then its manifest; returns the items deleted."""
        prefix = f"{manifest.day.isoformat()}#{manifest.run_id}#"
        requests: list[dict[str, Any]] = [
            {"DeleteRequest": {"Key": to_item({"pk": self._metric_pk(tenant_id, metric), "sk": prefix + bk})}}
            for metric, bk in manifest.keys
        ]
        self._write_batches(requests)
        parts = [
            {"DeleteRequest": {"Key": to_item({"pk": self._runs_pk(tenant_id), "sk": f"{prefix}{n:04d}"})}}
            for n in range(manifest.parts)
        ]
        self._write_batches(parts)
        return len(requests)

    def remove_replaced_runs(
        self,
        tenant_id: str,
        day: date,
        current_run_id: str,
        previous_run_id: str | None,
        abandoned_after: timedelta,
    ) -> list[str]:
        """Delete the previous run and runs abandoned long ago (crashed); returns their ids.

        A run that is neither current nor previous may still be writing (a concurrent duplicate
        invocation), so it is only removed once it started more than `abandoned_after` ago.
        """
        now = datetime.now(UTC)
        removed: list[str] = []
        for manifest in self.manifests(tenant_id, day):
            if manifest.run_id == current_run_id:
                continue
            started = manifest.started_at or run_started_at(manifest.run_id)
            abandoned = started is not None and now - started > abandoned_after
            if manifest.run_id == previous_run_id or abandoned:
                self.delete_run(tenant_id, manifest)
                removed.append(manifest.run_id)
        return removed

    def _write_batches(self, requests: Sequence[dict[str, Any]]) -> None:
        """BatchWriteItem in chunks of 25, several at once; raises the first failure."""
        batches = chunks(requests, BATCH_WRITE_LIMIT)
        if len(batches) <= 1:
            for batch in batches:
                self._write_batch(batch)
            return
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="metrics-write") as pool:
            list(pool.map(self._write_batch, batches))

    def _write_batch(self, batch: list[dict[str, Any]]) -> None:
        batch_write(self._db, self._table, batch)


def _stored_point(item: dict[str, Any]) -> StoredPoint:
    value = item.get("value")
    return StoredPoint(
        metric=str(item["metric"]),
        day=date.fromisoformat(str(item["date"])),
        value=None if value is None else float(value),
        breakdown={str(k): str(v) for k, v in (item.get("breakdown") or {}).items()},
        extra=dict(item.get("extra") or {}),
        run_id=str(item["run_id"]),
    )
