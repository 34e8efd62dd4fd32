"""Notification rules (config table), per-answer deliveries and digest state (state table).

Items:
- config: `pk=TENANT#<t>, sk=NOTIFYRULE#<rule>`: one rule, with its webhook secret.
- state: `pk=TENANT#<t>, sk=NOTIFY#<answered at, UTC ISO>#<delivery>`: one delivery, created once
  (conditional put) so a retried finish of the same answer never notifies twice; it keeps every
  attempt, the last error and the next retry. Expires after DELIVERY_DAYS.
- state: `pk=TENANT#<t>, sk=NOTIFYDIGEST#<local day>`: the digest of that day was sent (written once).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from touchpoint.loop.notify_deliveries import NotificationAttempt, NotificationDelivery, NotificationStatus
from touchpoint.loop.notify_rules import NotificationRule
from touchpoint.models.surveys import iso_utc
from touchpoint.storage.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_KEYS = ("pk", "sk", "expires_at")
DELIVERY_DAYS = 90
#: Attempts kept on a delivery record (the newest; the count is kept in full).
KEPT_ATTEMPTS = 20


class NotificationRuleNotFoundError(Exception):
    """No notification rule with that id for the tenant."""


def _pk(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}"


def _rule_sk(rule_id: str) -> str:
    return f"NOTIFYRULE#{rule_id}"


def delivery_key(answered_at: datetime, delivery_id: str) -> str:
    """The sort key of a delivery (also what its queue message names)."""
    return f"NOTIFY#{iso_utc(answered_at)}#{delivery_id}"


def _strip(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _KEYS}


class NotificationRepository:
    """Rules, deliveries and digest state of every tenant."""

    def __init__(self, dynamodb: DynamoDBClient, config_table: str, state_table: str) -> None:
        self._db = dynamodb
        self._config = config_table
        self._state = state_table

    # Rules -----------------------------------------------------------------------------------

    def put_rule(self, rule: NotificationRule, *, create: bool) -> None:
        """Store a new rule (`create`) or replace an existing one (NotificationRuleNotFoundError)."""
        item = {"pk": _pk(rule.tenant_id), "sk": _rule_sk(rule.rule_id), **rule.model_dump(mode="json")}
        condition = "attribute_not_exists(pk)" if create else "attribute_exists(pk)"
        try:
            self._db.put_item(TableName=self._config, Item=to_item(item), ConditionExpression=condition)
        except self._db.exceptions.ConditionalCheckFailedException:
            if not create:
                raise NotificationRuleNotFoundError(rule.rule_id) from None
            raise

    def get_rule(self, tenant_id: str, rule_id: str) -> NotificationRule | None:
        """One rule of the tenant, or None."""
        response = self._db.get_item(
            TableName=self._config,
            Key=to_item({"pk": _pk(tenant_id), "sk": _rule_sk(rule_id)}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return None if item is None else NotificationRule.model_validate(_strip(from_item(item)))

    def list_rules(self, tenant_id: str) -> list[NotificationRule]:
        """The tenant's rules, by id."""
        items = self._query(self._config, tenant_id, "NOTIFYRULE#")
        return [NotificationRule.model_validate(_strip(i)) for i in items]

    def delete_rule(self, tenant_id: str, rule_id: str) -> None:
        """Delete a rule (NotificationRuleNotFoundError if there is none); its deliveries stay."""
        try:
            self._db.delete_item(
                TableName=self._config,
                Key=to_item({"pk": _pk(tenant_id), "sk": _rule_sk(rule_id)}),
                ConditionExpression="attribute_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise NotificationRuleNotFoundError(rule_id) from None

    # Deliveries ------------------------------------------------------------------------------

    def _delivery_item(self, delivery: NotificationDelivery) -> dict[str, Any]:
        return {
            "pk": _pk(delivery.tenant_id),
            "sk": delivery_key(delivery.answered_at, delivery.delivery_id),
            "expires_at": int((delivery.created_at + timedelta(days=DELIVERY_DAYS)).timestamp()),
            **delivery.model_dump(mode="json"),
        }

    def create_delivery(self, delivery: NotificationDelivery) -> NotificationDelivery | None:
        """Store a new delivery once; returns the one stored before when it exists already (else None)."""
        try:
            self._db.put_item(
                TableName=self._state,
                Item=to_item(self._delivery_item(delivery)),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return self.get_delivery(
                delivery.tenant_id, delivery_key(delivery.answered_at, delivery.delivery_id)
            )
        return None

    def get_delivery(self, tenant_id: str, key: str) -> NotificationDelivery | None:
        """One delivery by its sort key (`delivery_key`), or None."""
        if not key.startswith("NOTIFY#"):
            return None
        response = self._db.get_item(
            TableName=self._state, Key=to_item({"pk": _pk(tenant_id), "sk": key}), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else NotificationDelivery.model_validate(_strip(from_item(item)))

    def mark_enqueued(self, delivery: NotificationDelivery) -> None:
        """Note that the delivery's queue message was sent."""
        self._db.update_item(
            TableName=self._state,
            Key=to_item(
                {
                    "pk": _pk(delivery.tenant_id),
                    "sk": delivery_key(delivery.answered_at, delivery.delivery_id),
                }
            ),
            UpdateExpression="SET enqueued = :t",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues=to_item({":t": True}),
        )

    def record_attempt(
        self,
        delivery: NotificationDelivery,
        attempt: NotificationAttempt,
        status: NotificationStatus,
        next_retry_at: datetime | None,
    ) -> NotificationDelivery:
        """Add one attempt and the resulting status to the delivery; returns the updated record."""
        attempts = [*delivery.attempts, attempt][-KEPT_ATTEMPTS:]
        updated = delivery.model_copy(
            update={
                "attempts": attempts,
                "status": status,
                "last_error": attempt.error if not attempt.ok else delivery.last_error,
                "next_retry_at": next_retry_at,
                "delivered_at": attempt.at if attempt.ok else None,
            }
        )
        self._db.put_item(
            TableName=self._state,
            Item=to_item(self._delivery_item(updated)),
            ConditionExpression="attribute_exists(pk)",
        )
        return updated

    def list_deliveries(
        self,
        tenant_id: str,
        start: datetime | None = None,
        end: datetime | None = None,
        status: NotificationStatus | None = None,
        limit: int = 500,
    ) -> list[NotificationDelivery]:
        """The tenant's deliveries of answers in `start..end` (UTC, `end` exclusive), newest first."""
        low = f"NOTIFY#{iso_utc(start)}" if start else "NOTIFY#"
        high = f"NOTIFY#{iso_utc(end)}" if end else "NOTIFY#~"
        deliveries: list[NotificationDelivery] = []
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._state,
            KeyConditionExpression="pk = :p AND sk BETWEEN :lo AND :hi",
            ExpressionAttributeValues=to_item({":p": _pk(tenant_id), ":lo": low, ":hi": high}),
            ScanIndexForward=False,
            ConsistentRead=True,
        ):
            for raw in page.get("Items", []):
                delivery = NotificationDelivery.model_validate(_strip(from_item(raw)))
                if end is not None and delivery.answered_at >= end:
                    continue
                if status is None or delivery.status is status:
                    deliveries.append(delivery)
                if len(deliveries) >= limit:
                    return deliveries
        return deliveries

    # Digest ----------------------------------------------------------------------------------

    def claim_digest(self, tenant_id: str, day: date) -> bool:
        """Mark the digest of a tenant's local day as sent; False when it was claimed before."""
        try:
            self._db.put_item(
                TableName=self._state,
                Item=to_item(
                    {
                        "pk": _pk(tenant_id),
                        "sk": f"NOTIFYDIGEST#{day.isoformat()}",
                        "claimed_at": datetime.now(UTC).isoformat(),
                        "expires_at": int((datetime.now(UTC) + timedelta(days=DELIVERY_DAYS)).timestamp()),
                    }
                ),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release_digest(self, tenant_id: str, day: date) -> None:
        """Forget a claim whose sending failed, so the next hourly run tries again."""
        self._db.delete_item(
            TableName=self._state,
            Key=to_item({"pk": _pk(tenant_id), "sk": f"NOTIFYDIGEST#{day.isoformat()}"}),
        )

    def _query(self, table: str, tenant_id: str, prefix: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues=to_item({":p": _pk(tenant_id), ":s": prefix}),
            ConsistentRead=True,
        ):
            items.extend(from_item(i) for i in page.get("Items", []))
        return items
