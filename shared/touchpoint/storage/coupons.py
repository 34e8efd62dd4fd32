"""Thank-you coupons: a survey's code pool and the once-per-respondent guard.

Items:
- config table `pk=TENANT#<t>, sk=COUPONPOOL#<survey>`: the pool's `pool_size` and `next_index`
  (the index of the next code to hand out).
- config table `pk=TENANT#<t>#COUPONPOOL#<survey>, sk=CODE#<index, 8 digits>`: one code each.
- responses table `pk=TENANT#<t>#SURVEY#<survey>, sk=COUPON#<respondent>`: the code a respondent
  got (and for which response), so nobody gets a second one. It carries `by_person_pk` so that an
  erasure finds it by person.

A code is claimed in one transaction that advances `next_index` under the condition that it still has
the value read, and creates the respondent's guard under the condition that it does not exist:
two concurrent completions never get the same code, and one respondent never gets two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from touchpoint.storage.batches import batch_write
from touchpoint.storage.dynamo import from_item, to_item
from touchpoint.storage.transactions import cancelled_indexes

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_MAX_ATTEMPTS = 20


class PoolChangedError(Exception):
    """The pool's size changed concurrently while codes were added."""


@dataclass(frozen=True)
class PoolStats:
    """How many codes a pool holds and how many were handed out."""

    size: int
    issued: int

    @property
    def remaining(self) -> int:
        """Codes still available."""
        return max(0, self.size - self.issued)


@dataclass(frozen=True)
class Guard:
    """The coupon a respondent received."""

    respondent: str
    response_id: str
    code: str | None


class CouponRepository:
    """Add codes to a pool, read its stats, and claim a code once per respondent."""

    def __init__(self, dynamodb: DynamoDBClient, config_table: str, responses_table: str) -> None:
        self._db = dynamodb
        self._config = config_table
        self._responses = responses_table

    @staticmethod
    def _meta_key(tenant_id: str, survey_id: str) -> dict[str, str]:
        return {"pk": f"TENANT#{tenant_id}", "sk": f"COUPONPOOL#{survey_id}"}

    @staticmethod
    def _code_key(tenant_id: str, survey_id: str, index: int) -> dict[str, str]:
        return {"pk": f"TENANT#{tenant_id}#COUPONPOOL#{survey_id}", "sk": f"CODE#{index:08d}"}

    @staticmethod
    def _guard_key(tenant_id: str, survey_id: str, respondent: str) -> dict[str, str]:
        return {"pk": f"TENANT#{tenant_id}#SURVEY#{survey_id}", "sk": f"COUPON#{respondent}"}

    def _meta(self, tenant_id: str, survey_id: str) -> dict[str, Any] | None:
        response = self._db.get_item(
            TableName=self._config, Key=to_item(self._meta_key(tenant_id, survey_id)), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else from_item(item)

    def stats(self, tenant_id: str, survey_id: str) -> PoolStats:
        """Size and issued count of a survey's pool (0/0 when it has none)."""
        meta = self._meta(tenant_id, survey_id) or {}
        return PoolStats(size=int(meta.get("pool_size", 0)), issued=int(meta.get("next_index", 0)))

    def codes(self, tenant_id: str, survey_id: str) -> list[str]:
        """Every code of a pool, in order."""
        found: list[str] = []
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._config,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues=to_item({":p": f"TENANT#{tenant_id}#COUPONPOOL#{survey_id}"}),
        ):
            found.extend(str(from_item(i)["code"]) for i in page.get("Items", []))
        return found

    def add_codes(self, tenant_id: str, survey_id: str, codes: list[str]) -> PoolStats:
        """Append the codes not yet in the pool; returns the new stats (PoolChangedError on a race)."""
        meta = self._meta(tenant_id, survey_id)
        size = 0 if meta is None else int(meta["pool_size"])
        existing = set(self.codes(tenant_id, survey_id)) if size else set()
        fresh = [c for c in dict.fromkeys(codes) if c not in existing]
        if not fresh:
            return self.stats(tenant_id, survey_id)
        items = [
            {
                "PutRequest": {
                    "Item": to_item({**self._code_key(tenant_id, survey_id, size + i), "code": code})
                }
            }
            for i, code in enumerate(fresh)
        ]
        batch_write(self._db, self._config, items)
        new_size = size + len(fresh)
        try:
            if meta is None:
                self._db.put_item(
                    TableName=self._config,
                    Item=to_item(
                        {**self._meta_key(tenant_id, survey_id), "pool_size": new_size, "next_index": 0}
                    ),
                    ConditionExpression="attribute_not_exists(pk)",
                )
            else:
                self._db.update_item(
                    TableName=self._config,
                    Key=to_item(self._meta_key(tenant_id, survey_id)),
                    UpdateExpression="SET pool_size = :new",
                    ConditionExpression="pool_size = :old",
                    ExpressionAttributeValues=to_item({":new": new_size, ":old": size}),
                )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise PoolChangedError(survey_id) from None
        return self.stats(tenant_id, survey_id)

    def guards(self, tenant_id: str, survey_id: str, respondents: list[str]) -> list[Guard]:
        """The existing guards of the respondents (strongly consistent)."""
        found: list[Guard] = []
        for respondent in respondents:
            item = self._db.get_item(
                TableName=self._responses,
                Key=to_item(self._guard_key(tenant_id, survey_id, respondent)),
                ConsistentRead=True,
            ).get("Item")
            if item is not None:
                values = from_item(item)
                found.append(Guard(respondent, str(values["response_id"]), values.get("code")))
        return found

    def _guard_puts(
        self,
        tenant_id: str,
        survey_id: str,
        respondents: list[str],
        response_id: str,
        code: str,
        issued_at: str,
        expires_at: int,
    ) -> list[dict[str, Any]]:
        puts: list[dict[str, Any]] = []
        for respondent in respondents:
            item: dict[str, Any] = {
                **self._guard_key(tenant_id, survey_id, respondent),
                "item_type": "coupon_guard",
                "response_id": response_id,
                "code": code,
                "issued_at": issued_at,
                "expires_at": expires_at,
            }
            if not respondent.startswith("response:"):
                item["by_person_pk"] = f"TENANT#{tenant_id}#PERSON#{respondent}"
                item["gsi_sk"] = f"{survey_id}#COUPON"
            puts.append(
                {
                    "Put": {
                        "TableName": self._responses,
                        "Item": to_item(item),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        return puts

    def _resolve_taken(
        self, tenant_id: str, survey_id: str, respondents: list[str], response_id: str
    ) -> str | None:
        # A guard exists: the same response retrying gets its code again, anyone else nothing.
        for guard in self.guards(tenant_id, survey_id, respondents):
            if guard.response_id == response_id:
                return guard.code
        return None

    def claim_from_pool(
        self,
        tenant_id: str,
        survey_id: str,
        respondents: list[str],
        response_id: str,
        *,
        issued_at: str,
        expires_at: int,
    ) -> str | None:
        """Hand the next pool code to the respondent, once; None when they had one or the pool is empty."""
        if self.guards(tenant_id, survey_id, respondents):
            return self._resolve_taken(tenant_id, survey_id, respondents, response_id)
        for _ in range(_MAX_ATTEMPTS):
            meta = self._meta(tenant_id, survey_id)
            if meta is None or int(meta["next_index"]) >= int(meta["pool_size"]):
                return None
            index = int(meta["next_index"])
            code_item = self._db.get_item(
                TableName=self._config,
                Key=to_item(self._code_key(tenant_id, survey_id, index)),
                ConsistentRead=True,
            ).get("Item")
            if code_item is None:
                raise RuntimeError(f"coupon pool of survey {survey_id} has no code at index {index}")
            code = str(from_item(code_item)["code"])
            advance = {
                "Update": {
                    "TableName": self._config,
                    "Key": to_item(self._meta_key(tenant_id, survey_id)),
                    "UpdateExpression": "SET next_index = :next",
                    "ConditionExpression": "next_index = :index AND pool_size > :index",
                    "ExpressionAttributeValues": to_item({":next": index + 1, ":index": index}),
                }
            }
            puts = self._guard_puts(
                tenant_id, survey_id, respondents, response_id, code, issued_at, expires_at
            )
            try:
                self._db.transact_write_items(TransactItems=[advance, *puts])  # type: ignore[list-item]
                return code
            except self._db.exceptions.TransactionCanceledException as error:
                failed = cancelled_indexes(error)
                if any(i >= 1 for i in failed):
                    return self._resolve_taken(tenant_id, survey_id, respondents, response_id)
                if not failed:
                    raise
                # Another completion took code `index` first: read the pool again.
        raise RuntimeError(f"could not claim a coupon of survey {survey_id}: too much contention")

    def claim_generated(
        self,
        tenant_id: str,
        survey_id: str,
        respondents: list[str],
        response_id: str,
        code: str,
        *,
        issued_at: str,
        expires_at: int,
    ) -> str | None:
        """Give a generated code to the respondent, once; None when they had one already."""
        puts = self._guard_puts(tenant_id, survey_id, respondents, response_id, code, issued_at, expires_at)
        try:
            self._db.transact_write_items(TransactItems=puts)  # type: ignore[arg-type]
        except self._db.exceptions.TransactionCanceledException as error:
            if not cancelled_indexes(error):
                raise
            return self._resolve_taken(tenant_id, survey_id, respondents, response_id)
        return code
