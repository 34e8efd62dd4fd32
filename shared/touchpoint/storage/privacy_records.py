"""The responses-table side of erasure, export and retention.

Reads what the `by_person` index holds for a respondent key (`user:<id>` / `anon:<id>`): the
responses themselves, the repeat-window guards (`RESPONDENT#<respondent>`) and the coupon guards
(`COUPON#<respondent>`); deletes them; removes a person's anonymousId from a response that belongs
to someone else; and, for the retention sweep, reads a tenant-day's responses through `by_day` and
deletes an expired response together with the guards that still point at it, or rewrites one
whose comments expired.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date
from typing import TYPE_CHECKING, Any

from touchpoint.models.surveys import StoredResponse
from touchpoint.storage.batches import batch_write
from touchpoint.storage.dynamo import from_item, to_item
from touchpoint.storage.responses import (
    day_partition,
    decode_response,
    person_partition,
    respondent_keys,
    response_key,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_ATTEMPTS = 6
_DOC = "doc"


@dataclass(frozen=True)
class PersonItem:
    """One responses-table item found by person: a response or a guard pointing at one."""

    pk: str
    sk: str
    item_type: str
    response: StoredResponse | None = None
    response_id: str | None = None
    coupon_code: str | None = None

    @property
    def key(self) -> dict[str, str]:
        """The item's table key."""
        return {"pk": self.pk, "sk": self.sk}

    @property
    def survey_id(self) -> str:
        """The survey of the item (from its partition key)."""
        return self.pk.rsplit("#SURVEY#", 1)[-1]


def _person_item(item: dict[str, Any]) -> PersonItem:
    kind = str(item.get("item_type", ""))
    response = decode_response(item) if kind == "response" and _DOC in item else None
    response_id = response.response_id if response else item.get("response_id")
    return PersonItem(
        pk=str(item["pk"]),
        sk=str(item["sk"]),
        item_type=kind,
        response=response,
        response_id=None if response_id is None else str(response_id),
        coupon_code=item.get("code"),
    )


class PrivacyRecordRepository:
    """Find, delete and scrub a person's items in the responses table."""

    def __init__(self, dynamodb: DynamoDBClient, responses_table: str) -> None:
        self._db = dynamodb
        self._table = responses_table

    def person_items(self, tenant_id: str, respondent: str) -> list[PersonItem]:
        """Every item filed under a respondent key (`user:<id>` or `anon:<id>`), survey by survey."""
        found: list[PersonItem] = []
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            IndexName="by_person",
            KeyConditionExpression="by_person_pk = :p",
            ExpressionAttributeValues=to_item({":p": person_partition(tenant_id, respondent)}),
        ):
            found.extend(_person_item(from_item(i)) for i in page.get("Items", []))
        return found

    def get_response(self, tenant_id: str, survey_id: str, response_id: str) -> StoredResponse | None:
        """One response (strongly consistent), or None."""
        item = self._db.get_item(
            TableName=self._table,
            Key=to_item(response_key(tenant_id, survey_id, response_id)),
            ConsistentRead=True,
        ).get("Item")
        return None if item is None else decode_response(from_item(item))

    def delete_keys(self, keys: Iterable[dict[str, str]]) -> int:
        """Delete items by key (25 per request, retried while DynamoDB throttles); returns how many."""
        unique = {(k["pk"], k["sk"]): k for k in keys}
        requests = [{"DeleteRequest": {"Key": to_item(k)}} for k in unique.values()]
        batch_write(self._db, self._table, requests)
        return len(requests)

    def forget_anonymous_id(
        self, tenant_id: str, survey_id: str, response_id: str, anonymous_id: str
    ) -> bool:
        """Remove `anonymous_id` from a response that belongs to someone else; True if it changed.

        The update is conditional on the document read, so a concurrent change is never lost
        (the caller's next erasure run finds the id again).
        """
        key = to_item(response_key(tenant_id, survey_id, response_id))
        item = self._db.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        if item is None:
            return False
        values = from_item(item)
        response = decode_response(values)
        if response.anonymous_id != anonymous_id:
            return False
        scrubbed = response.model_copy(update={"anonymous_id": None})
        try:
            self._db.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET #doc = :new",
                ConditionExpression="#doc = :old",
                ExpressionAttributeNames={"#doc": _DOC},
                ExpressionAttributeValues=to_item(
                    {":new": scrubbed.model_dump_json(exclude_none=True), ":old": values[_DOC]}
                ),
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    # --- retention -----------------------------------------------------------------------------

    def responses_on_day(self, tenant_id: str, day: date) -> Iterator[tuple[StoredResponse, int | None]]:
        """Every response submitted on a UTC day, with its `expires_at`."""
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            IndexName="by_day",
            KeyConditionExpression="by_day_pk = :d",
            ExpressionAttributeValues=to_item({":d": day_partition(tenant_id, day)}),
        ):
            for raw in page.get("Items", []):
                item = from_item(raw)
                if item.get("item_type") == "response" and _DOC in item:
                    expires = item.get("expires_at")
                    yield decode_response(item), None if expires is None else int(expires)

    def rewrite_response(
        self,
        tenant_id: str,
        survey_id: str,
        response_id: str,
        change: Callable[[StoredResponse], StoredResponse | None],
    ) -> bool:
        """Store `change(response)` in place of the response; True if it changed.

        `change` returns None when there is nothing to do. The write is conditional on the
        document read, so a concurrent change (a partial response completed) is never lost: the
        document is read again and `change` applied to it, a few times at most.
        """
        key = to_item(response_key(tenant_id, survey_id, response_id))
        for _ in range(_ATTEMPTS):
            item = self._db.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
            if item is None:
                return False
            values = from_item(item)
            changed = change(decode_response(values))
            if changed is None:
                return False
            try:
                self._db.update_item(
                    TableName=self._table,
                    Key=key,
                    UpdateExpression="SET #doc = :new",
                    ConditionExpression="#doc = :old",
                    ExpressionAttributeNames={"#doc": _DOC},
                    ExpressionAttributeValues=to_item(
                        {":new": changed.model_dump_json(exclude_none=True), ":old": values[_DOC]}
                    ),
                )
            except self._db.exceptions.ConditionalCheckFailedException:
                continue
            return True
        raise RuntimeError(f"response {response_id} kept changing while it was being rewritten")

    def delete_response(self, response: StoredResponse) -> int:
        """Delete a response and the guards that still point at it; returns the items deleted."""
        tenant, survey = response.tenant_id, response.survey_id
        deleted = self.delete_keys([response_key(tenant, survey, response.response_id)])
        pk = f"TENANT#{tenant}#SURVEY#{survey}"
        guards = [
            f"{prefix}#{r}"
            for r in [
                *respondent_keys(response.user_id, response.anonymous_id),
                f"response:{response.response_id}",
            ]
            for prefix in ("RESPONDENT", "COUPON")
        ]
        for sk in guards:
            try:
                self._db.delete_item(
                    TableName=self._table,
                    Key=to_item({"pk": pk, "sk": sk}),
                    ConditionExpression="response_id = :rid",
                    ExpressionAttributeValues=to_item({":rid": response.response_id}),
                )
                deleted += 1
            except self._db.exceptions.ConditionalCheckFailedException:
                continue  # no guard, or it points at a later response of the respondent
        return deleted


def utc_day(response: StoredResponse) -> date:
    """The UTC day a response was submitted (its `by_day` partition and lake partition)."""
    return response.submitted_at.astimezone(UTC).date()
