"""DynamoDB batch writes and reads, retried until DynamoDB has processed every request.

`BatchWriteItem` takes 25 requests and `BatchGetItem` 100 keys a call; under throttling either
answers with what it left unprocessed, which is sent again after a short, growing pause. Whatever
is still unprocessed after the last attempt raises StorageIncompleteError.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BATCH_WRITE_LIMIT = 25
BATCH_GET_LIMIT = 100
ATTEMPTS = 8


class StorageIncompleteError(RuntimeError):
    """DynamoDB left keys or items unprocessed after every retry (throttling)."""


def retry_pause(attempt: int) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, ...): 0.1, 0.2, 0.4 ... at most 2."""
    return min(2.0, 0.05 * 2.0**attempt)


def chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    """`items` in consecutive lists of at most `size`."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def batch_write(
    db: DynamoDBClient,
    table: str,
    requests: Sequence[dict[str, Any]],
    *,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Send `PutRequest`/`DeleteRequest`s to `table`, 25 a call, until every one is processed."""
    for chunk in chunks(requests, BATCH_WRITE_LIMIT):
        pending: list[Any] = chunk
        for attempt in range(attempts):
            if attempt:
                sleep(retry_pause(attempt))
            response = db.batch_write_item(RequestItems={table: pending})
            pending = list(response.get("UnprocessedItems", {}).get(table, []))
            if not pending:
                break
        else:
            raise StorageIncompleteError(
                f"{table}: {len(pending)} writes left unprocessed after {attempts} attempts"
            )


def batch_get(
    db: DynamoDBClient,
    table: str,
    keys: Sequence[dict[str, Any]],
    *,
    projection: str | None = None,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict[str, Any]]:
    """The items of `keys` (DynamoDB-typed, strongly consistent, any order), 100 keys a call."""
    items: list[dict[str, Any]] = []
    for chunk in chunks(keys, BATCH_GET_LIMIT):
        request: dict[str, Any] = {"Keys": chunk, "ConsistentRead": True}
        if projection is not None:
            request["ProjectionExpression"] = projection
        for attempt in range(attempts):
            if attempt:
                sleep(retry_pause(attempt))
            response = db.batch_get_item(RequestItems={table: request})  # type: ignore[dict-item]
            items.extend(response.get("Responses", {}).get(table, []))
            unprocessed = dict(response.get("UnprocessedKeys") or {}).get(table)
            if not unprocessed or not unprocessed.get("Keys"):
                break
            request = dict(unprocessed)
        else:
            raise StorageIncompleteError(
                f"{table}: {len(request['Keys'])} keys left unread after {attempts} attempts"
            )
    return items
