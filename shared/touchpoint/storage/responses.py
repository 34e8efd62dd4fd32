"""Survey and feedback responses in the responses table.

Items:
- `pk=TENANT#<t>#SURVEY#<s>, sk=RESPONSE#<responseId>`: one response (a partial one is completed
  in place). The response itself is the JSON document `doc` (a `StoredResponse`); beside it are
  only the attributes that keys, conditions and filters use (`complete`, `submitted_at`,
  `channel`, `location_id`, `lake_written`), which keeps reads of thousands of responses cheap.
  Indexed by
  - `by_day` (`by_day_pk=TENANT#<t>#DAY#<UTC date submitted>`, `gsi_sk=<s>#<submittedAt>#<id>`):
    a tenant-day, and inside it one survey's responses in time order;
  - `by_person` (`by_person_pk=TENANT#<t>#PERSON#user:<userId>` or `...#anon:<anonymousId>`,
    same `gsi_sk`): a person's responses, survey by survey.
- `pk=TENANT#<t>#SURVEY#<s>, sk=RESPONDENT#<respondent>`: the repeat-window guard (which
  response the respondent gave last, and when); written in the same transaction as the response
  under the condition that no other response of the respondent lies inside the window.

`expires_at` (TTL) is set from the tenant's response retention on every item.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from touchpoint.models.surveys import StoredResponse, iso_utc
from touchpoint.storage.dynamo import from_item, to_item
from touchpoint.storage.transactions import cancelled_indexes

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_PAGE = 200
_DOC = "doc"
_PROJECTION = "#doc, gsi_sk"  # what listings read: the document and its sort key


class ResponseIdTakenError(Exception):
    """A response with that id exists already."""


class ResponseChangedError(Exception):
    """The stored response is not the partial version the update was based on."""


class RespondentGuardError(Exception):
    """The respondent gave another response inside the repeat window."""


def response_key(tenant_id: str, survey_id: str, response_id: str) -> dict[str, str]:
    """The table key of a response."""
    return {"pk": f"TENANT#{tenant_id}#SURVEY#{survey_id}", "sk": f"RESPONSE#{response_id}"}


def person_partition(tenant_id: str, respondent: str) -> str:
    """`by_person_pk` of a respondent key such as `user:42` or `anon:abc`."""
    return f"TENANT#{tenant_id}#PERSON#{respondent}"


def day_partition(tenant_id: str, day: date) -> str:
    """`by_day_pk` of a UTC day."""
    return f"TENANT#{tenant_id}#DAY#{day.isoformat()}"


def response_item(response: StoredResponse, expires_at: int) -> dict[str, Any]:
    """The DynamoDB item (plain values) of a response, with its index keys."""
    submitted = response.submitted_at.astimezone(UTC)
    item: dict[str, Any] = {
        **response_key(response.tenant_id, response.survey_id, response.response_id),
        "item_type": "response",
        "by_day_pk": day_partition(response.tenant_id, submitted.date()),
        "gsi_sk": f"{response.survey_id}#{iso_utc(submitted)}#{response.response_id}",
        "expires_at": expires_at,
        "complete": response.complete,
        "submitted_at": iso_utc(submitted),
        "channel": response.channel,
        "location_id": response.location_id,
        "lake_written": response.lake_written,
        _DOC: response.model_dump_json(exclude_none=True),
    }
    person = respondent_keys(response.user_id, response.anonymous_id)
    if person:
        item["by_person_pk"] = person_partition(response.tenant_id, person[0])
    return item


def decode_response(item: dict[str, Any]) -> StoredResponse:
    """The response of an item read with `from_item`."""
    return StoredResponse.model_validate_json(item[_DOC])


def respondent_keys(user_id: str | None, anonymous_id: str | None) -> list[str]:
    """The keys a respondent is known by: `user:<id>` first, then `anon:<id>`."""
    keys = []
    if user_id:
        keys.append(f"user:{user_id}")
    if anonymous_id:
        keys.append(f"anon:{anonymous_id}")
    return keys


@dataclass(frozen=True)
class Position:
    """Where a listing stopped: the last returned response."""

    day: date
    gsi_sk: str
    response_id: str


@dataclass(frozen=True)
class ResponseFilter:
    """Which responses of a survey a listing returns (times are UTC, `end` exclusive)."""

    start: datetime
    end: datetime
    channel: str | None = None
    location_id: str | None = None


class ResponseRepository:
    """Store, complete, read and list responses."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def save(
        self,
        response: StoredResponse,
        *,
        previous_submitted_at: datetime | None,
        guard_respondents: list[str],
        window_start: datetime | None,
        expires_at: int,
    ) -> None:
        """Write a new response (`previous_submitted_at=None`) or complete/replace a partial one.

        With `window_start`, a guard per respondent key is written in the same transaction under
        the condition that its last response is older than `window_start` or is this one.
        Raises ResponseIdTakenError, ResponseChangedError or RespondentGuardError.
        """
        put: dict[str, Any] = {"TableName": self._table, "Item": to_item(response_item(response, expires_at))}
        if previous_submitted_at is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "complete = :false AND submitted_at = :prev"
            put["ExpressionAttributeValues"] = to_item(
                {":false": False, ":prev": iso_utc(previous_submitted_at)}
            )
        items: list[dict[str, Any]] = [{"Put": put}]
        if window_start is not None:
            items += [
                self._guard_put(response, respondent, window_start, expires_at)
                for respondent in guard_respondents
            ]
        try:
            self._db.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except self._db.exceptions.TransactionCanceledException as error:
            failed = cancelled_indexes(error)
            if not failed:
                raise
            if any(i >= 1 for i in failed):
                raise RespondentGuardError(response.response_id) from None
            if previous_submitted_at is None:
                raise ResponseIdTakenError(response.response_id) from None
            raise ResponseChangedError(response.response_id) from None

    def _guard_put(
        self, response: StoredResponse, respondent: str, window_start: datetime, expires_at: int
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "pk": f"TENANT#{response.tenant_id}#SURVEY#{response.survey_id}",
            "sk": f"RESPONDENT#{respondent}",
            "item_type": "respondent_guard",
            "response_id": response.response_id,
            "last_at": iso_utc(response.submitted_at),
            "expires_at": expires_at,
        }
        if not respondent.startswith("response:"):
            item["by_person_pk"] = person_partition(response.tenant_id, respondent)
            item["gsi_sk"] = f"{response.survey_id}#RESPONDENT"
        return {
            "Put": {
                "TableName": self._table,
                "Item": to_item(item),
                "ConditionExpression": "attribute_not_exists(pk) OR last_at < :start OR response_id = :rid",
                "ExpressionAttributeValues": to_item(
                    {":start": iso_utc(window_start), ":rid": response.response_id}
                ),
            }
        }

    def finish(self, response: StoredResponse) -> None:
        """Store the response as finished (coupon claimed, lake copy written)."""
        done = response.model_copy(update={"lake_written": True})
        self._db.update_item(
            TableName=self._table,
            Key=to_item(response_key(response.tenant_id, response.survey_id, response.response_id)),
            UpdateExpression="SET #doc = :doc, lake_written = :true",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#doc": _DOC},
            ExpressionAttributeValues=to_item(
                {":doc": done.model_dump_json(exclude_none=True), ":true": True}
            ),
        )

    def get(self, tenant_id: str, survey_id: str, response_id: str) -> StoredResponse | None:
        """One response (strongly consistent), or None."""
        item = self._db.get_item(
            TableName=self._table,
            Key=to_item(response_key(tenant_id, survey_id, response_id)),
            ConsistentRead=True,
        ).get("Item")
        return None if item is None else decode_response(from_item(item))

    def page(
        self,
        tenant_id: str,
        survey_id: str,
        window: ResponseFilter,
        *,
        after: Position | None,
        limit: int,
    ) -> tuple[list[StoredResponse], Position | None]:
        """Up to `limit` responses in time order after `after`, and where to continue (None at the end)."""
        found: list[StoredResponse] = []
        for item in self._scan_items(tenant_id, survey_id, window, after, page_size=min(_PAGE, limit + 1)):
            found.append(decode_response(item))
            if len(found) == limit:
                last = found[-1]
                return found, Position(
                    last.submitted_at.astimezone(UTC).date(), str(item["gsi_sk"]), last.response_id
                )
        return found, None

    def iterate(self, tenant_id: str, survey_id: str, window: ResponseFilter) -> Iterator[StoredResponse]:
        """Every response of the filter in time order (for exports), read page by page."""
        for item in self._scan_items(tenant_id, survey_id, window, None, page_size=None):
            yield decode_response(item)

    def _scan_items(
        self,
        tenant_id: str,
        survey_id: str,
        window: ResponseFilter,
        after: Position | None,
        page_size: int | None,
    ) -> Iterator[dict[str, Any]]:
        """Items of the filter in time order; `page_size=None` reads DynamoDB's full 1 MB pages."""
        first = window.start.astimezone(UTC).date()
        last = window.end.astimezone(UTC).date()
        if after is not None:
            first = max(first, after.day)
        names: dict[str, str] = {"#doc": _DOC}
        filters: list[str] = []
        values: dict[str, Any] = {
            ":lo": f"{survey_id}#{iso_utc(window.start)}",
            ":hi": f"{survey_id}#{iso_utc(window.end)}",
        }
        if window.channel:
            filters.append("#ch = :ch")
            names["#ch"] = "channel"
            values[":ch"] = window.channel
        if window.location_id:
            filters.append("location_id = :loc")
            values[":loc"] = window.location_id
        day = first
        while day <= last:
            values[":day"] = day_partition(tenant_id, day)
            params: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": "by_day",
                "KeyConditionExpression": "by_day_pk = :day AND gsi_sk BETWEEN :lo AND :hi",
                "ProjectionExpression": _PROJECTION,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_item(values),
            }
            if filters:
                params["FilterExpression"] = " AND ".join(filters)
            if page_size is not None:
                params["Limit"] = page_size
            if after is not None and after.day == day:
                params["ExclusiveStartKey"] = to_item(
                    {
                        **response_key(tenant_id, survey_id, after.response_id),
                        "by_day_pk": values[":day"],
                        "gsi_sk": after.gsi_sk,
                    }
                )
            while True:
                result = self._db.query(**params)
                for raw in result.get("Items", []):
                    yield from_item(raw)
                start_key = result.get("LastEvaluatedKey")
                if not start_key:
                    break
                params["ExclusiveStartKey"] = start_key
            day = date.fromordinal(day.toordinal() + 1)

    def for_person(self, tenant_id: str, respondent: str) -> list[StoredResponse]:
        """A person's responses (by `user:<id>` or `anon:<id>`), survey by survey, in time order."""
        found: list[StoredResponse] = []
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            IndexName="by_person",
            KeyConditionExpression="by_person_pk = :p",
            FilterExpression="item_type = :r",
            ExpressionAttributeValues=to_item(
                {":p": person_partition(tenant_id, respondent), ":r": "response"}
            ),
        ):
            found.extend(decode_response(from_item(i)) for i in page.get("Items", []))
        return found

    def for_tenant_period(self, tenant_id: str, start: datetime, end: datetime) -> Iterator[StoredResponse]:
        """Every response of every survey submitted in `[start, end)` (aware UTC), day by day.

        Used by the insights comment drill-down, which spans all surveys of a tenant-local day.
        """
        day = start.astimezone(UTC).date()
        last = end.astimezone(UTC).date()
        while day <= last:
            paginator = self._db.get_paginator("query")
            for page in paginator.paginate(
                TableName=self._table,
                IndexName="by_day",
                KeyConditionExpression="by_day_pk = :day",
                FilterExpression="item_type = :r AND submitted_at >= :start AND submitted_at < :end",
                ExpressionAttributeValues=to_item(
                    {
                        ":day": day_partition(tenant_id, day),
                        ":r": "response",
                        ":start": iso_utc(start),
                        ":end": iso_utc(end),
                    }
                ),
            ):
                for raw in page.get("Items", []):
                    yield decode_response(from_item(raw))
            day = date.fromordinal(day.toordinal() + 1)
