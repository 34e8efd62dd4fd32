"""moto's DynamoDB backend is not thread-safe; the local stack serves requests from threads.

`transact_write_items` deep-copies the whole table (to roll back on a failed condition) while
other request threads may write to it, which fails with "dictionary changed size during
iteration" (a 500 that the SDK retries, and a traceback in the `touchpoint dev` console). The
local stack therefore runs moto's DynamoDB writes one at a time (reads stay concurrent). Only
the local stack does this; tests with `mock_aws` and real AWS are unaffected.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

#: Backend methods that change a table (batch writes go through put_item/delete_item).
WRITE_METHODS: tuple[str, ...] = ("put_item", "update_item", "delete_item", "transact_write_items")

_LOCK = threading.RLock()
_PATCHED_ATTRIBUTE = "__touchpoint_serialized__"


def _serialized(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    setattr(locked, _PATCHED_ATTRIBUTE, True)
    return locked


def serialize_dynamodb_writes() -> None:
    """Make moto's DynamoDB writes run one at a time in this process (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend

    for name in WRITE_METHODS:
        method = getattr(DynamoDBBackend, name)
        if not getattr(method, _PATCHED_ATTRIBUTE, False):
            setattr(DynamoDBBackend, name, _serialized(method))
