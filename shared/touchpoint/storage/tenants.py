"""Tenants and their API keys in the config table.

Items:
- `pk=TENANT#<t>, sk=META`: the tenant and its config; `settings_version` counts the changes of
  name and config (optimistic concurrency of the settings API: a change names the version it read).
- `pk=KEY#<hash>, sk=KEY`: one key, looked up by hash with a strongly consistent read so that a
  revoked key fails at once; `gsi1pk=TENANT#<t>, gsi1sk=KEY#<key_id>` lists a tenant's keys.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from touchpoint.keys import generate_key, hash_key
from touchpoint.models.tenants import ApiKeyRecord, KeyKind, Tenant, TenantConfig
from touchpoint.storage.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class TenantExistsError(Exception):
    """A tenant with that id exists already."""


class TenantNotFoundError(Exception):
    """No tenant with that id."""


class SettingsVersionError(Exception):
    """The tenant's settings changed since the version a change was based on."""

    def __init__(self, tenant_id: str, current: int) -> None:
        super().__init__(f"settings of {tenant_id!r} are at version {current}")
        self.current = current


def _now() -> datetime:
    return datetime.now(UTC)


class TenantRepository:
    """Create and read tenants; issue, look up, list and revoke keys."""

    def __init__(self, dynamodb: DynamoDBClient, table: str, pepper: str = "") -> None:
        self._db = dynamodb
        self._table = table
        self._pepper = pepper

    def create_tenant(self, tenant_id: str, name: str, config: TenantConfig | None = None) -> Tenant:
        """Create a tenant (fails with TenantExistsError if the id is taken)."""
        tenant = Tenant(tenant_id=tenant_id, name=name, created_at=_now(), config=config or TenantConfig())
        item = {"pk": f"TENANT#{tenant_id}", "sk": "META", "kind": "tenant", **tenant.model_dump(mode="json")}
        item["form_secret"] = secrets.token_hex(32)
        try:
            self._db.put_item(
                TableName=self._table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise TenantExistsError(tenant_id) from None
        return tenant

    def get_tenant(self, tenant_id: str) -> Tenant | None:
        """The tenant, or None."""
        item = self._get_meta(tenant_id)
        return None if item is None else Tenant.model_validate(item)

    def get_form_secret(self, tenant_id: str) -> str:
        """The tenant's secret for signing QR tokens and form tokens."""
        item = self._get_meta(tenant_id)
        if item is None:
            raise TenantNotFoundError(tenant_id)
        return str(item["form_secret"])

    def _get_meta(self, tenant_id: str) -> dict[str, object] | None:
        response = self._db.get_item(
            TableName=self._table,
            Key=to_item({"pk": f"TENANT#{tenant_id}", "sk": "META"}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return None if item is None else from_item(item)

    def settings_version(self, tenant_id: str) -> int:
        """The version of the tenant's name and config (0 before the first change)."""
        item = self._get_meta(tenant_id)
        if item is None:
            raise TenantNotFoundError(tenant_id)
        return int(str(item.get("settings_version", 0)))

    def update_settings(self, tenant_id: str, name: str, config: TenantConfig, expected_version: int) -> int:
        """Replace name and config if the settings are still at `expected_version`; the new version.

        SettingsVersionError when they changed meanwhile (nothing is written), TenantNotFoundError
        when there is no such tenant.
        """
        same = "#v = :expected"
        if expected_version == 0:
            same = f"(attribute_not_exists(#v) OR {same})"
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=to_item({"pk": f"TENANT#{tenant_id}", "sk": "META"}),
                UpdateExpression="SET #c = :c, #n = :n ADD #v :one",
                ConditionExpression=f"attribute_exists(pk) AND {same}",
                ExpressionAttributeNames={"#c": "config", "#n": "name", "#v": "settings_version"},
                ExpressionAttributeValues=to_item(
                    {
                        ":c": config.model_dump(mode="json"),
                        ":n": name,
                        ":expected": expected_version,
                        ":one": 1,
                    }
                ),
                ReturnValues="UPDATED_NEW",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise SettingsVersionError(tenant_id, self.settings_version(tenant_id)) from None
        return int(str(from_item(response["Attributes"])["settings_version"]))

    def update_config(self, tenant_id: str, config: TenantConfig) -> Tenant:
        """Replace a tenant's config (a new settings version, so an open settings form sees the change)."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item({"pk": f"TENANT#{tenant_id}", "sk": "META"}),
                UpdateExpression="SET #c = :c ADD #v :one",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#c": "config", "#v": "settings_version"},
                ExpressionAttributeValues=to_item({":c": config.model_dump(mode="json"), ":one": 1}),
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise TenantNotFoundError(tenant_id) from None
        tenant = self.get_tenant(tenant_id)
        assert tenant is not None
        return tenant

    def list_tenants(self) -> list[Tenant]:
        """Every tenant (an operator command; scans the config table's tenant items)."""
        tenants: list[Tenant] = []
        paginator = self._db.get_paginator("scan")
        for page in paginator.paginate(
            TableName=self._table,
            FilterExpression="sk = :meta AND begins_with(pk, :t)",
            ExpressionAttributeValues=to_item({":meta": "META", ":t": "TENANT#"}),
        ):
            tenants.extend(Tenant.model_validate(from_item(i)) for i in page.get("Items", []))
        return sorted(tenants, key=lambda t: t.tenant_id)

    def issue_key(self, tenant_id: str, kind: KeyKind) -> tuple[str, ApiKeyRecord]:
        """Create a key; returns the plain key (shown once) and its stored record."""
        if self._get_meta(tenant_id) is None:
            raise TenantNotFoundError(tenant_id)
        key = generate_key(kind)
        record = ApiKeyRecord(
            key_id=secrets.token_hex(6),
            tenant_id=tenant_id,
            kind=kind,
            key_hash=hash_key(key, self._pepper),
            created_at=_now(),
        )
        item = {
            "pk": f"KEY#{record.key_hash}",
            "sk": "KEY",
            "gsi1pk": f"TENANT#{tenant_id}",
            "gsi1sk": f"KEY#{record.key_id}",
            **record.model_dump(mode="json"),
        }
        self._db.put_item(TableName=self._table, Item=to_item(item))
        return key, record

    def find_key(self, key: str) -> ApiKeyRecord | None:
        """The record of a presented key, or None if unknown (revoked keys are returned, inactive)."""
        response = self._db.get_item(
            TableName=self._table,
            Key=to_item({"pk": f"KEY#{hash_key(key, self._pepper)}", "sk": "KEY"}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return None if item is None else ApiKeyRecord.model_validate(from_item(item))

    def get_key_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        """A key's record by its stored hash, strongly consistent (revocation is seen at once)."""
        response = self._db.get_item(
            TableName=self._table, Key=to_item({"pk": f"KEY#{key_hash}", "sk": "KEY"}), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else ApiKeyRecord.model_validate(from_item(item))

    def list_keys(self, tenant_id: str) -> list[ApiKeyRecord]:
        """A tenant's keys (hashes only), newest last."""
        response = self._db.query(
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :p AND begins_with(gsi1sk, :k)",
            ExpressionAttributeValues=to_item({":p": f"TENANT#{tenant_id}", ":k": "KEY#"}),
        )
        records = [ApiKeyRecord.model_validate(from_item(i)) for i in response.get("Items", [])]
        return sorted(records, key=lambda r: r.created_at)

    def revoke_key(self, tenant_id: str, key_id: str) -> ApiKeyRecord:
        """Revoke a key by id; it fails authentication from the next request on."""
        for record in self.list_keys(tenant_id):
            if record.key_id == key_id:
                revoked_at = _now()
                self._db.update_item(
                    TableName=self._table,
                    Key=to_item({"pk": f"KEY#{record.key_hash}", "sk": "KEY"}),
                    UpdateExpression="SET revoked_at = :r",
                    ExpressionAttributeValues=to_item({":r": revoked_at.isoformat()}),
                )
                return record.model_copy(update={"revoked_at": revoked_at})
        raise KeyError(key_id)
