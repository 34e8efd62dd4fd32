"""Per-tenant request rate limits: fixed one-second windows counted in the state table.

Item: `pk=TENANT#<t>#RATE, sk=S#<epoch second>` with the count `n` and `expires_at` (TTL, a
minute after the window) so old windows disappear by themselves. One conditional atomic update
per request both counts and checks: the update succeeds only while `n` is below the limit. One
item takes up to 1,000 writes a second, which bounds a single tenant's useful limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from touchpoint.storage.dynamo import to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

WINDOW_TTL_SECONDS = 60


class RateLimitRepository:
    """Counts requests per tenant and second."""

    def __init__(self, dynamodb: DynamoDBClient, table: str, clock: Callable[[], float] = time.time) -> None:
        self._db = dynamodb
        self._table = table
        self.clock = clock

    def hit(self, tenant_id: str, limit: int, now: float | None = None) -> bool:
        """Count one request in the tenant's current window; False (not counted) when it is full."""
        second = int(self.clock() if now is None else now)
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item({"pk": f"TENANT#{tenant_id}#RATE", "sk": f"S#{second}"}),
                UpdateExpression="ADD #n :one SET expires_at = if_not_exists(expires_at, :exp)",
                ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
                ExpressionAttributeNames={"#n": "n"},
                ExpressionAttributeValues=to_item(
                    {":one": 1, ":limit": limit, ":exp": second + WINDOW_TTL_SECONDS}
                ),
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True
