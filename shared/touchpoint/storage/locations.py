"""Locations (stores) and their touchpoints in the config table.

Items: `pk=TENANT#<t>, sk=LOCATION#<id>` and `pk=TENANT#<t>, sk=TOUCHPOINT#<location>#<id>`.
A touchpoint's QR code is signed for its `token_version`: rotating bumps the version (old codes
stop working), revoking sets `revoked` (every code of it stops working until it is rotated).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from touchpoint.models.locations import Location, Touchpoint, TouchpointKind
from touchpoint.storage.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class LocationExistsError(Exception):
    """A location or touchpoint with that id exists already."""


class LocationNotFoundError(Exception):
    """No store with that id."""


class TouchpointNotFoundError(Exception):
    """No touchpoint with that id in that store."""


class LocationRepository:
    """Create, read and list a tenant's stores and touchpoints."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def _put_new(self, item: dict[str, Any]) -> None:
        try:
            self._db.put_item(
                TableName=self._table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise LocationExistsError(item["sk"]) from None

    def create_location(self, tenant_id: str, location_id: str, name: str, **fields: Any) -> Location:
        """Create a store (LocationExistsError if the id is taken)."""
        location = Location(
            tenant_id=tenant_id, location_id=location_id, name=name, created_at=datetime.now(UTC), **fields
        )
        self._put_new(
            {"pk": f"TENANT#{tenant_id}", "sk": f"LOCATION#{location_id}", **location.model_dump(mode="json")}
        )
        return location

    def get_location(self, tenant_id: str, location_id: str) -> Location | None:
        """One store, or None."""
        response = self._db.get_item(
            TableName=self._table, Key=to_item({"pk": f"TENANT#{tenant_id}", "sk": f"LOCATION#{location_id}"})
        )
        item = response.get("Item")
        return None if item is None else Location.model_validate(from_item(item))

    def update_location(self, tenant_id: str, location_id: str, **fields: Any) -> Location:
        """Change a store's name, address, language or door counter (LocationNotFoundError if absent)."""
        current = self.get_location(tenant_id, location_id)
        if current is None:
            raise LocationNotFoundError(location_id)
        location = Location.model_validate({**current.model_dump(), **fields})
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(
                    {
                        "pk": f"TENANT#{tenant_id}",
                        "sk": f"LOCATION#{location_id}",
                        **location.model_dump(mode="json"),
                    }
                ),
                ConditionExpression="attribute_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise LocationNotFoundError(location_id) from None
        return location

    def list_locations(self, tenant_id: str) -> list[Location]:
        """A tenant's stores, by id."""
        return [Location.model_validate(i) for i in self._query(tenant_id, "LOCATION#")]

    def create_touchpoint(
        self,
        tenant_id: str,
        location_id: str,
        touchpoint_id: str,
        kind: TouchpointKind,
        label: str,
        **fields: Any,
    ) -> Touchpoint:
        """Create a touchpoint inside a store."""
        touchpoint = Touchpoint(
            tenant_id=tenant_id,
            location_id=location_id,
            touchpoint_id=touchpoint_id,
            kind=kind,
            label=label,
            created_at=datetime.now(UTC),
            **fields,
        )
        self._put_new(
            {
                "pk": f"TENANT#{tenant_id}",
                "sk": f"TOUCHPOINT#{location_id}#{touchpoint_id}",
                **touchpoint.model_dump(mode="json"),
            }
        )
        return touchpoint

    @staticmethod
    def _touchpoint_key(tenant_id: str, location_id: str, touchpoint_id: str) -> dict[str, Any]:
        return to_item({"pk": f"TENANT#{tenant_id}", "sk": f"TOUCHPOINT#{location_id}#{touchpoint_id}"})

    def get_touchpoint(self, tenant_id: str, location_id: str, touchpoint_id: str) -> Touchpoint | None:
        """One touchpoint (strongly consistent, so a revocation or rotation counts at once), or None."""
        response = self._db.get_item(
            TableName=self._table,
            Key=self._touchpoint_key(tenant_id, location_id, touchpoint_id),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return None if item is None else Touchpoint.model_validate(from_item(item))

    def _update_touchpoint(
        self,
        tenant_id: str,
        location_id: str,
        touchpoint_id: str,
        expression: str,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
    ) -> Touchpoint:
        extra: dict[str, Any] = {"ExpressionAttributeNames": names} if names else {}
        if values:
            extra["ExpressionAttributeValues"] = to_item(values)
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=self._touchpoint_key(tenant_id, location_id, touchpoint_id),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk)",
                ReturnValues="ALL_NEW",
                **extra,
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise TouchpointNotFoundError(f"{location_id}/{touchpoint_id}") from None
        return Touchpoint.model_validate(from_item(response["Attributes"]))

    def bind_survey(
        self, tenant_id: str, location_id: str, touchpoint_id: str, survey_id: str | None
    ) -> Touchpoint:
        """Show `survey_id` at the touchpoint (None: the default in-store survey)."""
        if survey_id is None:
            return self._update_touchpoint(tenant_id, location_id, touchpoint_id, "REMOVE survey_id", {})
        return self._update_touchpoint(
            tenant_id, location_id, touchpoint_id, "SET survey_id = :s", {":s": survey_id}
        )

    def rotate_touchpoint(self, tenant_id: str, location_id: str, touchpoint_id: str) -> Touchpoint:
        """Issue a new QR code: bump `token_version` atomically and lift a revocation."""
        return self._update_touchpoint(
            tenant_id,
            location_id,
            touchpoint_id,
            "SET token_version = token_version + :one, revoked = :f, rotated_at = :now",
            {":one": 1, ":f": False, ":now": datetime.now(UTC).isoformat()},
        )

    def revoke_touchpoint(self, tenant_id: str, location_id: str, touchpoint_id: str) -> Touchpoint:
        """Refuse every code of the touchpoint from now on (until it is rotated)."""
        return self._update_touchpoint(
            tenant_id,
            location_id,
            touchpoint_id,
            "SET revoked = :t, revoked_at = :now",
            {":t": True, ":now": datetime.now(UTC).isoformat()},
        )

    def list_touchpoints(self, tenant_id: str, location_id: str) -> list[Touchpoint]:
        """The touchpoints of one store."""
        return [Touchpoint.model_validate(i) for i in self._query(tenant_id, f"TOUCHPOINT#{location_id}#")]

    def _query(self, tenant_id: str, prefix: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues=to_item({":p": f"TENANT#{tenant_id}", ":s": prefix}),
        ):
            items.extend(from_item(i) for i in page.get("Items", []))
        return items
