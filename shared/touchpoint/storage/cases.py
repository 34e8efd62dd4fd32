"""Follow-up cases, their history, notes and replies, and the tenant's case rules (cases table).

Items (`pk`, `sk`):
- `TENANT#<t>#CASE#<caseId>`, `CASE`: the case (JSON `doc`, a `Case`) with `version` for
  optimistic locking and the listing attributes `status`, `location_id`, `assignee`. Indexed by
  `by_tenant` (`tenant_pk=TENANT#<t>`, `list_sk=<openedAt>#<caseId>`): the inbox, newest first,
  a date range as a key condition; status, store and assignee are filters.
- same partition, `HISTORY#<at>#<version>#<n>`, `NOTE#<at>#<noteId>`, `REPLY#<at>#<replyId>`: the
  case's history entries, internal notes and replies; one query reads the whole case.
- same partition, `ACTIVITY#opened|first_response|resolved`: when the case was opened, first
  replied to and (last) resolved, indexed by `by_activity` (`activity_pk=TENANT#<t>`,
  `activity_sk=<at>#<caseId>#<kind>`): the loop metrics' cases of a time range.
- `TENANT#<t>`, `CASE_RULES`: the tenant's case rules.
- `TENANT#<t>#ANNOUNCEMENT#<id>`, `ANNOUNCEMENT` and `SENT#<recipient>`: a "you said, we did"
  announcement, its outcome and one marker per recipient it was sent to.

Every change of a case is one transaction: the case under the condition `version = <read>`, its
new history entries, notes, replies and activity markers. Every item of a case carries the case's
`expires_at` (TTL): the tenant's response retention after the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from touchpoint.models.case_rules import CaseRules
from touchpoint.models.cases import Case, CaseFact, CaseNote, CaseReply, HistoryEntry
from touchpoint.models.surveys import iso_utc
from touchpoint.storage.batches import batch_get, batch_write
from touchpoint.storage.dynamo import from_item, to_item
from touchpoint.storage.transactions import cancelled_indexes

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_CASE = "CASE"
_RULES = "CASE_RULES"
_ANNOUNCEMENT = "ANNOUNCEMENT"
ACTIVITY_KINDS = ("opened", "first_response", "resolved")


class CaseExistsError(Exception):
    """A case with that id exists already."""


class CaseChangedError(Exception):
    """The case changed since it was read (its version moved on)."""


def case_partition(tenant_id: str, case_id: str) -> str:
    """The partition key of a case and its entries."""
    return f"TENANT#{tenant_id}#CASE#{case_id}"


def _case_key(tenant_id: str, case_id: str) -> dict[str, str]:
    return {"pk": case_partition(tenant_id, case_id), "sk": _CASE}


def _case_item(case: Case) -> dict[str, Any]:
    return {
        **_case_key(case.tenant_id, case.case_id),
        "item_type": "case",
        "tenant_pk": f"TENANT#{case.tenant_id}",
        "list_sk": f"{iso_utc(case.opened_at)}#{case.case_id}",
        "status": case.status.value,
        "location_id": case.location_id,
        "assignee": case.assignee,
        "version": case.version,
        "expires_at": case.expires_at,
        "doc": case.model_dump_json(exclude_none=True),
    }


def _decode_case(item: dict[str, Any]) -> Case:
    return Case.model_validate_json(item["doc"])


@dataclass(frozen=True)
class CaseChange:
    """What one change writes beside the case: entries, notes, replies, activity marks."""

    history: Sequence[HistoryEntry] = ()
    notes: Sequence[CaseNote] = ()
    replies: Sequence[CaseReply] = ()
    activities: Sequence[tuple[str, datetime]] = ()
    cleared_activities: Sequence[str] = ()


@dataclass
class CaseRecord:
    """A case with everything stored under it, oldest entries first."""

    case: Case
    history: list[HistoryEntry] = field(default_factory=list)
    notes: list[CaseNote] = field(default_factory=list)
    replies: list[CaseReply] = field(default_factory=list)


@dataclass(frozen=True)
class CaseQuery:
    """Which cases an inbox listing returns (`opened_from`/`opened_to` UTC, `opened_to` exclusive)."""

    opened_from: datetime | None = None
    opened_to: datetime | None = None
    status: str | None = None
    location_id: str | None = None
    assignee: str | None = None


class CaseRepository:
    """Store, change, read and list cases; read and write case rules and announcements."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    # -- rules ---------------------------------------------------------------------------------

    def rules(self, tenant_id: str) -> CaseRules:
        """The tenant's case rules (the defaults when none were saved)."""
        found = self._db.get_item(
            TableName=self._table,
            Key=to_item({"pk": f"TENANT#{tenant_id}", "sk": _RULES}),
            ConsistentRead=True,
        ).get("Item")
        return CaseRules() if found is None else CaseRules.model_validate_json(from_item(found)["doc"])

    def save_rules(self, tenant_id: str, rules: CaseRules) -> None:
        """Replace the tenant's case rules."""
        self._db.put_item(
            TableName=self._table,
            Item=to_item({"pk": f"TENANT#{tenant_id}", "sk": _RULES, "doc": rules.model_dump_json()}),
        )

    # -- cases ---------------------------------------------------------------------------------

    def create(self, case: Case, change: CaseChange) -> None:
        """Store a new case with its first entries (CaseExistsError when the id is taken)."""
        put = {
            "Put": {
                "TableName": self._table,
                "Item": to_item(_case_item(case)),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        self._transact(put, case, change, CaseExistsError)

    def update(self, case: Case, change: CaseChange) -> None:
        """Store `case` (its version one above the stored one) with the change's entries.

        Raises CaseChangedError when the stored case is no longer at `case.version - 1`.
        """
        put = {
            "Put": {
                "TableName": self._table,
                "Item": to_item(_case_item(case)),
                "ConditionExpression": "version = :read",
                "ExpressionAttributeValues": to_item({":read": case.version - 1}),
            }
        }
        self._transact(put, case, change, CaseChangedError)

    def _transact(
        self, put: dict[str, Any], case: Case, change: CaseChange, conflict: type[Exception]
    ) -> None:
        pk = case_partition(case.tenant_id, case.case_id)
        entries: list[dict[str, Any]] = []
        for n, entry in enumerate(change.history):
            entries.append(
                {
                    "pk": pk,
                    "sk": f"HISTORY#{iso_utc(entry.at)}#{case.version:06d}#{n:02d}",
                    "doc": entry.model_dump_json(),
                }
            )
        entries += [
            {"pk": pk, "sk": f"NOTE#{iso_utc(n.at)}#{n.note_id}", "doc": n.model_dump_json()}
            for n in change.notes
        ]
        entries += [
            {
                "pk": pk,
                "sk": f"REPLY#{iso_utc(r.at)}#{r.reply_id}",
                "doc": r.model_dump_json(exclude_none=True),
            }
            for r in change.replies
        ]
        entries += [
            {
                "pk": pk,
                "sk": f"ACTIVITY#{kind}",
                "activity_pk": f"TENANT#{case.tenant_id}",
                "activity_sk": f"{iso_utc(at)}#{case.case_id}#{kind}",
            }
            for kind, at in change.activities
        ]
        items: list[dict[str, Any]] = [put]
        items += [
            {"Put": {"TableName": self._table, "Item": to_item({**entry, "expires_at": case.expires_at})}}
            for entry in entries
        ]
        items += [
            {"Delete": {"TableName": self._table, "Key": to_item({"pk": pk, "sk": f"ACTIVITY#{kind}"})}}
            for kind in change.cleared_activities
        ]
        try:
            self._db.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except self._db.exceptions.TransactionCanceledException as error:
            if 0 in cancelled_indexes(error):
                raise conflict(case.case_id) from None
            raise

    def get(self, tenant_id: str, case_id: str) -> Case | None:
        """The case, or None."""
        found = self._db.get_item(
            TableName=self._table, Key=to_item(_case_key(tenant_id, case_id)), ConsistentRead=True
        ).get("Item")
        return None if found is None else _decode_case(from_item(found))

    def record(self, tenant_id: str, case_id: str) -> CaseRecord | None:
        """The case with its history, notes and replies (oldest first), or None."""
        case: Case | None = None
        history: list[HistoryEntry] = []
        notes: list[CaseNote] = []
        replies: list[CaseReply] = []
        for item in self._partition(case_partition(tenant_id, case_id)):
            sk = str(item["sk"])
            if sk == _CASE:
                case = _decode_case(item)
            elif sk.startswith("HISTORY#"):
                history.append(HistoryEntry.model_validate_json(item["doc"]))
            elif sk.startswith("NOTE#"):
                notes.append(CaseNote.model_validate_json(item["doc"]))
            elif sk.startswith("REPLY#"):
                replies.append(CaseReply.model_validate_json(item["doc"]))
        return None if case is None else CaseRecord(case, history, notes, replies)

    def _partition(self, pk: str) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_item({":pk": pk}),
            "ConsistentRead": True,
        }
        while True:
            page = self._db.query(**request)
            yield from (from_item(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def listing(
        self, tenant_id: str, query: CaseQuery, after: dict[str, str] | None
    ) -> Iterator[tuple[Case, dict[str, str]]]:
        """Cases newest first, each with its position (pass one as `after` to continue after it)."""
        low = iso_utc(query.opened_from) if query.opened_from else "0"
        high = iso_utc(query.opened_to) if query.opened_to else "9"
        values: dict[str, Any] = {":t": f"TENANT#{tenant_id}", ":low": low, ":high": high}
        filters: list[str] = []
        names: dict[str, str] = {}
        for attribute, wanted in (
            ("status", query.status),
            ("location_id", query.location_id),
            ("assignee", query.assignee),
        ):
            if wanted is not None:
                names[f"#{attribute}"] = attribute
                values[f":{attribute}"] = wanted
                filters.append(f"#{attribute} = :{attribute}")
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "by_tenant",
            "KeyConditionExpression": "tenant_pk = :t AND list_sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": to_item(values),
            "ScanIndexForward": False,
        }
        if filters:
            request["FilterExpression"] = " AND ".join(filters)
            request["ExpressionAttributeNames"] = names
        if after is not None:
            request["ExclusiveStartKey"] = to_item(after)
        while True:
            page = self._db.query(**request)
            for raw in page.get("Items", []):
                item = from_item(raw)
                if query.opened_to is not None and str(item["list_sk"]) >= high:
                    continue
                position = {k: str(item[k]) for k in ("pk", "sk", "tenant_pk", "list_sk")}
                yield _decode_case(item), position
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def erase(self, tenant_id: str, person_ids: Iterable[str], response_ids: Iterable[str]) -> int:
        """Delete every case about these people or answers, with all its entries; how many cases.

        For the erasure of a person: their ids (user and anonymous ids) and their answers' ids.
        """
        people, answers = set(person_ids), set(response_ids)
        doomed = [
            case.case_id
            for case, _ in self.listing(tenant_id, CaseQuery(), None)
            if case.person_id in people or case.response_id in answers
        ]
        for case_id in doomed:
            keys = [
                {"pk": i["pk"], "sk": i["sk"]} for i in self._partition(case_partition(tenant_id, case_id))
            ]
            batch_write(self._db, self._table, [{"DeleteRequest": {"Key": to_item(k)}} for k in keys])
        return len(doomed)

    def facts(self, tenant_id: str, start: datetime, end: datetime) -> Iterator[CaseFact]:
        """The loop-metric facts of every case opened, first replied to or resolved in `[start, end)`."""
        for case in self.active_between(tenant_id, start, end):
            yield CaseFact(
                case_id=case.case_id,
                location_id=case.location_id,
                source=case.source,
                opened_at=case.opened_at,
                first_response_at=case.first_response_at,
                resolved_at=case.resolved_at,
                response_id=case.response_id,
                response_submitted_at=case.response_submitted_at,
                detractor=case.detractor,
            )

    def active_between(self, tenant_id: str, start: datetime, end: datetime) -> list[Case]:
        """Cases opened, first replied to or resolved in `[start, end)`, oldest activity first."""
        low, high = iso_utc(start), iso_utc(end)
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "by_activity",
            "KeyConditionExpression": "activity_pk = :t AND activity_sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": to_item({":t": f"TENANT#{tenant_id}", ":low": low, ":high": high}),
            "ProjectionExpression": "pk, activity_sk",
        }
        pks: list[str] = []
        while True:
            page = self._db.query(**request)
            for raw in page.get("Items", []):
                item = from_item(raw)
                if str(item["activity_sk"]) < high and item["pk"] not in pks:
                    pks.append(str(item["pk"]))
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        found = {
            str(item["pk"]): _decode_case(item)
            for item in map(
                from_item, batch_get(self._db, self._table, [to_item({"pk": pk, "sk": _CASE}) for pk in pks])
            )
        }
        return [found[pk] for pk in pks if pk in found]


class AnnouncementIdTakenError(Exception):
    """The announcement id was used for a different announcement."""


class AnnouncementRepository:
    """Announcements ("you said, we did"): their outcome and who received them (cases table).

    A recipient is marked (`SENT#<key>`, the key a hash of the address) before the e-mail goes
    out, so a retried announcement never writes to anyone twice.
    """

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    @staticmethod
    def _pk(tenant_id: str, announcement_id: str) -> str:
        return f"TENANT#{tenant_id}#ANNOUNCEMENT#{announcement_id}"

    def begin(self, tenant_id: str, announcement_id: str, fingerprint: str, actor: str, at: datetime) -> None:
        """Record the announcement (a repeat with the same fingerprint resumes it; another
        fingerprint raises AnnouncementIdTakenError)."""
        pk = self._pk(tenant_id, announcement_id)
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(
                    {
                        "pk": pk,
                        "sk": _ANNOUNCEMENT,
                        "fingerprint": fingerprint,
                        "actor": actor,
                        "at": iso_utc(at),
                    }
                ),
                ConditionExpression="attribute_not_exists(pk) OR fingerprint = :f",
                ExpressionAttributeValues=to_item({":f": fingerprint}),
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise AnnouncementIdTakenError(announcement_id) from None

    def claim(self, tenant_id: str, announcement_id: str, recipient: str) -> bool:
        """Mark a recipient before sending; False when they were marked already."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(
                    {
                        "pk": self._pk(tenant_id, announcement_id),
                        "sk": f"SENT#{recipient}",
                        "status": "sending",
                    }
                ),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def settle(
        self, tenant_id: str, announcement_id: str, recipient: str, status: str, detail: str | None
    ) -> None:
        """Record how sending to a recipient ended (`sent` with the message id, or `failed`)."""
        self._db.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "pk": self._pk(tenant_id, announcement_id),
                    "sk": f"SENT#{recipient}",
                    "status": status,
                    "detail": detail,
                }
            ),
        )

    def finish(self, tenant_id: str, announcement_id: str, outcome: dict[str, int]) -> None:
        """Store the counts of the latest run on the announcement."""
        self._db.update_item(
            TableName=self._table,
            Key=to_item({"pk": self._pk(tenant_id, announcement_id), "sk": _ANNOUNCEMENT}),
            UpdateExpression="SET outcome = :o",
            ExpressionAttributeValues=to_item({":o": outcome}),
        )

    def statuses(self, tenant_id: str, announcement_id: str) -> dict[str, int]:
        """How many recipients of the announcement are `sent`, `failed` or `sending`."""
        counts: dict[str, int] = {}
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :sent)",
            "ExpressionAttributeValues": to_item(
                {":pk": self._pk(tenant_id, announcement_id), ":sent": "SENT#"}
            ),
            "ProjectionExpression": "#s",
            "ExpressionAttributeNames": {"#s": "status"},
            "ConsistentRead": True,
        }
        while True:
            page = self._db.query(**request)
            for raw in page.get("Items", []):
                status = str(from_item(raw).get("status", ""))
                counts[status] = counts.get(status, 0) + 1
            if "LastEvaluatedKey" not in page:
                return counts
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
