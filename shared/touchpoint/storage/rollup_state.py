"""Which tenant-days are rolled up, and which became dirty because late events arrived.

Items in the state table: `pk=TENANT#<t>, sk=DAY#<YYYY-MM-DD>` with `status` `running`, `done` or
`dirty`, the `run_id` whose results are current (readers show only that run's metric items) and
`dirtied_at`, the time of the latest dirty mark (the day's "dirty generation").
The rollup marks a day `done` after writing its results; ingest marks an already `done` day
`dirty` when an event for it arrives; the next scheduled run recomputes dirty days.

A rollup run calls `begin_run` before it reads the lake (a day never rolled up becomes `running`,
so a late event arriving during the first run marks it dirty too) and `finish_run` after writing
its results: that flips `run_id` to the new run and sets `done` only if no dirty mark arrived
since `begin_run`; otherwise the day stays `dirty` and the next run picks up the late events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from touchpoint.storage.batches import batch_get
from touchpoint.storage.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DONE = "done"
DIRTY = "dirty"
RUNNING = "running"


@dataclass(frozen=True)
class DayState:
    """The rollup state of one tenant-day."""

    day: date
    status: str
    run_id: str | None = None
    dirtied_at: str | None = None
    started_at: str | None = None
    rolled_up_at: str | None = None


@dataclass(frozen=True)
class FinishedRun:
    """What `finish_run` changed: the run it replaced and the day's status afterwards."""

    previous_run_id: str | None
    status: str


def _day_state(item: dict[str, Any]) -> DayState:
    return DayState(
        day=date.fromisoformat(str(item["sk"])[4:]),
        status=str(item.get("status", "")),
        run_id=item.get("run_id"),
        dirtied_at=item.get("dirtied_at"),
        started_at=item.get("started_at"),
        rolled_up_at=item.get("rolled_up_at"),
    )


class RollupStateRepository:
    """Done and dirty tenant-days."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    @staticmethod
    def _key(tenant_id: str, day: date) -> dict[str, str]:
        return {"pk": f"TENANT#{tenant_id}", "sk": f"DAY#{day.isoformat()}"}

    def mark_done(self, tenant_id: str, day: date, run_id: str) -> None:
        """Record that the day's results were written by run `run_id`."""
        self._db.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    **self._key(tenant_id, day),
                    "status": DONE,
                    "run_id": run_id,
                    "rolled_up_at": datetime.now(UTC).isoformat(),
                }
            ),
        )

    def mark_dirty_if_done(self, tenant_id: str, days: Iterable[date]) -> list[date]:
        """Mark each day that was rolled up (or is being) as dirty; returns the days that changed."""
        changed: list[date] = []
        for day in sorted(set(days)):
            try:
                self._db.update_item(
                    TableName=self._table,
                    Key=to_item(self._key(tenant_id, day)),
                    UpdateExpression="SET #s = :dirty, dirtied_at = :now",
                    ConditionExpression="#s IN (:done, :running)",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues=to_item(
                        {
                            ":dirty": DIRTY,
                            ":done": DONE,
                            ":running": RUNNING,
                            ":now": datetime.now(UTC).isoformat(),
                        }
                    ),
                )
                changed.append(day)
            except self._db.exceptions.ConditionalCheckFailedException:
                continue
        return changed

    def mark_dirty(self, tenant_id: str, days: Iterable[date]) -> list[date]:
        """Mark each day dirty whatever its state, also one never rolled up (a backfill, a re-run
        asked for): the dispatcher's next hour runs it; returns the days, oldest first."""
        marked = sorted(set(days))
        for day in marked:
            self._db.update_item(
                TableName=self._table,
                Key=to_item(self._key(tenant_id, day)),
                UpdateExpression="SET #s = :dirty, dirtied_at = :now",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=to_item({":dirty": DIRTY, ":now": datetime.now(UTC).isoformat()}),
            )
        return marked

    def states_between(self, tenant_id: str, first: date, last: date) -> list[DayState]:
        """The state of every day from `first` to `last` (inclusive) that has one, oldest first (one query)."""
        paginator = self._db.get_paginator("query")
        states: list[DayState] = []
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :p AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues=to_item(
                {
                    ":p": f"TENANT#{tenant_id}",
                    ":first": f"DAY#{first.isoformat()}",
                    ":last": f"DAY#{last.isoformat()}",
                }
            ),
        ):
            states.extend(_day_state(from_item(i)) for i in page.get("Items", []))
        return sorted(states, key=lambda s: s.day)

    def rolled_up_days(self, tenant_id: str, first: date, last: date) -> list[date]:
        """The days from `first` to `last` (inclusive) that have a state item (one query)."""
        paginator = self._db.get_paginator("query")
        days: list[date] = []
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :p AND sk BETWEEN :first AND :last",
            ProjectionExpression="sk",
            ExpressionAttributeValues=to_item(
                {
                    ":p": f"TENANT#{tenant_id}",
                    ":first": f"DAY#{first.isoformat()}",
                    ":last": f"DAY#{last.isoformat()}",
                }
            ),
        ):
            days.extend(date.fromisoformat(str(from_item(i)["sk"])[4:]) for i in page.get("Items", []))
        return sorted(days)

    def status(self, tenant_id: str, day: date) -> str | None:
        """`done`, `dirty` or None (never rolled up)."""
        response = self._db.get_item(
            TableName=self._table, Key=to_item(self._key(tenant_id, day)), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else str(from_item(item)["status"])

    def dirty_days(self, tenant_id: str) -> list[date]:
        """The tenant's dirty days, oldest first."""
        paginator = self._db.get_paginator("query")
        days: list[date] = []
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :d)",
            FilterExpression="#s = :dirty",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=to_item({":p": f"TENANT#{tenant_id}", ":d": "DAY#", ":dirty": DIRTY}),
        ):
            days.extend(date.fromisoformat(from_item(i)["sk"][4:]) for i in page.get("Items", []))
        return sorted(days)

    def begin_run(self, tenant_id: str, day: date) -> DayState:
        """Note that a run starts (a day never rolled up becomes `running`); returns the state seen."""
        response = self._db.update_item(
            TableName=self._table,
            Key=to_item(self._key(tenant_id, day)),
            UpdateExpression="SET #s = if_not_exists(#s, :running), started_at = :now",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=to_item({":running": RUNNING, ":now": datetime.now(UTC).isoformat()}),
            ReturnValues="ALL_NEW",
        )
        return _day_state(from_item(response["Attributes"]))

    def finish_run(self, tenant_id: str, day: date, run_id: str, seen: DayState) -> FinishedRun:
        """Make `run_id` the day's current run: `done`, or still `dirty` if dirtied since `seen`."""
        now = datetime.now(UTC).isoformat()
        values: dict[str, Any] = {":r": run_id, ":now": now, ":done": DONE}
        if seen.dirtied_at is None:
            condition = "attribute_not_exists(dirtied_at)"
        else:
            condition = "dirtied_at = :seen"
            values[":seen"] = seen.dirtied_at
        key = to_item(self._key(tenant_id, day))
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET run_id = :r, rolled_up_at = :now, #s = :done",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_OLD",
            )
            status = DONE
        except self._db.exceptions.ConditionalCheckFailedException:
            # Late events arrived during the run: flip to the new results, keep the day dirty.
            response = self._db.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET run_id = :r, rolled_up_at = :now",
                ExpressionAttributeValues=to_item({":r": run_id, ":now": now}),
                ReturnValues="ALL_OLD",
            )
            status = DIRTY
        old = from_item(response.get("Attributes", {}))
        previous = old.get("run_id")
        return FinishedRun(previous_run_id=None if previous == run_id else previous, status=status)

    def day_state(self, tenant_id: str, day: date) -> DayState | None:
        """The full state of one day, or None (never rolled up)."""
        response = self._db.get_item(
            TableName=self._table, Key=to_item(self._key(tenant_id, day)), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else _day_state(from_item(item))

    def days_to_recompute(self, tenant_id: str, stale_before: datetime) -> list[DayState]:
        """Dirty days, and `running` days whose run started before `stale_before` (it crashed)."""
        paginator = self._db.get_paginator("query")
        states: list[DayState] = []
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :d)",
            FilterExpression="#s = :dirty OR (#s = :running AND started_at < :stale)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=to_item(
                {
                    ":p": f"TENANT#{tenant_id}",
                    ":d": "DAY#",
                    ":dirty": DIRTY,
                    ":running": RUNNING,
                    ":stale": stale_before.astimezone(UTC).isoformat(),
                }
            ),
        ):
            states.extend(_day_state(from_item(i)) for i in page.get("Items", []))
        return sorted(states, key=lambda s: s.day)

    def current_runs(self, tenant_id: str, days: Iterable[date]) -> dict[date, str]:
        """The current `run_id` of each of the days that has one (strongly consistent)."""
        wanted = sorted(set(days))
        runs: dict[date, str] = {}
        keys = [to_item(self._key(tenant_id, d)) for d in wanted]
        for raw in batch_get(self._db, self._table, keys, projection="sk, run_id"):
            item = from_item(raw)
            if item.get("run_id"):
                runs[date.fromisoformat(str(item["sk"])[4:])] = str(item["run_id"])
        return runs
