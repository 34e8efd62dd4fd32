"""Respondents' contact details, encrypted with the stage's KMS key, one item per answer.

Item (responses table, beside the responses but never inside one):
`pk=TENANT#<t>#CONTACT#<responseId>, sk=CONTACT` with `ciphertext` (base64 of KMS `Encrypt` of the
`ContactDetails` JSON under the encryption context `{tenant_id, response_id}`, so a ciphertext
copied to another answer or tenant does not decrypt), and in the clear only what replies and
announcements select by: `language`, `channel` (email|phone), `consent_at`, `survey_id`,
`location_id`, `submitted_at` and `expires_at` (the response's own TTL). The `by_day` index keys
(`by_day_pk=TENANT#<t>#CONTACTS#<UTC day submitted>`, `gsi_sk=<submittedAt>#<responseId>`) list a
tenant's consenting answers by time without decrypting anything; that partition is apart from the
responses' `TENANT#<t>#DAY#...`, so no response listing ever reads a contact item.

Only `reveal` decrypts (to send a reply); erasure and retention delete items by response id.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from touchpoint.models.contacts import ContactDetails, ContactRef
from touchpoint.models.surveys import StoredResponse, iso_utc
from touchpoint.storage.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_SK = "CONTACT"
_REF_FIELDS = "response_id, survey_id, location_id, submitted_at, #lang, channel"


class KmsClient(Protocol):
    """The two KMS calls contacts need (boto3's KMS client)."""

    def encrypt(self, **kwargs: Any) -> Mapping[str, Any]:
        """KMS Encrypt."""

    def decrypt(self, **kwargs: Any) -> Mapping[str, Any]:
        """KMS Decrypt."""


class ContactConflictError(Exception):
    """Another survey's answer of that response id has contact details already."""


class ContactUnreadableError(Exception):
    """A stored ciphertext does not decrypt under its answer's encryption context."""


def contact_key(tenant_id: str, response_id: str) -> dict[str, str]:
    """The table key of an answer's contact item."""
    return {"pk": f"TENANT#{tenant_id}#CONTACT#{response_id}", "sk": _SK}


def contacts_day_partition(tenant_id: str, day: str) -> str:
    """`by_day_pk` of the contact items of a UTC day (`YYYY-MM-DD`)."""
    return f"TENANT#{tenant_id}#CONTACTS#{day}"


def encryption_context(tenant_id: str, response_id: str) -> dict[str, str]:
    """What a contact's ciphertext is bound to: its tenant and answer."""
    return {"tenant_id": tenant_id, "response_id": response_id}


class ContactRepository:
    """Save, reveal, list and erase the contact details respondents left with their consent."""

    def __init__(self, dynamodb: DynamoDBClient, kms: KmsClient, table: str, key_id: str) -> None:
        self._db = dynamodb
        self._kms = kms
        self._table = table
        self._key_id = key_id

    def save(
        self,
        tenant_id: str,
        response: StoredResponse,
        contact: ContactDetails,
        *,
        expires_at: int | None = None,
    ) -> None:
        """Encrypt and keep the contact of an answer (a repeated save replaces it: idempotent).

        Raises ContactConflictError when another survey's answer of that id holds one already.
        """
        from botocore.exceptions import ClientError

        sealed = self._kms.encrypt(
            KeyId=self._key_id,
            Plaintext=contact.model_dump_json(exclude_none=True).encode("utf-8"),
            EncryptionContext=encryption_context(tenant_id, response.response_id),
        )["CiphertextBlob"]
        submitted = response.submitted_at.astimezone(UTC)
        item: dict[str, Any] = {
            **contact_key(tenant_id, response.response_id),
            "item_type": "contact",
            "by_day_pk": contacts_day_partition(tenant_id, submitted.date().isoformat()),
            "gsi_sk": f"{iso_utc(submitted)}#{response.response_id}",
            "ciphertext": base64.b64encode(sealed).decode("ascii"),
            "response_id": response.response_id,
            "survey_id": response.survey_id,
            "location_id": response.location_id,
            "submitted_at": iso_utc(submitted),
            "consent_at": iso_utc(submitted),
            "language": contact.language,
            "channel": contact.channel,
            "expires_at": expires_at,
        }
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(pk) OR survey_id = :survey",
                ExpressionAttributeValues={":survey": {"S": response.survey_id}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise ContactConflictError(response.response_id) from None
            raise

    def reveal(self, tenant_id: str, response_id: str) -> ContactDetails | None:
        """The decrypted contact of an answer, or None (use only to send a reply; raises
        ContactUnreadableError when the ciphertext does not belong to this answer)."""
        from botocore.exceptions import ClientError

        found = self._db.get_item(
            TableName=self._table, Key=to_item(contact_key(tenant_id, response_id)), ConsistentRead=True
        ).get("Item")
        if found is None:
            return None
        blob = base64.b64decode(str(from_item(found)["ciphertext"]))
        try:
            plain = self._kms.decrypt(
                CiphertextBlob=blob,
                EncryptionContext=encryption_context(tenant_id, response_id),
            )["Plaintext"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "InvalidCiphertextException":
                raise ContactUnreadableError(response_id) from None
            raise
        return ContactDetails.model_validate_json(plain)

    def has_consent(self, tenant_id: str, response_id: str) -> bool:
        """True when the respondent of the answer left a contact with consent (nothing decrypted)."""
        found = self._db.get_item(
            TableName=self._table,
            Key=to_item(contact_key(tenant_id, response_id)),
            ProjectionExpression="pk",
            ConsistentRead=True,
        )
        return "Item" in found

    def consenting(self, tenant_id: str, start: datetime, end: datetime) -> Iterator[ContactRef]:
        """The consenting answers submitted in `[start, end)`, oldest first (nothing decrypted)."""
        low, high = iso_utc(start), iso_utc(end)
        day = start.astimezone(UTC).date()
        last = end.astimezone(UTC).date()
        paginator = self._db.get_paginator("query")
        while day <= last:
            pages = paginator.paginate(
                TableName=self._table,
                IndexName="by_day",
                KeyConditionExpression="by_day_pk = :day AND gsi_sk BETWEEN :low AND :high",
                ExpressionAttributeValues={
                    ":day": {"S": contacts_day_partition(tenant_id, day.isoformat())},
                    ":low": {"S": low},
                    ":high": {"S": high},
                },
                ProjectionExpression=_REF_FIELDS,
                ExpressionAttributeNames={"#lang": "language"},
            )
            for page in pages:
                for raw in page.get("Items", []):
                    item = from_item(raw)
                    if str(item["submitted_at"]) >= high:
                        continue
                    yield ContactRef(
                        response_id=item["response_id"],
                        survey_id=item["survey_id"],
                        location_id=item.get("location_id"),
                        submitted_at=datetime.fromisoformat(str(item["submitted_at"])),
                        language=item["language"],
                        channel=item["channel"],
                    )
            day += timedelta(days=1)

    def erase(self, tenant_id: str, response_ids: Iterable[str]) -> int:
        """Delete the contacts of these answers; returns how many there were."""
        erased = 0
        for response_id in dict.fromkeys(response_ids):
            gone = self._db.delete_item(
                TableName=self._table,
                Key=to_item(contact_key(tenant_id, response_id)),
                ReturnValues="ALL_OLD",
            )
            erased += "Attributes" in gone
        return erased
