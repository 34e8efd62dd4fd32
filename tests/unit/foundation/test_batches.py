"""The one DynamoDB batch-write and batch-get helper: chunking, retries of unprocessed requests, giving up."""

from __future__ import annotations

from typing import Any

import pytest

from touchpoint.storage.batches import StorageIncompleteError, batch_get, batch_write


class ThrottlingDynamo:
    """Leaves the last `leave[call]` requests of a call unprocessed; stores and serves the rest."""

    def __init__(self, leave: list[int] | None = None) -> None:
        self.leave = leave or []
        self.write_calls: list[int] = []
        self.get_calls: list[dict[str, Any]] = []
        self.stored: list[dict[str, Any]] = []

    def _left(self, call: int) -> int:
        return self.leave[call] if call < len(self.leave) else 0

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:  # noqa: N803 - boto3 names
        [(table, requests)] = RequestItems.items()
        left = self._left(len(self.write_calls) + len(self.get_calls))
        self.write_calls.append(len(requests))
        done, pending = requests[: len(requests) - left], requests[len(requests) - left :]
        self.stored.extend(done)
        return {"UnprocessedItems": {table: pending} if pending else {}}

    def batch_get_item(self, RequestItems: dict[str, dict[str, Any]]) -> dict[str, Any]:  # noqa: N803 - boto3 names
        [(table, request)] = RequestItems.items()
        left = self._left(len(self.write_calls) + len(self.get_calls))
        self.get_calls.append(request)
        keys = request["Keys"]
        served, pending = keys[: len(keys) - left], keys[len(keys) - left :]
        unprocessed = {table: {**request, "Keys": pending}} if pending else {}
        return {
            "Responses": {table: [{**k, "v": {"S": "x"}} for k in served]},
            "UnprocessedKeys": unprocessed,
        }


def _puts(n: int) -> list[dict[str, Any]]:
    return [{"PutRequest": {"Item": {"pk": {"S": f"p{i}"}}}} for i in range(n)]


def test_writes_go_25_a_call_and_unprocessed_ones_are_sent_again_after_a_pause() -> None:
    db = ThrottlingDynamo(leave=[3, 1])
    pauses: list[float] = []
    batch_write(db, "t", _puts(30), sleep=pauses.append)  # type: ignore[arg-type]
    # 30 = 25 + 5; the first call leaves 3 (sent again, 1 left), then 1 again, then the last 5
    assert db.write_calls == [25, 3, 1, 5]
    assert pauses == [0.1, 0.2]
    assert sorted(r["PutRequest"]["Item"]["pk"]["S"] for r in db.stored) == sorted(f"p{i}" for i in range(30))


def test_writes_still_unprocessed_after_the_last_attempt_raise() -> None:
    db = ThrottlingDynamo(leave=[2] * 10)
    with pytest.raises(StorageIncompleteError, match="t: 2 writes left unprocessed after 4 attempts"):
        batch_write(db, "t", _puts(5), attempts=4, sleep=lambda _: None)  # type: ignore[arg-type]
    assert db.write_calls == [5, 2, 2, 2]
    assert len(db.stored) == 3  # what DynamoDB took is stored; the rest is reported


def test_gets_go_100_keys_a_call_keep_the_projection_and_retry_unprocessed_keys() -> None:
    db = ThrottlingDynamo(leave=[10])
    keys = [{"pk": {"S": f"k{i}"}} for i in range(150)]
    items = batch_get(db, "t", keys, projection="pk, v", sleep=lambda _: None)  # type: ignore[arg-type]
    assert [len(c["Keys"]) for c in db.get_calls] == [100, 10, 50]
    assert all(c["ConsistentRead"] and c["ProjectionExpression"] == "pk, v" for c in db.get_calls)
    assert sorted(i["pk"]["S"] for i in items) == sorted(f"k{i}" for i in range(150))


def test_gets_still_unprocessed_after_the_last_attempt_raise() -> None:
    db = ThrottlingDynamo(leave=[1] * 10)
    with pytest.raises(StorageIncompleteError, match="t: 1 keys left unread after 3 attempts"):
        batch_get(db, "t", [{"pk": {"S": "a"}}, {"pk": {"S": "b"}}], attempts=3, sleep=lambda _: None)  # type: ignore[arg-type]
