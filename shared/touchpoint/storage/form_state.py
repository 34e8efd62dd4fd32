"""Abuse-protection state of the public feedback form, in the state table.

- Fixed-window rate limits: `pk=FORMRATE#<scope>#<key>, sk=W#<window start>` with an atomic
  counter `n` that only grows while it is below the limit (a conditional update), and
  `expires_at` (TTL) shortly after the window ends.
- Single-use form nonces: `pk=FORMNONCE#<tenant>, sk=<nonce>`, written once with a conditional
  put when a form is submitted, so the same form cannot be submitted twice; `expires_at` is when
  the form token would have expired anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from touchpoint.storage.dynamo import to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class FormStateRepository:
    """Rate-limit windows and form nonces of the feedback form."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def hit(self, scope: str, key: str, window_start: int, limit: int, expires_at: int) -> bool:
        """Count one request in the window; False (and nothing counted) once `limit` is reached."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item({"pk": f"FORMRATE#{scope}#{key}", "sk": f"W#{window_start}"}),
                UpdateExpression="ADD n :one SET expires_at = if_not_exists(expires_at, :exp)",
                ConditionExpression="attribute_not_exists(n) OR n < :limit",
                ExpressionAttributeValues=to_item({":one": 1, ":limit": limit, ":exp": expires_at}),
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def consume_nonce(self, tenant_id: str, nonce: str, expires_at: int, *, used_at: int) -> bool:
        """Mark a form nonce used; False when it was used before (a double submit)."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(
                    {
                        "pk": f"FORMNONCE#{tenant_id}",
                        "sk": nonce,
                        "used_at": used_at,
                        "expires_at": expires_at,
                    }
                ),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release_nonce(self, tenant_id: str, nonce: str) -> None:
        """Forget a consumed nonce (the submission failed on our side, so it may be retried)."""
        self._db.delete_item(
            TableName=self._table, Key=to_item({"pk": f"FORMNONCE#{tenant_id}", "sk": nonce})
        )
