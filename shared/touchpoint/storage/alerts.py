"""Alert rules (config table), fired alerts and their delivery attempts (state table).

Items:
- config: `pk=TENANT#<t>, sk=ALERTRULE#<rule>`: one rule.
- config: `pk=TENANT#<t>, sk=ALERTWEBHOOK`: the tenant's webhook signing secret.
- state: `pk=TENANT#<t>, sk=ALERT#<YYYY-MM-DD>#<rule>`: one fired alert, written once
  (conditional put), so a re-run of a rollup never fires the same alert twice.
- state: `pk=TENANT#<t>, sk=ALERTLOG#<YYYY-MM-DD>#<rule>#<outlet>#<nnnn>`: one delivery attempt,
  written as it happens. Neither alerts nor attempts expire.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from touchpoint.alerts.models import DeliveryAttempt, DeliveryStatus, FiredAlert, Outlet, OutletState
from touchpoint.alerts.rules import AlertRule
from touchpoint.alerts.signing import new_secret
from touchpoint.storage.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_KEYS = ("pk", "sk")


class RuleExistsError(Exception):
    """A rule with that id exists already."""


class RuleNotFoundError(Exception):
    """No rule with that id for the tenant."""


def _tenant_pk(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}"


def _alert_sk(day: date, rule_id: str) -> str:
    return f"ALERT#{day.isoformat()}#{rule_id}"


def _strip(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _KEYS}


class AlertRepository:
    """Rules, the webhook secret, fired alerts and delivery attempts of every tenant."""

    def __init__(self, dynamodb: DynamoDBClient, config_table: str, state_table: str) -> None:
        self._db = dynamodb
        self._config = config_table
        self._state = state_table

    # Rules -----------------------------------------------------------------------------------

    def _rule_item(self, rule: AlertRule) -> dict[str, Any]:
        return {
            "pk": _tenant_pk(rule.tenant_id),
            "sk": f"ALERTRULE#{rule.rule_id}",
            **rule.model_dump(mode="json"),
        }

    def create_rule(self, rule: AlertRule) -> None:
        """Store a new rule (RuleExistsError if the id is taken)."""
        try:
            self._db.put_item(
                TableName=self._config,
                Item=to_item(self._rule_item(rule)),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise RuleExistsError(rule.rule_id) from None

    def replace_rule(self, rule: AlertRule) -> None:
        """Overwrite an existing rule (RuleNotFoundError if there is none)."""
        try:
            self._db.put_item(
                TableName=self._config,
                Item=to_item(self._rule_item(rule)),
                ConditionExpression="attribute_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise RuleNotFoundError(rule.rule_id) from None

    def get_rule(self, tenant_id: str, rule_id: str) -> AlertRule | None:
        """One rule of the tenant, or None."""
        response = self._db.get_item(
            TableName=self._config,
            Key=to_item({"pk": _tenant_pk(tenant_id), "sk": f"ALERTRULE#{rule_id}"}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return None if item is None else AlertRule.model_validate(_strip(from_item(item)))

    def list_rules(self, tenant_id: str) -> list[AlertRule]:
        """The tenant's rules, by id."""
        items = self._query(self._config, tenant_id, "ALERTRULE#", consistent=True)
        return [AlertRule.model_validate(_strip(i)) for i in items]

    def delete_rule(self, tenant_id: str, rule_id: str) -> None:
        """Delete a rule (RuleNotFoundError if there is none); its fired alerts stay."""
        try:
            self._db.delete_item(
                TableName=self._config,
                Key=to_item({"pk": _tenant_pk(tenant_id), "sk": f"ALERTRULE#{rule_id}"}),
                ConditionExpression="attribute_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise RuleNotFoundError(rule_id) from None

    # Webhook secret --------------------------------------------------------------------------

    def webhook_secret(self, tenant_id: str) -> str:
        """The tenant's webhook signing secret, created on first use."""
        key = to_item({"pk": _tenant_pk(tenant_id), "sk": "ALERTWEBHOOK"})
        response = self._db.get_item(TableName=self._config, Key=key, ConsistentRead=True)
        item = response.get("Item")
        if item is not None:
            return str(from_item(item)["secret"])
        secret = new_secret()
        try:
            self._db.put_item(
                TableName=self._config,
                Item=to_item(
                    {**from_item(key), "secret": secret, "created_at": datetime.now(UTC).isoformat()}
                ),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return self.webhook_secret(tenant_id)  # created concurrently: use that one
        return secret

    def rotate_webhook_secret(self, tenant_id: str) -> str:
        """Replace the signing secret; returns the new one."""
        secret = new_secret()
        self._db.put_item(
            TableName=self._config,
            Item=to_item(
                {
                    "pk": _tenant_pk(tenant_id),
                    "sk": "ALERTWEBHOOK",
                    "secret": secret,
                    "created_at": datetime.now(UTC).isoformat(),
                }
            ),
        )
        return secret

    # Fired alerts ----------------------------------------------------------------------------

    def record_alert(self, alert: FiredAlert) -> bool:
        """Store a fired alert once; False when the same tenant + rule + day exists already."""
        item = {"pk": _tenant_pk(alert.tenant_id), "sk": _alert_sk(alert.day, alert.rule_id)}
        item.update(alert.model_dump(mode="json"))
        try:
            self._db.put_item(
                TableName=self._state, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get_alert(self, tenant_id: str, day: date, rule_id: str) -> FiredAlert | None:
        """One fired alert, or None."""
        response = self._db.get_item(
            TableName=self._state,
            Key=to_item({"pk": _tenant_pk(tenant_id), "sk": _alert_sk(day, rule_id)}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return None if item is None else FiredAlert.model_validate(_strip(from_item(item)))

    def list_alerts(
        self,
        tenant_id: str,
        first: date | None = None,
        last: date | None = None,
        status: DeliveryStatus | None = None,
        limit: int = 200,
    ) -> list[FiredAlert]:
        """The tenant's alerts of days `first..last` (inclusive), newest day first."""
        low = f"ALERT#{first.isoformat()}" if first else "ALERT#"
        high = f"ALERT#{last.isoformat()}#~" if last else "ALERT#~"
        kwargs: dict[str, Any] = {
            "TableName": self._state,
            "KeyConditionExpression": "pk = :p AND sk BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": to_item({":p": _tenant_pk(tenant_id), ":lo": low, ":hi": high}),
            "ScanIndexForward": False,
            "ConsistentRead": True,
        }
        alerts: list[FiredAlert] = []
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(**kwargs):
            for raw in page.get("Items", []):
                alert = FiredAlert.model_validate(_strip(from_item(raw)))
                if status is None or alert.status is status:
                    alerts.append(alert)
                if len(alerts) >= limit:
                    return alerts
        return alerts

    def update_delivery(
        self,
        tenant_id: str,
        day: date,
        rule_id: str,
        outlets: dict[Outlet, OutletState],
        status: DeliveryStatus,
    ) -> None:
        """Record where the alert's deliveries stand."""
        self._db.update_item(
            TableName=self._state,
            Key=to_item({"pk": _tenant_pk(tenant_id), "sk": _alert_sk(day, rule_id)}),
            UpdateExpression="SET outlets = :o, #s = :s",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=to_item(
                {
                    ":o": {k.value: v.model_dump(mode="json") for k, v in outlets.items()},
                    ":s": status.value,
                }
            ),
        )

    # Delivery attempts -----------------------------------------------------------------------

    def add_attempt(self, tenant_id: str, day: date, rule_id: str, attempt: DeliveryAttempt) -> None:
        """Store one delivery attempt."""
        sk = f"ALERTLOG#{day.isoformat()}#{rule_id}#{attempt.outlet.value}#{attempt.attempt:04d}"
        self._db.put_item(
            TableName=self._state,
            Item=to_item({"pk": _tenant_pk(tenant_id), "sk": sk, **attempt.model_dump(mode="json")}),
        )

    def list_attempts(self, tenant_id: str, day: date, rule_id: str) -> list[DeliveryAttempt]:
        """Every delivery attempt of one alert, by outlet and number."""
        items = self._query(self._state, tenant_id, f"ALERTLOG#{day.isoformat()}#{rule_id}#", consistent=True)
        return [DeliveryAttempt.model_validate(_strip(i)) for i in items]

    def _query(self, table: str, tenant_id: str, prefix: str, *, consistent: bool) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues=to_item({":p": _tenant_pk(tenant_id), ":s": prefix}),
            ConsistentRead=consistent,
        ):
            items.extend(from_item(i) for i in page.get("Items", []))
        return items
