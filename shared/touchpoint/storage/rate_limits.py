"""Per-tenant request rate limits: fixed one-second windows counted in the state table.

Item: `pk=TENANT#<t>#RATE, sk=S#<epoch second>` with the count `n` and `expires_at` (TTL, a
minute after the window) so old windows disappear by themselves. A conditional atomic update
both counts and checks: it succeeds only while the window has room. `hit` counts one request;
`lease` claims several at once for a container that then admits them without another call
(`touchpoint` ingest's local lease), so the window's `n` counts every request admitted or leased
and never exceeds the limit. One item takes up to 1,000 writes a second; leases let a tenant's
limit go beyond that.
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

    def second(self, now: float | None = None) -> int:
        """The epoch second (window) of `now`, or of the repository's clock."""
        return int(self.clock() if now is None else now)

    def hit(self, tenant_id: str, limit: int, now: float | None = None) -> bool:
        """Count one request in the tenant's current window; False (not counted) when it is full."""
        return self._claim(tenant_id, limit, 1, self.second(now)) is not None

    def lease(self, tenant_id: str, limit: int, count: int, second: int) -> tuple[int, int]:
        """Claim up to `count` requests of window `second`: `(granted, window count after)`.

        Claims `count` when they all fit, otherwise one when one fits; `(0, limit)` when the
        window is full. `count` is capped at `limit`.
        """
        count = min(count, limit)
        if count > 1:
            after = self._claim(tenant_id, limit, count, second)
            if after is not None:
                return count, after
        after = self._claim(tenant_id, limit, 1, second)
        return (0, limit) if after is None else (1, after)

    def _claim(self, tenant_id: str, limit: int, count: int, second: int) -> int | None:
        """Add `count` to the window if the result stays within `limit`; the new count, or None."""
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=to_item({"pk": f"TENANT#{tenant_id}#RATE", "sk": f"S#{second}"}),
                UpdateExpression="ADD #n :count SET expires_at = if_not_exists(expires_at, :exp)",
                ConditionExpression="attribute_not_exists(#n) OR #n <= :room",
                ExpressionAttributeNames={"#n": "n"},
                ExpressionAttributeValues=to_item(
                    {":count": count, ":room": limit - count, ":exp": second + WINDOW_TTL_SECONDS}
                ),
                ReturnValues="UPDATED_NEW",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return None
        return int(response["Attributes"]["n"]["N"])
