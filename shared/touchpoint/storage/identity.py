"""Identity links (anonymousId -> userId) and the erasure suppression list, in the people table.

Items:
- `pk=TENANT#<t>#ANON#<id>, sk=LINK`: the link of one id, attributes `user_id`, `linked_at`
  (ISO-8601 UTC time of the event that made the link) and `recorded_at`. `<id>` is an
  anonymousId, or the `previousId` of an alias (which may be an older userId).
- `pk=TENANT#<t>#LINKS#<nn>, sk=<id>`: the same link in one of 16 list shards (`nn` = 00..15 from
  a hash of the id), so `list_links` reads a tenant's links with 16 queries and no scan, and a
  busy tenant's new links spread over 16 partitions.
- `pk=TENANT#<t>#SUPPRESS#<person id>, sk=SUPPRESS`: a person who asked to be erased; ingest
  skips their events (written by the erasure process, read here). Attributes `group` (every id
  of the erased person, so a repeated or resumed erasure finds ids whose links are gone),
  `erasure_id` and `suppressed_at`.
- `pk=TENANT#<t>#SUPPRESS, sk=GENERATION`: the suppression list's generation `n`, raised by one
  after every `suppress` has written its ids (absent: 0). A reader that found ids absent from
  the list while the generation was `g` knows they are still absent as long as it reads `g`
  again, so ingest re-reads only ids it has not checked at the current generation.
- `pk=TENANT#<t>#PROFILE#<id>, any sk`: a person's profile, should one be stored; erasure and
  export read and delete every item of that partition.

When an id is linked to several users, the earliest link wins (ties: the smallest userId), as in
the metric engine; links are upserted without a condition, so two requests racing on the same new
id may leave the later writer's link (the engine re-derives links from the events either way).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from touchpoint.storage.batches import batch_get, batch_write
from touchpoint.storage.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LINK_SHARDS = 16


@dataclass(frozen=True, order=True)
class IdentityLink:
    """One link: `anonymous_id` (or an alias's previousId) belongs to `user_id` since `linked_at`."""

    anonymous_id: str
    user_id: str
    linked_at: datetime

    def precedes(self, other: IdentityLink) -> bool:
        """True when this link wins over `other` for the same id (earlier, then smaller userId)."""
        return (self.linked_at, self.user_id) < (other.linked_at, other.user_id)


@dataclass(frozen=True)
class PeopleLookup:
    """What one batched read found: the suppressed ids and the existing links."""

    suppressed: frozenset[str]
    links: Mapping[str, IdentityLink]


@dataclass(frozen=True)
class Suppression:
    """One id on the suppression list: the erased person's ids, which erasure put it there, when."""

    person_id: str
    group: tuple[str, ...]
    erasure_id: str | None
    suppressed_at: str | None


def link_shard(identifier: str) -> int:
    """The list shard (0..15) of an id."""
    return hashlib.sha256(identifier.encode("utf-8")).digest()[0] % LINK_SHARDS


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class IdentityRepository:
    """Identity links and suppression checks of a tenant's people."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    @staticmethod
    def _link_key(tenant_id: str, identifier: str) -> dict[str, str]:
        return {"pk": f"TENANT#{tenant_id}#ANON#{identifier}", "sk": "LINK"}

    @staticmethod
    def _suppress_key(tenant_id: str, person_id: str) -> dict[str, str]:
        return {"pk": f"TENANT#{tenant_id}#SUPPRESS#{person_id}", "sk": "SUPPRESS"}

    @staticmethod
    def _generation_key(tenant_id: str) -> dict[str, str]:
        return {"pk": f"TENANT#{tenant_id}#SUPPRESS", "sk": "GENERATION"}

    def suppression_generation(self, tenant_id: str) -> int:
        """The generation of the tenant's suppression list (strongly consistent; 0 before any erasure)."""
        response = self._db.get_item(
            TableName=self._table, Key=to_item(self._generation_key(tenant_id)), ConsistentRead=True
        )
        item = response.get("Item")
        return 0 if item is None else int(from_item(item).get("n", 0))

    def lookup(self, tenant_id: str, person_ids: Iterable[str], link_ids: Iterable[str] = ()) -> PeopleLookup:
        """One batched read: which of `person_ids` are suppressed, and the links of `link_ids`."""
        keys: list[dict[str, str]] = [self._suppress_key(tenant_id, p) for p in sorted(set(person_ids))]
        keys.extend(self._link_key(tenant_id, i) for i in sorted(set(link_ids)))
        suppressed: set[str] = set()
        links: dict[str, IdentityLink] = {}
        suppress_prefix = f"TENANT#{tenant_id}#SUPPRESS#"
        anon_prefix = f"TENANT#{tenant_id}#ANON#"
        for item in self._batch_get(keys):
            pk = str(item["pk"])
            if pk.startswith(suppress_prefix):
                suppressed.add(pk[len(suppress_prefix) :])
            elif pk.startswith(anon_prefix):
                identifier = pk[len(anon_prefix) :]
                links[identifier] = IdentityLink(
                    identifier, str(item["user_id"]), datetime.fromisoformat(str(item["linked_at"]))
                )
        return PeopleLookup(frozenset(suppressed), links)

    def is_suppressed(self, tenant_id: str, person_ids: Iterable[str]) -> frozenset[str]:
        """The ids among `person_ids` on the erasure suppression list (empty: none is)."""
        return self.lookup(tenant_id, person_ids).suppressed

    def get_link(self, tenant_id: str, identifier: str) -> IdentityLink | None:
        """The link of one id, or None."""
        return self.lookup(tenant_id, (), [identifier]).links.get(identifier)

    def record_links(
        self,
        tenant_id: str,
        candidates: Iterable[IdentityLink],
        known: Mapping[str, IdentityLink] | None = None,
    ) -> list[IdentityLink]:
        """Store the winning link of each id unless an earlier one is known; returns those written.

        `known` are the stored links of the candidates' ids (from `lookup`); without it they are
        read first.
        """
        best: dict[str, IdentityLink] = {}
        for link in candidates:
            if not link.anonymous_id or not link.user_id or link.anonymous_id == link.user_id:
                continue
            current = best.get(link.anonymous_id)
            if current is None or link.precedes(current):
                best[link.anonymous_id] = link
        if not best:
            return []
        stored = known if known is not None else self.lookup(tenant_id, (), best).links
        changed = [
            link
            for identifier, link in sorted(best.items())
            if identifier not in stored or link.precedes(stored[identifier])
        ]
        now = datetime.now(UTC).isoformat()
        requests: list[dict[str, Any]] = []
        for link in changed:
            values = {"user_id": link.user_id, "linked_at": _iso(link.linked_at), "recorded_at": now}
            requests.append(
                {"PutRequest": {"Item": to_item({**self._link_key(tenant_id, link.anonymous_id), **values})}}
            )
            shard_key = {
                "pk": f"TENANT#{tenant_id}#LINKS#{link_shard(link.anonymous_id):02d}",
                "sk": link.anonymous_id,
            }
            requests.append({"PutRequest": {"Item": to_item({**shard_key, **values})}})
        self._batch_write(requests)
        return changed

    def list_links(self, tenant_id: str) -> list[tuple[str, str]]:
        """Every `(anonymousId, userId)` link of a tenant, oldest link first (no scan)."""
        rows: list[tuple[str, str, str]] = []
        paginator = self._db.get_paginator("query")
        for shard in range(LINK_SHARDS):
            for page in paginator.paginate(
                TableName=self._table,
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues=to_item({":p": f"TENANT#{tenant_id}#LINKS#{shard:02d}"}),
            ):
                for raw in page.get("Items", []):
                    item = from_item(raw)
                    rows.append((str(item["linked_at"]), str(item["sk"]), str(item["user_id"])))
        return [(identifier, user) for _, identifier, user in sorted(rows)]

    # --- erasure (written by touchpoint.privacy) ------------------------------------------------

    def suppress(self, tenant_id: str, group: Sequence[str], *, erasure_id: str, at: datetime) -> int:
        """Put every id of `group` on the suppression list (idempotent upserts); returns how many.

        Raises the list's generation once the ids are written (so readers that cached absent ids
        check again).
        """
        ids = sorted(set(group))
        requests = [
            {
                "PutRequest": {
                    "Item": to_item(
                        {
                            **self._suppress_key(tenant_id, person_id),
                            "group": ids,
                            "erasure_id": erasure_id,
                            "suppressed_at": _iso(at),
                        }
                    )
                }
            }
            for person_id in ids
        ]
        self._batch_write(requests)
        self._db.update_item(
            TableName=self._table,
            Key=to_item(self._generation_key(tenant_id)),
            UpdateExpression="ADD #n :one",
            ExpressionAttributeNames={"#n": "n"},
            ExpressionAttributeValues=to_item({":one": 1}),
        )
        return len(ids)

    def suppressions(self, tenant_id: str, person_ids: Iterable[str]) -> dict[str, Suppression]:
        """The suppression entries of those of `person_ids` that are on the list."""
        keys = [self._suppress_key(tenant_id, p) for p in sorted(set(person_ids))]
        prefix = f"TENANT#{tenant_id}#SUPPRESS#"
        found: dict[str, Suppression] = {}
        for item in self._batch_get(keys):
            person_id = str(item["pk"])[len(prefix) :]
            found[person_id] = Suppression(
                person_id=person_id,
                group=tuple(str(i) for i in item.get("group") or [person_id]),
                erasure_id=item.get("erasure_id"),
                suppressed_at=item.get("suppressed_at"),
            )
        return found

    def delete_links(self, tenant_id: str, identifiers: Iterable[str]) -> int:
        """Delete the link items (and their list-shard copies) of the ids; returns how many existed."""
        ids = sorted(set(identifiers))
        existing = self.lookup(tenant_id, (), ids).links
        requests: list[dict[str, Any]] = []
        for identifier in ids:
            shard = {"pk": f"TENANT#{tenant_id}#LINKS#{link_shard(identifier):02d}", "sk": identifier}
            requests.append({"DeleteRequest": {"Key": to_item(self._link_key(tenant_id, identifier))}})
            requests.append({"DeleteRequest": {"Key": to_item(shard)}})
        self._batch_write(requests)
        return len(existing)

    def profile_items(self, tenant_id: str, identifiers: Iterable[str]) -> list[dict[str, Any]]:
        """Every item of the ids' profile partitions (`TENANT#<t>#PROFILE#<id>`)."""
        items: list[dict[str, Any]] = []
        paginator = self._db.get_paginator("query")
        for identifier in sorted(set(identifiers)):
            for page in paginator.paginate(
                TableName=self._table,
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues=to_item({":p": f"TENANT#{tenant_id}#PROFILE#{identifier}"}),
                ConsistentRead=True,
            ):
                items.extend(from_item(i) for i in page.get("Items", []))
        return items

    def delete_profile_items(self, items: Iterable[Mapping[str, Any]]) -> int:
        """Delete items read by `profile_items`; returns how many."""
        requests = [
            {"DeleteRequest": {"Key": to_item({"pk": item["pk"], "sk": item["sk"]})}} for item in items
        ]
        self._batch_write(requests)
        return len(requests)

    def _batch_get(self, keys: list[dict[str, str]]) -> list[dict[str, Any]]:
        return [from_item(i) for i in batch_get(self._db, self._table, [to_item(k) for k in keys])]

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        batch_write(self._db, self._table, requests)
