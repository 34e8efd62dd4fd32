"""Privacy and people: consent, IP truncation, contact hashes, suppression and identity links."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import TenantKeys, function_client, make_tenant
from tests.functional.ingest.support import (
    lake_events,
    lake_keys,
    quarantined,
    send,
    suppression_clock,
    track,
)
from touchpoint.models.tenants import TenantConfig
from touchpoint.privacy import contact_hash, contact_salt
from touchpoint.runtime import Runtime
from touchpoint.storage.dynamo import to_item
from touchpoint.storage.identity import IdentityLink


def test_events_without_analytics_consent_are_counted_not_stored(
    aws: Runtime, tenant: TenantKeys, capsys: pytest.CaptureFixture[str]
) -> None:
    denied = track(1, context={"consent": {"categoryPreferences": {"Analytics": False}}})
    with function_client("ingest") as client:
        response = send(client, "/v1/batch", {"batch": [denied, track(2)]}, tenant.write_key)
        single = send(client, "/v1/track", {**denied, "messageId": "x"}, tenant.write_key)
    assert response.status_code == 200 and single.status_code == 200
    assert [e["messageId"] for e in lake_events(aws, tenant.tenant_id)] == ["msg-00002"]
    assert quarantined(aws, tenant.tenant_id) == []
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [d["EventsConsentDenied"] for d in documents] == [[1.0], [1.0]]


def test_ip_is_truncated_and_contact_traits_hashed_before_storage(aws: Runtime, tenant: TenantKeys) -> None:
    identify = {
        "type": "identify",
        "userId": "u-1",
        "traits": {"email": "ada@example.com", "phone": "+49 30 1234567", "first_name": "Ada"},
        "context": {"ip": "203.0.113.99", "traits": {"email": "ada@example.com"}},
    }
    with function_client("ingest") as client:
        assert send(client, "/v1/batch", {"batch": [identify]}, tenant.write_key).status_code == 200
    [stored] = lake_events(aws, tenant.tenant_id)
    raw_object = aws.lake.get_bytes(lake_keys(aws, tenant.tenant_id)[0])
    salt = contact_salt(tenant.tenant_id, aws.settings.key_pepper)
    assert stored["context"]["ip"] == "203.0.113.0"
    assert stored["traits"] == {
        "first_name": "Ada",
        "email_hash": contact_hash(salt, "email", "ada@example.com"),
        "phone_hash": contact_hash(salt, "phone", "+49301234567"),
    }
    assert (
        b"ada@example.com" not in __import__("gzip").decompress(raw_object)
        and b"203.0.113.99" not in raw_object
    )


def test_a_tenant_that_opted_in_keeps_contact_traits(aws: Runtime) -> None:
    keys = make_tenant(aws, "optin", TenantConfig(store_contact_traits=True))
    with function_client("ingest") as client:
        send(
            client,
            "/v1/identify",
            {"userId": "u", "traits": {"email": "a@b.de"}, "context": {"ip": "1.2.3.4"}},
            keys.write_key,
        )
    [stored] = lake_events(aws, "optin")
    assert stored["traits"] == {"email": "a@b.de"} and stored["context"]["ip"] == "1.2.3.0"


def test_events_of_suppressed_people_are_skipped_and_counted(
    aws: Runtime, tenant: TenantKeys, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.clients.dynamodb.put_item(
        TableName=aws.settings.people_table,
        Item=to_item({"pk": f"TENANT#{tenant.tenant_id}#SUPPRESS#erased-user", "sk": "SUPPRESS"}),
    )
    batch = [
        track(1, userId="erased-user"),
        track(2),
        {"type": "identify", "userId": "erased-user", "anonymousId": "a-77"},
        {"type": "track", "userId": "erased-user"},  # invalid: must not reach the quarantine either
    ]
    with function_client("ingest") as client:
        response = send(client, "/v1/batch", {"batch": batch}, tenant.write_key)
        single = send(client, "/v1/track", {"userId": "erased-user", "event": "X"}, tenant.write_key)
    assert response.status_code == 200 and "rejected" not in json.loads(response.body)
    assert single.status_code == 200
    assert [e["messageId"] for e in lake_events(aws, tenant.tenant_id)] == ["msg-00002"]
    assert quarantined(aws, tenant.tenant_id) == []
    assert aws.identity.list_links(tenant.tenant_id) == []
    assert aws.identity.is_suppressed(tenant.tenant_id, ["erased-user", "anon-2"]) == frozenset(
        {"erased-user"}
    )
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [d["EventsSuppressed"] for d in documents] == [[3.0], [1.0]]


def test_identity_links_are_recorded_and_listed_for_the_rollup(aws: Runtime, tenant: TenantKeys) -> None:
    batch = [
        {"type": "identify", "userId": "u-1", "anonymousId": "a-1", "timestamp": "2026-11-02T10:00:00Z"},
        {"type": "alias", "userId": "u-2", "previousId": "u-old", "timestamp": "2026-11-02T11:00:00Z"},
        track(5, userId="u-3", anonymousId="a-3", timestamp="2026-11-02T12:00:00Z"),
        {"type": "page", "anonymousId": "a-4", "name": "Home"},  # no userId: no link
    ]
    with function_client("ingest") as client:
        assert send(client, "/v1/batch", {"batch": batch}, tenant.write_key).status_code == 200
        # a later identify links a-1 to another user: the earliest link stays
        later = {
            "type": "identify",
            "userId": "u-9",
            "anonymousId": "a-1",
            "timestamp": "2026-11-03T10:00:00Z",
        }
        assert send(client, "/v1/batch", {"batch": [later]}, tenant.write_key).status_code == 200
    assert aws.identity.list_links(tenant.tenant_id) == [("a-1", "u-1"), ("u-old", "u-2"), ("a-3", "u-3")]
    link = aws.identity.get_link(tenant.tenant_id, "a-1")
    assert link == IdentityLink("a-1", "u-1", datetime(2026, 11, 2, 10, tzinfo=UTC))
    item = aws.clients.dynamodb.get_item(
        TableName=aws.settings.people_table, Key=to_item({"pk": "TENANT#acme#ANON#a-1", "sk": "LINK"})
    )["Item"]
    assert item["user_id"] == {"S": "u-1"} and item["linked_at"]["S"].startswith("2026-11-02T10:00:00")


def test_an_earlier_link_replaces_a_later_one_and_tenants_do_not_share_links(
    aws: Runtime, tenant: TenantKeys, other_tenant: TenantKeys
) -> None:
    late = {"type": "identify", "userId": "u-late", "anonymousId": "a-1", "timestamp": "2026-11-05T10:00:00Z"}
    early = {
        "type": "identify",
        "userId": "u-early",
        "anonymousId": "a-1",
        "timestamp": "2026-11-01T10:00:00Z",
    }
    with function_client("ingest") as client:
        send(client, "/v1/batch", {"batch": [late]}, tenant.write_key)
        send(client, "/v1/batch", {"batch": [early]}, tenant.write_key)
    assert aws.identity.list_links("acme") == [("a-1", "u-early")]
    assert aws.identity.list_links("globex") == []


def test_returning_people_cost_no_link_read_or_write(
    aws: Runtime, tenant: TenantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = suppression_clock(monkeypatch)
    identify = {
        "type": "identify",
        "userId": "u-1",
        "anonymousId": "a-1",
        "timestamp": "2026-11-02T10:00:00Z",
    }
    seen: list[Any] = []

    def spy(params: Any, **kwargs: Any) -> None:
        seen.append(params)

    with function_client("ingest") as client:
        send(client, "/v1/batch", {"batch": [identify]}, tenant.write_key)
        aws.clients.dynamodb.meta.events.register("provide-client-params.dynamodb.*", spy)
        later = {**identify, "timestamp": "2026-11-03T10:00:00Z", "messageId": "again"}
        send(client, "/v1/batch", {"batch": [later]}, tenant.write_key)
        within_a_minute = list(seen)
        clock[0] += 60.0
        send(client, "/v1/batch", {"batch": [{**later, "messageId": "third"}]}, tenant.write_key)
        aws.clients.dynamodb.meta.events.unregister("provide-client-params.dynamodb.*", spy)
    # The suppression list is checked by its generation, read at most once a minute (the ids were
    # cleared at it); neither the link nor the ids are read again, and nothing is written to the
    # people table.
    generation = f"TENANT#{tenant.tenant_id}#SUPPRESS"
    assert generation not in [p["Key"]["pk"]["S"] for p in within_a_minute if "Key" in p]
    assert generation in [p["Key"]["pk"]["S"] for p in seen if "Key" in p]
    assert not any("RequestItems" in p for p in seen)
    assert aws.identity.list_links(tenant.tenant_id) == [("a-1", "u-1")]


def test_a_person_erased_after_their_ids_were_cleared_is_suppressed_within_60_seconds(
    aws: Runtime, tenant: TenantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = suppression_clock(monkeypatch)
    assert aws.identity.suppression_generation(tenant.tenant_id) == 0
    with function_client("ingest") as client:
        assert (
            send(client, "/v1/batch", {"batch": [track(1, userId="erin")]}, tenant.write_key).status_code
            == 200
        )
        # the container has cleared erin and anon-1; the erasure puts them on the list
        at = datetime.now(UTC)
        aws.identity.suppress(tenant.tenant_id, ["erin", "anon-1"], erasure_id="er-1", at=at)
        assert aws.identity.suppression_generation(tenant.tenant_id) == 1
        clock[0] += 60.0  # the container reads the generation again at most a minute later
        send(client, "/v1/batch", {"batch": [track(2, userId="erin"), track(3)]}, tenant.write_key)
        send(client, "/v1/track", {"anonymousId": "anon-1", "event": "X"}, tenant.write_key)
    assert sorted(e["messageId"] for e in lake_events(aws, tenant.tenant_id)) == ["msg-00001", "msg-00003"]
    aws.identity.suppress(tenant.tenant_id, ["erin"], erasure_id="er-1", at=at)  # a resumed erasure
    assert aws.identity.suppression_generation(tenant.tenant_id) == 2


def test_quarantined_input_keeps_no_full_ip_and_no_clear_contact_traits(
    aws: Runtime, tenant: TenantKeys
) -> None:
    personal = {
        "userId": "u-9",
        "traits": {"email": "jane@example.com"},
        "context": {"ip": "203.0.113.77", "traits": {"phone": "+49 170 1234567"}},
    }
    salt = contact_salt(tenant.tenant_id, aws.settings.key_pepper)
    bad_event = {"type": "identify", "timestamp": "not a time", **personal}
    bad_envelope = {"batch": [{"type": "track", "event": "X", **personal}], "sentAt": "not a time"}
    with function_client("ingest") as client:
        assert send(client, "/v1/batch", {"batch": [bad_event]}, tenant.write_key).status_code == 200
        assert send(client, "/v1/batch", bad_envelope, tenant.write_key, compress=True).status_code == 400
        unparseable = b'{"batch": [{"context": {"ip": "203.0.113.77"}'
        assert send(client, "/v1/batch", unparseable, tenant.write_key).status_code == 400
    lines = quarantined(aws, tenant.tenant_id)
    [event_line] = [line for line in lines if line["event"] is not None]
    [envelope_line] = [line for line in lines if line.get("code") == "validation_error"]
    [broken_line] = [line for line in lines if line.get("code") == "invalid_json"]
    assert event_line["event"]["context"]["ip"] == "203.0.113.0"
    assert event_line["event"]["traits"] == {"email_hash": contact_hash(salt, "email", "jane@example.com")}
    assert envelope_line["redacted"] is True
    [stored] = json.loads(base64.b64decode(envelope_line["payload"]))["batch"]
    assert stored["context"]["ip"] == "203.0.113.0" and set(stored["context"]["traits"]) == {"phone_hash"}
    assert stored["traits"] == event_line["event"]["traits"]
    text = json.dumps(lines)
    assert "jane@" not in text and "1234567" not in text
    # a body that does not parse cannot be taken apart: kept as it came, and said so
    assert broken_line["redacted"] is False and base64.b64decode(broken_line["payload"]) == unparseable
