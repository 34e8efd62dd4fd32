"""Contact consent through the survey API: encrypted apart from the answer, or refused and nothing stored."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import TenantKeys, function_client
from tests.functional.privacy.support import everything_stored
from tests.functional.surveys.support import NPS_SURVEY, active_survey, call, stored_docs
from touchpoint.models.contacts import ContactDetails
from touchpoint.runtime import Runtime
from touchpoint.storage.contacts import ContactUnreadableError, contact_key
from touchpoint.storage.dynamo import from_item, to_item

EMAIL = "erika.mustermann@example.org"
PHONE = "+49 30 9876-543"
ANSWER: dict[str, Any] = {
    "answers": {"nps": 3, "improve": "Zu lange Wartezeit an der Kasse"},
    "channel": "email",
    "userId": "user-42",
    "locationId": "berlin-mitte",
    "language": "de",
}


@pytest.fixture
def survey_id(aws: Runtime, tenant: TenantKeys) -> str:
    aws.locations.create_location(tenant.tenant_id, "berlin-mitte", "Berlin Mitte")
    with function_client("surveys") as client:
        return active_survey(client, tenant, NPS_SURVEY)


def _post(tenant: TenantKeys, survey_id: str, body: dict[str, Any]) -> tuple[int, Any]:
    with function_client("surveys") as client:
        status, answer, _ = call(client, "POST", f"/v1/surveys/{survey_id}/responses", tenant.write_key, body)
    return status, answer


def _contact_items(aws: Runtime) -> list[dict[str, Any]]:
    items = aws.clients.dynamodb.scan(TableName=aws.settings.responses_table)["Items"]
    return [from_item(i) for i in items if i.get("item_type", {}).get("S") == "contact"]


def _texts(aws: Runtime) -> str:
    return "\n".join(f"{s.where} {s.text}" for s in everything_stored(aws))


def test_a_consenting_contact_is_kept_encrypted_apart_from_the_answer_and_nowhere_else(
    aws: Runtime, tenant: TenantKeys, survey_id: str, capfd: pytest.CaptureFixture[str]
) -> None:
    contact = {"email": f"  {EMAIL} ", "phone": PHONE, "consent": True}
    status, body = _post(tenant, survey_id, {**ANSWER, "contact": contact})
    assert status == 201, body
    response_id = body["responseId"]

    [item] = _contact_items(aws)
    assert item["pk"] == f"TENANT#acme#CONTACT#{response_id}" and item["sk"] == "CONTACT"
    assert item["by_day_pk"] == f"TENANT#acme#CONTACTS#{body['submittedAt'][:10]}"
    assert (item["survey_id"], item["location_id"], item["language"], item["channel"]) == (
        survey_id,
        "berlin-mitte",
        "de",
        "email",
    )
    [doc] = stored_docs(aws)
    assert item["expires_at"] == doc["expires_at"]  # goes with the response's own retention
    ciphertext = base64.b64decode(item["ciphertext"])
    assert EMAIL.encode() not in ciphertext and b"9876543" not in ciphertext and len(ciphertext) > 40
    # nothing in any table or lake object holds the address or the number in the clear
    stored = _texts(aws)
    assert EMAIL not in stored and "9876543" not in stored and "9876-543" not in stored
    assert any(k.startswith("s3:responses/") for k in stored.split())  # the lake copy was searched
    assert "contact" not in doc and "contact" not in json.dumps(doc)
    logs = capfd.readouterr()
    assert EMAIL not in logs.out + logs.err and "9876" not in logs.out + logs.err

    assert aws.contacts.reveal("acme", response_id) == ContactDetails(
        email=EMAIL, phone="+49309876543", language="de"
    )
    assert aws.contacts.has_consent("acme", response_id)
    assert not aws.contacts.has_consent("globex", response_id)
    assert aws.contacts.reveal("globex", response_id) is None
    start = datetime.fromisoformat(body["submittedAt"]) - timedelta(minutes=1)
    [ref] = list(aws.contacts.consenting("acme", start, start + timedelta(minutes=2)))
    assert (ref.response_id, ref.survey_id, ref.location_id, ref.language, ref.channel) == (
        response_id,
        survey_id,
        "berlin-mitte",
        "de",
        "email",
    )
    assert (
        list(aws.contacts.consenting("acme", start + timedelta(minutes=2), start + timedelta(days=3))) == []
    )
    assert list(aws.contacts.consenting("globex", start, start + timedelta(minutes=2))) == []


@pytest.mark.parametrize(
    ("contact", "field", "message"),
    [
        ({"email": EMAIL}, "contact.consent", "must be true"),
        ({"email": EMAIL, "consent": False}, "contact.consent", "must be true"),
        ({"phone": PHONE, "consent": "yes"}, "contact.consent", "must be true"),
        ({"email": "erika@localhost", "consent": True}, "contact.email", "not a valid e-mail"),
        ({"email": "erika@@example.org", "consent": True}, "contact.email", "not a valid e-mail"),
        ({"email": "erika muster@example.org", "consent": True}, "contact.email", "not a valid e-mail"),
        ({"email": "a" * 250 + "@example.org", "consent": True}, "contact.email", "not a valid e-mail"),
        ({"phone": "030 1234567", "consent": True}, "contact.phone", "not a valid phone"),
        ({"phone": "+49 (30) 1234567", "consent": True}, "contact.phone", "not a valid phone"),
        ({"phone": "+123456", "consent": True}, "contact.phone", "not a valid phone"),
        ({"consent": True}, "contact", "needs an email or a phone"),
        ({"email": EMAIL, "consent": True, "fax": "1"}, "contact.fax", "Extra inputs"),
    ],
)
def test_a_contact_without_consent_or_valid_details_is_refused_and_nothing_is_stored(
    aws: Runtime,
    tenant: TenantKeys,
    survey_id: str,
    contact: dict[str, Any],
    field: str,
    message: str,
) -> None:
    before = sorted((s.where, s.text) for s in everything_stored(aws))
    status, body = _post(tenant, survey_id, {**ANSWER, "contact": contact})
    assert status == 400 and body["field"] == field and message in body["message"], body
    assert EMAIL not in json.dumps(body) and "9876543" not in json.dumps(body)  # the value is not echoed
    assert sorted((s.where, s.text) for s in everything_stored(aws)) == before


def test_a_partial_answer_may_bring_the_contact_at_completion(
    aws: Runtime, tenant: TenantKeys, survey_id: str
) -> None:
    status, body = _post(tenant, survey_id, {**ANSWER, "complete": False})
    assert status == 201, body
    response_id = body["responseId"]
    assert _contact_items(aws) == []
    with function_client("surveys") as client:
        path = f"/v1/surveys/{survey_id}/responses/{response_id}"
        status, body, _ = call(
            client, "PUT", path, tenant.write_key, {"contact": {"phone": PHONE, "consent": True}}
        )
    assert status == 200 and body["complete"] is True, body
    revealed = aws.contacts.reveal("acme", response_id)
    assert revealed is not None and revealed.phone == "+49309876543" and revealed.channel == "phone"


def test_a_ciphertext_moved_to_another_answer_does_not_decrypt(
    aws: Runtime, tenant: TenantKeys, survey_id: str
) -> None:
    first = _post(tenant, survey_id, {**ANSWER, "contact": {"email": EMAIL, "consent": True}})[1][
        "responseId"
    ]
    other = _post(
        tenant, survey_id, {**ANSWER, "userId": "user-43", "contact": {"phone": PHONE, "consent": True}}
    )
    second = other[1]["responseId"]
    db, table = aws.clients.dynamodb, aws.settings.responses_table
    stolen = db.get_item(TableName=table, Key=to_item(contact_key("acme", first)))["Item"]["ciphertext"]
    db.update_item(
        TableName=table,
        Key=to_item(contact_key("acme", second)),
        UpdateExpression="SET ciphertext = :c",
        ExpressionAttributeValues={":c": stolen},
    )
    with pytest.raises(ContactUnreadableError):
        aws.contacts.reveal("acme", second)
    revealed = aws.contacts.reveal("acme", first)
    assert revealed is not None and revealed.email == EMAIL


def test_saving_twice_keeps_one_contact_and_erase_counts_what_was_there(
    aws: Runtime, tenant: TenantKeys, survey_id: str
) -> None:
    response_id = _post(tenant, survey_id, {**ANSWER, "contact": {"email": EMAIL, "consent": True}})[1][
        "responseId"
    ]
    response = aws.responses.get("acme", survey_id, response_id)
    assert response is not None
    details = ContactDetails(email=EMAIL, language="de")
    aws.contacts.save("acme", response, details)
    assert len(_contact_items(aws)) == 1 and aws.contacts.reveal("acme", response_id) == details
    assert aws.contacts.erase("acme", [response_id, response_id, "r-unknown-1"]) == 1
    assert _contact_items(aws) == [] and not aws.contacts.has_consent("acme", response_id)
    assert aws.contacts.erase("acme", [response_id]) == 0


def test_erasing_the_person_erases_their_contacts_and_the_export_shows_them_before(
    aws: Runtime, tenant: TenantKeys, survey_id: str, other_tenant: TenantKeys
) -> None:
    mine = _post(tenant, survey_id, {**ANSWER, "contact": {"email": EMAIL, "consent": True}})[1]["responseId"]
    theirs = _post(
        tenant, survey_id, {**ANSWER, "userId": "user-7", "contact": {"phone": PHONE, "consent": True}}
    )
    with function_client("surveys") as client:
        status, document, _ = call(client, "GET", "/v1/people/user-42/export", tenant.admin_key)
        assert status == 200, document
        assert document["contacts"] == [{"responseId": mine, "email": EMAIL, "language": "de"}]
        status, erased, _ = call(client, "DELETE", "/v1/people/user-42", tenant.admin_key)
        assert status in (200, 202), erased
        assert erased["removed"]["contacts"] == 1
        status, document, _ = call(client, "GET", "/v1/people/user-42/export", tenant.admin_key)
    assert document["contacts"] == []
    assert not aws.contacts.has_consent("acme", mine)
    assert aws.contacts.has_consent("acme", theirs[1]["responseId"])  # someone else's stays
    assert EMAIL not in _texts(aws)


def test_the_response_and_comment_retention_take_the_contact_with_them(
    aws: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import make_tenant
    from tests.functional.surveys.support import Clock
    from touchpoint.models.tenants import TenantConfig
    from touchpoint.privacy.retention_sweep import RetentionSweeper
    from touchpoint.surveys import service

    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    keys = make_tenant(aws, "shorty", TenantConfig(retention_days_responses=60, retention_days_comments=30))
    aws.locations.create_location("shorty", "berlin-mitte", "Berlin Mitte")
    clock = Clock(now - timedelta(days=61))
    monkeypatch.setattr(service, "utc_now", clock)
    with function_client("surveys") as client:
        survey = active_survey(client, keys, NPS_SURVEY)
    ids = {}
    for name, days in (("expired", 61), ("comments_gone", 40), ("kept", 10)):
        clock.now = now - timedelta(days=days)
        body = {**ANSWER, "userId": name, "contact": {"email": f"{name}@example.org", "consent": True}}
        status, answer = _post(keys, survey, body)
        assert status == 201, answer
        ids[name] = answer["responseId"]
    tenant = aws.tenants.get_tenant("shorty")
    assert tenant is not None
    RetentionSweeper(aws).sweep_tenant(tenant, now)
    assert {n: aws.contacts.has_consent("shorty", i) for n, i in ids.items()} == {
        "expired": False,
        "comments_gone": False,
        "kept": True,
    }


def test_the_contact_key_comes_from_the_template_rotating_and_usable_only_per_answer(aws: Runtime) -> None:
    kms: Any = aws.clients.kms
    assert aws.settings.contact_key_id == "alias/touchpoint-test-contacts"
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    key_id = aliases[aws.settings.contact_key_id]
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    policy = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    statements = {
        s["Sid"]: s for s in (json.loads(policy) if isinstance(policy, str) else policy)["Statement"]
    }
    use = statements["FunctionRolesEncryptAndDecryptPerAnswer"]
    assert sorted(use["Action"]) == ["kms:Decrypt", "kms:Encrypt"]
    assert use["Condition"]["ForAllValues:StringEquals"]["kms:EncryptionContextKeys"] == [
        "tenant_id",
        "response_id",
    ]
    assert "kms:Decrypt" not in statements["AccountAdministers"]["Action"]
    from tests.conftest import REPO_ROOT

    for function in ("surveys", "feedback", "insights"):
        document = json.loads((REPO_ROOT / "functions" / function / ".chalice" / "policy.json").read_text())
        [grant] = [s for s in document["Statement"] if s.get("Sid") == "ContactDetailsWithTheStageKey"]
        assert grant["Action"] == ["kms:Encrypt", "kms:Decrypt"], function
