"""The audit log: who changed what in a tenant, and when (append-only, state table).

Item: `pk=TENANT#<t>#AUDIT, sk=<UTC time, ISO>#<random>` with the actor (`user:<e-mail>`,
`key:<key id>` or `operator:<name>`), the action (`users.invite`, `settings.update`, ...), its
target (`user:<e-mail>`, `survey:<id>`, ...), a small before/after summary (`detail`) and
`expires_at` (TTL: `AUDIT_RETENTION_DAYS` later). Entries are only ever added; nothing changes or
deletes one before its time runs out.

Callers use `runtime.audit.record(principal, action, target, detail)`; recording never fails the
change it describes (a storage fault is logged, not raised).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from touchpoint.observability import logger
from touchpoint.storage.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

AUDIT_RETENTION_DAYS = 400
#: A detail summary is cut to this many characters per value (no answers or secrets belong in it).
MAX_DETAIL_VALUE = 500
MAX_LISTED = 1000


class Actor(Protocol):
    """Who acts: a principal (`touchpoint.web.auth.Principal`) or an operator."""

    @property
    def tenant_id(self) -> str: ...

    @property
    def actor(self) -> str: ...


@dataclass(frozen=True)
class Operator:
    """An operator acting through the CLI on one tenant (`operator:<name>` in the log)."""

    tenant_id: str
    name: str = "cli"

    @property
    def actor(self) -> str:
        """`operator:<name>`."""
        return f"operator:{self.name}"


@dataclass(frozen=True)
class AuditEntry:
    """One recorded change."""

    tenant_id: str
    at: str
    actor: str
    action: str
    target: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The entry as the API returns it."""
        return {
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "detail": dict(self.detail),
        }


def _short(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _short(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_short(v) for v in (sorted(value, key=str) if isinstance(value, set | frozenset) else value)]
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)[:MAX_DETAIL_VALUE]


class AuditRepository:
    """Append entries to a tenant's audit log and read them by time."""

    def __init__(self, dynamodb: DynamoDBClient, table: str, clock: Callable[[], float] = time.time) -> None:
        self._db = dynamodb
        self._table = table
        self._clock = clock

    def record(
        self, who: Actor, action: str, target: str, detail: Mapping[str, Any] | None = None
    ) -> AuditEntry | None:
        """Append one entry (None, logged, when it could not be stored: the change itself stands)."""
        now = self._clock()
        at = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")
        entry = AuditEntry(who.tenant_id, at, who.actor, action, target, _short(detail or {}))
        item = {
            "pk": f"TENANT#{who.tenant_id}#AUDIT",
            "sk": f"{at}#{secrets.token_hex(4)}",
            **entry.as_json(),
            "expires_at": int(now) + AUDIT_RETENTION_DAYS * 86400,
        }
        try:
            self._db.put_item(
                TableName=self._table, Item=to_item(item), ConditionExpression="attribute_not_exists(sk)"
            )
        except (ClientError, BotoCoreError) as error:
            logger.warning("audit entry not stored", extra={"action": action, "error": type(error).__name__})
            return None
        return entry

    def list(self, tenant_id: str, first: date, last: date, limit: int = MAX_LISTED) -> list[AuditEntry]:
        """Entries from the start of `first` to the end of `last` (UTC), newest first."""
        upper = (last + timedelta(days=1)).isoformat()
        response_pages = self._db.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :from AND :to",
            ExpressionAttributeValues=to_item(
                {":pk": f"TENANT#{tenant_id}#AUDIT", ":from": first.isoformat(), ":to": upper}
            ),
            ScanIndexForward=False,
            PaginationConfig={"MaxItems": limit},
        )
        entries: list[AuditEntry] = []
        for page in response_pages:
            for raw in page.get("Items", []):
                item = from_item(raw)
                entries.append(
                    AuditEntry(
                        tenant_id,
                        str(item["at"]),
                        str(item["actor"]),
                        str(item["action"]),
                        str(item["target"]),
                        item.get("detail") or {},
                    )
                )
        return entries[:limit]
