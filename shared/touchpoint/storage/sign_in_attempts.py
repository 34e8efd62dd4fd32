"""Failed sign-ins per e-mail in fixed 15-minute windows (state table), to slow down password guessing.

Item: `pk=SIGNIN#<sha256 of the e-mail>, sk=W#<window start, epoch s>` with the count `n` and
`expires_at` (TTL, a day later). The e-mail itself is not stored.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from touchpoint.storage.dynamo import to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

WINDOW_S = 15 * 60
#: Failed sign-ins of one e-mail per window before further attempts are refused until it ends.
MAX_FAILURES = 5


def _key(email: str, window: int) -> dict[str, Any]:
    digest = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()
    return to_item({"pk": f"SIGNIN#{digest}", "sk": f"W#{window}"})


class SignInAttempts:
    """Counts failed sign-ins per e-mail and says when an e-mail must wait."""

    def __init__(self, dynamodb: DynamoDBClient, table: str, clock: Callable[[], float] = time.time) -> None:
        self._db = dynamodb
        self._table = table
        self._clock = clock

    def _window(self) -> int:
        now = int(self._clock())
        return now - now % WINDOW_S

    def blocked(self, email: str) -> bool:
        """True when the e-mail has used up its failures in this window."""
        item = self._db.get_item(TableName=self._table, Key=_key(email, self._window()), ConsistentRead=True)
        count = item.get("Item", {}).get("n", {}).get("N")
        return count is not None and int(count) >= MAX_FAILURES

    def failed(self, email: str) -> int:
        """Count one failure; the window's count after it."""
        window = self._window()
        answer = self._db.update_item(
            TableName=self._table,
            Key=_key(email, window),
            UpdateExpression="ADD #n :one SET expires_at = if_not_exists(expires_at, :exp)",
            ExpressionAttributeNames={"#n": "n"},
            ExpressionAttributeValues=to_item({":one": 1, ":exp": window + WINDOW_S + 86400}),
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["n"]["N"])
