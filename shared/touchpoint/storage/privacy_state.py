"""Privacy bookkeeping in the state table: the audit log, pending erasure jobs, sweep watermarks.

Items:
- `pk=TENANT#<t>#PRIVACY, sk=ERASURE#<erasure id>` / `sk=EXPORT#<export id>`: one audit entry per
  erasure or export request. It holds no personal data: a salted hash of the requested id
  (`subject_hash`), who asked (`actor`: the admin key's id, or `cli`), when, the status and the
  counts of what was removed or returned. Entries do not expire.
- `pk=PRIVACY#JOBS, sk=<t>#<erasure id>`: an erasure whose lake part is not finished yet. It
  holds the person's ids (the work order) and where the lake scan stopped (`cursor`); it is
  deleted when the erasure completes. All pending jobs of all tenants share one partition, so
  the daily sweep finds them with one query (erasures are rare).
- `pk=TENANT#<t>#PRIVACY, sk=RETENTION`: `responses_swept_to` and `comments_swept_to`, the first
  UTC day the response (comment) retention sweep has not looked at yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from touchpoint.storage.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

JOBS_PK = "PRIVACY#JOBS"
ERASURE = "erasure"
EXPORT = "export"
_SK_PREFIX = {ERASURE: "ERASURE#", EXPORT: "EXPORT#"}


class AuditEntryExistsError(Exception):
    """An audit entry with that id exists already."""


@dataclass(frozen=True)
class AuditEntry:
    """One erasure or export request, without personal data."""

    tenant_id: str
    entry_id: str
    kind: str
    subject_hash: str
    actor: str
    requested_at: str
    status: str
    counts: Mapping[str, int] = field(default_factory=dict)
    completed_at: str | None = None

    def view(self) -> dict[str, Any]:
        """The API form (camelCase)."""
        return {
            "id": self.entry_id,
            "kind": self.kind,
            "subjectHash": self.subject_hash,
            "actor": self.actor,
            "requestedAt": self.requested_at,
            "status": self.status,
            "completedAt": self.completed_at,
            "counts": dict(self.counts),
        }


@dataclass(frozen=True)
class ErasureJob:
    """An erasure in progress: the person's ids and how far the lake scan got."""

    tenant_id: str
    erasure_id: str
    person_id: str
    ids: tuple[str, ...]
    subject_hash: str
    actor: str
    requested_at: str
    cursor: Mapping[str, Any] | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    first_day: str | None = None
    last_day: str | None = None
    #: Set once the first full pass is done: when the lake is scanned once more (events accepted
    #: before the erasure may still be in the landing stream's buffer until then).
    recheck_after: str | None = None


def _audit_pk(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}#PRIVACY"


def _audit(tenant_id: str, item: dict[str, Any]) -> AuditEntry:
    sk = str(item["sk"])
    kind = ERASURE if sk.startswith(_SK_PREFIX[ERASURE]) else EXPORT
    return AuditEntry(
        tenant_id=tenant_id,
        entry_id=sk.split("#", 1)[1],
        kind=kind,
        subject_hash=str(item["subject_hash"]),
        actor=str(item["actor"]),
        requested_at=str(item["requested_at"]),
        status=str(item["status"]),
        counts={str(k): int(v) for k, v in (item.get("counts") or {}).items()},
        completed_at=item.get("completed_at"),
    )


def _job(item: dict[str, Any]) -> ErasureJob:
    return ErasureJob(
        tenant_id=str(item["tenant_id"]),
        erasure_id=str(item["erasure_id"]),
        person_id=str(item["person_id"]),
        ids=tuple(str(i) for i in item.get("ids") or []),
        subject_hash=str(item["subject_hash"]),
        actor=str(item["actor"]),
        requested_at=str(item["requested_at"]),
        cursor=item.get("cursor"),
        counts={str(k): int(v) for k, v in (item.get("counts") or {}).items()},
        first_day=item.get("first_day"),
        last_day=item.get("last_day"),
        recheck_after=item.get("recheck_after"),
    )


class PrivacyStateRepository:
    """Audit entries, erasure jobs and retention watermarks."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    # --- audit ----------------------------------------------------------------------------------

    def add_audit(self, entry: AuditEntry) -> None:
        """Store a new audit entry (AuditEntryExistsError if its id is taken)."""
        item = {
            "pk": _audit_pk(entry.tenant_id),
            "sk": _SK_PREFIX[entry.kind] + entry.entry_id,
            "subject_hash": entry.subject_hash,
            "actor": entry.actor,
            "requested_at": entry.requested_at,
            "status": entry.status,
            "counts": dict(entry.counts),
            "completed_at": entry.completed_at,
        }
        try:
            self._db.put_item(
                TableName=self._table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise AuditEntryExistsError(entry.entry_id) from None

    def update_audit(
        self,
        tenant_id: str,
        kind: str,
        entry_id: str,
        status: str,
        counts: Mapping[str, int],
        completed_at: str | None,
    ) -> None:
        """Record an entry's new status and counts."""
        values: dict[str, Any] = {":s": status, ":c": dict(counts)}
        expression = "SET #s = :s, #c = :c"
        if completed_at is not None:
            values[":t"] = completed_at
            expression += ", completed_at = :t"
        self._db.update_item(
            TableName=self._table,
            Key=to_item({"pk": _audit_pk(tenant_id), "sk": _SK_PREFIX[kind] + entry_id}),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#s": "status", "#c": "counts"},
            ExpressionAttributeValues=to_item(values),
        )

    def get_audit(self, tenant_id: str, kind: str, entry_id: str) -> AuditEntry | None:
        """One audit entry of the tenant, or None."""
        item = self._db.get_item(
            TableName=self._table,
            Key=to_item({"pk": _audit_pk(tenant_id), "sk": _SK_PREFIX[kind] + entry_id}),
            ConsistentRead=True,
        ).get("Item")
        return None if item is None else _audit(tenant_id, from_item(item))

    def list_audit(self, tenant_id: str) -> list[AuditEntry]:
        """Every audit entry of the tenant, erasures then exports, oldest first within each."""
        entries: list[AuditEntry] = []
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues=to_item({":p": _audit_pk(tenant_id)}),
            ConsistentRead=True,
        ):
            for raw in page.get("Items", []):
                item = from_item(raw)
                if str(item["sk"]).startswith(tuple(_SK_PREFIX.values())):
                    entries.append(_audit(tenant_id, item))
        return entries

    # --- erasure jobs ---------------------------------------------------------------------------

    def save_job(self, job: ErasureJob) -> None:
        """Store (or replace) a pending erasure job."""
        item = {
            "pk": JOBS_PK,
            "sk": f"{job.tenant_id}#{job.erasure_id}",
            "tenant_id": job.tenant_id,
            "erasure_id": job.erasure_id,
            "person_id": job.person_id,
            "ids": list(job.ids),
            "subject_hash": job.subject_hash,
            "actor": job.actor,
            "requested_at": job.requested_at,
            "cursor": None if job.cursor is None else dict(job.cursor),
            "counts": dict(job.counts),
            "first_day": job.first_day,
            "last_day": job.last_day,
            "recheck_after": job.recheck_after,
        }
        self._db.put_item(TableName=self._table, Item=to_item(item))

    def pending_jobs(self, tenant_id: str | None = None) -> list[ErasureJob]:
        """Pending erasure jobs (of one tenant, or of all), oldest first."""
        values: dict[str, Any] = {":p": JOBS_PK}
        condition = "pk = :p"
        if tenant_id is not None:
            condition += " AND begins_with(sk, :t)"
            values[":t"] = f"{tenant_id}#"
        jobs: list[ErasureJob] = []
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=to_item(values),
            ConsistentRead=True,
        ):
            jobs.extend(_job(from_item(i)) for i in page.get("Items", []))
        return sorted(jobs, key=lambda j: (j.requested_at, j.erasure_id))

    def delete_job(self, job: ErasureJob) -> None:
        """Forget a finished job (and with it the person's ids)."""
        self._db.delete_item(
            TableName=self._table, Key=to_item({"pk": JOBS_PK, "sk": f"{job.tenant_id}#{job.erasure_id}"})
        )

    # --- retention watermark --------------------------------------------------------------------

    def responses_swept_to(self, tenant_id: str) -> date | None:
        """The first UTC day the response sweep has not looked at yet (None: never swept)."""
        return self.swept_to(tenant_id, "responses")

    def set_responses_swept_to(self, tenant_id: str, day: date) -> None:
        """Remember that the days before `day` were swept."""
        self.set_swept_to(tenant_id, "responses", day)

    def swept_to(self, tenant_id: str, what: str) -> date | None:
        """The first UTC day the `what` sweep (`responses`, `comments`) has not looked at yet."""
        item = self._db.get_item(
            TableName=self._table,
            Key=to_item({"pk": _audit_pk(tenant_id), "sk": "RETENTION"}),
            ConsistentRead=True,
        ).get("Item")
        if item is None:
            return None
        value = from_item(item).get(f"{what}_swept_to")
        return None if value is None else date.fromisoformat(str(value))

    def set_swept_to(self, tenant_id: str, what: str, day: date) -> None:
        """Remember that the `what` sweep looked at the days before `day`."""
        self._db.update_item(
            TableName=self._table,
            Key=to_item({"pk": _audit_pk(tenant_id), "sk": "RETENTION"}),
            UpdateExpression="SET #w = :d",
            ExpressionAttributeNames={"#w": f"{what}_swept_to"},
            ExpressionAttributeValues=to_item({":d": day.isoformat()}),
        )
