"""Which tenant-days are rolled up, and which became dirty because late events arrived.

Items in the state table: `pk=TENANT#<t>, sk=DAY#<YYYY-MM-DD>` with `status` `done` or `dirty`.
The rollup marks a day `done` after writing its results; ingest marks an already `done` day
`dirty` when an event for it arrives; the next scheduled run recomputes dirty days.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from touchpoint.storage.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DONE = "done"
DIRTY = "dirty"


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
        """Mark each day that was already rolled up as dirty; returns the days that changed."""
        changed: list[date] = []
        for day in sorted(set(days)):
            try:
                self._db.update_item(
                    TableName=self._table,
                    Key=to_item(self._key(tenant_id, day)),
                    UpdateExpression="SET #s = :dirty, dirtied_at = :now",
                    ConditionExpression="#s = :done",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues=to_item(
                        {":dirty": DIRTY, ":done": DONE, ":now": datetime.now(UTC).isoformat()}
                    ),
                )
                changed.append(day)
            except self._db.exceptions.ConditionalCheckFailedException:
                continue
        return changed

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
