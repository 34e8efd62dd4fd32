"""Team members (users) of each tenant in the config table.

Items:
- `pk=TENANT#<t>, sk=USER#<user id>`: the user (`touchpoint.models.users.UserRecord`) plus its
  `session_salt`, a random secret that signs the user's session cookies together with the pepper
  and `session_version` (never returned with the record, never shown);
- `pk=EMAIL#<e-mail, lower case>, sk=USER`: which tenant and user an e-mail belongs to. Both are
  written in one transaction that fails when the e-mail is taken, so an e-mail is unique across
  every tenant (it is the Cognito user name, and the pool is shared).

Reads are strongly consistent: a changed role or scope, a removal or an ended session acts on the
very next request.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from touchpoint.models.users import Role, UserRecord, UserStatus
from touchpoint.storage.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_RECORD_FIELDS = frozenset(UserRecord.model_fields)


class UserExistsError(Exception):
    """The e-mail belongs to a user already (of this or another tenant)."""


class UserNotFoundError(Exception):
    """No such user in this tenant."""


def normalize_email(email: str) -> str:
    """The e-mail as stored and compared: trimmed, lower case."""
    return email.strip().lower()


def _user_key(tenant_id: str, user_id: str) -> dict[str, Any]:
    return to_item({"pk": f"TENANT#{tenant_id}", "sk": f"USER#{user_id}"})


def _email_key(email: str) -> dict[str, Any]:
    return to_item({"pk": f"EMAIL#{normalize_email(email)}", "sk": "USER"})


def _record(item: dict[str, Any]) -> UserRecord:
    return UserRecord.model_validate({k: v for k, v in item.items() if k in _RECORD_FIELDS})


def now_text() -> str:
    """The current time as stored on records (UTC, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class UserRepository:
    """Create, read, list, change and delete a tenant's users."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def create(self, record: UserRecord) -> UserRecord:
        """Store a new user (UserExistsError when the e-mail is taken in any tenant)."""
        record = record.model_copy(
            update={"email": normalize_email(record.email), "created_at": record.created_at or now_text()}
        )
        user_item = {
            "pk": f"TENANT#{record.tenant_id}",
            "sk": f"USER#{record.user_id}",
            "kind": "user",
            **record.model_dump(mode="json"),
            "session_salt": secrets.token_hex(32),
        }
        email_item = {
            "pk": f"EMAIL#{record.email}",
            "sk": "USER",
            "tenant_id": record.tenant_id,
            "user_id": record.user_id,
        }
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item(email_item),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item(user_item),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
        except self._db.exceptions.TransactionCanceledException:
            raise UserExistsError(record.email) from None
        return record

    def _item(self, tenant_id: str, user_id: str) -> dict[str, Any] | None:
        response = self._db.get_item(
            TableName=self._table, Key=_user_key(tenant_id, user_id), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else from_item(item)

    def get(self, tenant_id: str, user_id: str) -> UserRecord | None:
        """One user of the tenant, or None."""
        item = self._item(tenant_id, user_id)
        return None if item is None else _record(item)

    def get_with_session_salt(self, tenant_id: str, user_id: str) -> tuple[UserRecord, str] | None:
        """A user with the secret salt of their session signatures, or None."""
        item = self._item(tenant_id, user_id)
        return None if item is None else (_record(item), str(item.get("session_salt", "")))

    def find_by_email(self, email: str) -> UserRecord | None:
        """The user of any tenant with this e-mail, or None."""
        response = self._db.get_item(TableName=self._table, Key=_email_key(email), ConsistentRead=True)
        item = response.get("Item")
        if item is None:
            return None
        owner = from_item(item)
        return self.get(str(owner["tenant_id"]), str(owner["user_id"]))

    def list(self, tenant_id: str) -> list[UserRecord]:
        """Every user of the tenant, by e-mail."""
        users: list[UserRecord] = []
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :user)",
            ExpressionAttributeValues=to_item({":pk": f"TENANT#{tenant_id}", ":user": "USER#"}),
            ConsistentRead=True,
        ):
            users.extend(_record(from_item(i)) for i in page.get("Items", []))
        return sorted(users, key=lambda u: u.email)

    def update(
        self,
        tenant_id: str,
        user_id: str,
        *,
        role: Role | None = None,
        locations: Sequence[str] | None = None,
        status: UserStatus | None = None,
        end_sessions: bool = False,
    ) -> UserRecord:
        """Change a user's role, store scope or status, and/or end every open session of theirs."""
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets: list[str] = []
        for field, value in (("role", role), ("locations", locations), ("status", status)):
            if value is not None:
                names[f"#{field}"] = field
                values[f":{field}"] = list(value) if field == "locations" else str(value)
                sets.append(f"#{field} = :{field}")
        expression = f"SET {', '.join(sets)}" if sets else ""
        if end_sessions:
            names["#v"] = "session_version"
            values[":one"] = 1
            expression += " ADD #v :one"
        if not expression:
            found = self.get(tenant_id, user_id)
            if found is None:
                raise UserNotFoundError(user_id)
            return found
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=_user_key(tenant_id, user_id),
                UpdateExpression=expression.strip(),
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_NEW",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise UserNotFoundError(user_id) from None
        return _record(from_item(response["Attributes"]))

    def delete(self, record: UserRecord) -> None:
        """Remove the user and their e-mail (its sessions end with the record)."""
        self._db.transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": self._table, "Key": _user_key(record.tenant_id, record.user_id)}},
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": _email_key(record.email),
                        "ConditionExpression": "user_id = :u",
                        "ExpressionAttributeValues": to_item({":u": record.user_id}),
                    }
                },
            ]
        )
