"""Notification rules API: validation (nothing stored on a refusal), secrets shown once, rotate,
test sends, the per-tenant limit, roles and store scope, and the deliveries listing's filters."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import TenantKeys, function_client, team_session
from tests.functional.insights.webhook_server import webhook_server
from tests.functional.surveys.support import call
from touchpoint.alerts import standard_webhooks
from touchpoint.loop import notify_rules
from touchpoint.runtime import Runtime
from touchpoint_cli.apps import function_module

RULES = "/v1/notifications/rules"
VALID: dict[str, Any] = {
    "name": "Detraktoren in Hamburg",
    "conditions": {"score": {"kind": "nps", "max": 6}, "location_ids": ["hamburg"]},
    "destinations": {"slack_url": "https://hooks.slack.com/services/T0/B0/x"},
}


def with_(path: str, value: Any) -> dict[str, Any]:
    """VALID with one nested field replaced (`conditions.score`)."""
    body: dict[str, Any] = json.loads(json.dumps(VALID))
    *parents, last = path.split(".")
    node = body
    for name in parents:
        node = node[name]
    node[last] = value
    return body


def stored(aws: Runtime, tenant_id: str = "acme") -> list[str]:
    return [r.rule_id for r in aws.notifications.list_rules(tenant_id)]


def request(method: str, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, Any]:
    with function_client("insights") as client:
        raw = b"" if body is None else json.dumps(body).encode()
        response = client.http.request(
            method, path, headers={**headers, "Content-Type": "application/json"}, body=raw
        )
    text = response.body.decode() if isinstance(response.body, bytes) else response.body
    return response.status_code, json.loads(text) if text else None


def admin(tenant: TenantKeys) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant.admin_key}"}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (with_("destinations.slack_url", "http://hooks.example.com/x"), "destinations.slack_url", "https"),
        (with_("destinations.slack_url", "ftp://127.0.0.1/x"), "destinations.slack_url", "https"),
        (
            with_("destinations.webhook_url", "https://user:pw@hooks.example.com/x"),
            "destinations.webhook_url",
            "credentials",
        ),
        (with_("destinations.webhook_url", "not a url"), "destinations.webhook_url", ""),
        (with_("conditions", {}), "conditions", "at least one condition"),
        (
            with_("conditions.score", {"kind": "ces", "max": 9}),
            "conditions.score",
            "ces scores run from 1 to 7",
        ),
        (with_("destinations", {}), "destinations", "at least one destination"),
        (with_("destinations", {"digest_emails": ["nobody"]}), "destinations.digest_emails", "e-mail"),
        ({**VALID, "extra": 1}, "extra", ""),
        ("[1, 2]", "body", "JSON object"),
    ],
)
def test_a_refused_rule_names_the_field_and_stores_nothing(
    aws: Runtime, tenant: TenantKeys, body: Any, field: str, message: str
) -> None:
    with function_client("insights") as client:
        status, answer, _ = call(client, "POST", RULES, tenant.admin_key, body)
    assert status == 400, answer
    assert answer["field"] == field and message in answer["message"]
    assert stored(aws) == []


def test_http_is_allowed_only_to_this_machine_on_the_local_stages(aws: Runtime, tenant: TenantKeys) -> None:
    for url in ("http://127.0.0.1:9/hook", "http://localhost:9/hook"):
        status, answer = request("POST", RULES, admin(tenant), with_("destinations.slack_url", url))
        assert status == 201, answer
    status, answer = request(
        "POST", RULES, admin(tenant), with_("destinations.slack_url", "http://10.0.0.1/x")
    )
    assert status == 400 and "127.0.0.1 or localhost" in answer["message"]
    assert len(stored(aws)) == 2


def test_the_webhook_secret_is_shown_on_create_and_rotate_only(aws: Runtime, tenant: TenantKeys) -> None:
    body = with_("destinations.webhook_url", "https://hooks.example.com/touchpoint")
    status, created = request("POST", RULES, admin(tenant), body)
    assert status == 201 and created["webhook_secret"].startswith("whsec_")
    rule_id = created["rule_id"]
    status, shown = request("GET", f"{RULES}/{rule_id}", admin(tenant))
    assert status == 200 and "webhook_secret" not in shown and shown["has_webhook_secret"] is True
    status, listed = request("GET", RULES, admin(tenant))
    assert [r["rule_id"] for r in listed["rules"]] == [rule_id] and "webhook_secret" not in listed["rules"][0]
    status, rotated = request("POST", f"{RULES}/{rule_id}/rotate-secret", admin(tenant))
    assert status == 200 and rotated["webhook_secret"] not in ("", created["webhook_secret"])
    status, replaced = request("PUT", f"{RULES}/{rule_id}", admin(tenant), {**body, "name": "Renamed"})
    assert status == 200 and replaced["name"] == "Renamed" and "webhook_secret" not in replaced
    rule = aws.notifications.get_rule("acme", rule_id)
    assert rule is not None and rule.webhook_secret == rotated["webhook_secret"]
    status, _ = request("PUT", f"{RULES}/{rule_id}", admin(tenant), VALID)  # webhook removed: secret dropped
    rule = aws.notifications.get_rule("acme", rule_id)
    assert status == 200 and rule is not None and rule.webhook_secret is None
    status, refused = request("POST", f"{RULES}/{rule_id}/rotate-secret", admin(tenant))
    assert status == 409 and refused["code"] == "no_webhook"
    status, _ = request("DELETE", f"{RULES}/{rule_id}", admin(tenant))
    assert status == 200 and stored(aws) == []
    status, _ = request("DELETE", f"{RULES}/{rule_id}", admin(tenant))
    assert status == 404


def test_a_test_send_reaches_slack_and_the_signed_webhook(aws: Runtime, tenant: TenantKeys) -> None:
    with webhook_server() as slack, webhook_server(statuses=[410]) as hook:
        body = with_("destinations", {"slack_url": slack.url, "webhook_url": hook.url})
        status, created = request("POST", RULES, admin(tenant), body)
        assert status == 201
        status, result = request("POST", f"{RULES}/{created['rule_id']}/test", admin(tenant))
    assert status == 200
    assert result["results"] == [
        {"destination": "slack", "ok": True, "status_code": 200},
        {"destination": "webhook", "ok": False, "status_code": 410, "error": "the webhook answered HTTP 410"},
    ]
    [message] = slack.received
    assert json.loads(message.body)["text"].startswith("Neue Antwort: NPS 6 in hamburg")
    [signed] = hook.received
    assert standard_webhooks.verify(
        created["webhook_secret"], signed.headers, signed.body, now=_ts(signed.headers)
    )
    assert aws.notifications.list_deliveries("acme") == []  # a test send is not a delivery


def _ts(headers: dict[str, str]) -> int:
    return int(headers["webhook-timestamp"])


def test_a_digest_only_rule_has_nothing_to_test(tenant: TenantKeys) -> None:
    status, created = request(
        "POST", RULES, admin(tenant), with_("destinations", {"digest_emails": ["a@b.de"]})
    )
    assert status == 201
    status, refused = request("POST", f"{RULES}/{created['rule_id']}/test", admin(tenant))
    assert status == 409 and refused["code"] == "nothing_to_test"


def test_a_tenant_has_at_most_the_allowed_number_of_rules(
    aws: Runtime, tenant: TenantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        function_module("insights", "chalicelib.notifications_api"), "MAX_RULES_PER_TENANT", 2
    )
    assert notify_rules.MAX_RULES_PER_TENANT == 50
    for _ in range(2):
        assert request("POST", RULES, admin(tenant), VALID)[0] == 201
    status, refused = request("POST", RULES, admin(tenant), VALID)
    assert status == 422 and refused["code"] == "limit_reached" and "at most 2" in refused["message"]
    assert len(stored(aws)) == 2


def test_editors_write_rules_viewers_may_not_and_store_managers_only_for_their_stores(
    aws: Runtime, tenant: TenantKeys, other_tenant: TenantKeys
) -> None:
    viewer = team_session(aws, "acme", "viewer")
    assert request("GET", RULES, viewer)[0] == 403
    assert request("POST", RULES, viewer, VALID)[0] == 403
    editor = team_session(aws, "acme", "editor")
    status, everywhere = request("POST", RULES, editor, with_("conditions.location_ids", []))
    assert status == 201 and everywhere["created_by"].startswith("user:editor-")
    berlin = team_session(aws, "acme", "editor", locations=("berlin",))
    status, refused = request("POST", RULES, berlin, VALID)  # Hamburg is not theirs
    assert status == 400 and refused["field"] == "conditions.location_ids"
    status, refused = request("POST", RULES, berlin, with_("conditions.location_ids", []))
    assert status == 400  # nor a rule over every store
    status, own = request("POST", RULES, berlin, with_("conditions.location_ids", ["berlin"]))
    assert status == 201
    status, listed = request("GET", RULES, berlin)
    assert [r["rule_id"] for r in listed["rules"]] == [own["rule_id"]]
    assert request("GET", f"{RULES}/{everywhere['rule_id']}", berlin)[0] == 404
    assert request("DELETE", f"{RULES}/{everywhere['rule_id']}", berlin)[0] == 404
    assert request("GET", f"{RULES}/{own['rule_id']}", admin(other_tenant))[0] == 404
    assert len(stored(aws)) == 2


def test_the_deliveries_listing_checks_its_filters(tenant: TenantKeys) -> None:
    reader = {"Authorization": f"Bearer {tenant.read_key}"}
    assert request("GET", "/v1/notifications/deliveries", reader) == (200, {"deliveries": []})
    status, refused = request("GET", "/v1/notifications/deliveries?status=lost", reader)
    assert (
        status == 400 and refused["field"] == "status" and "queued, delivered, failed" in refused["message"]
    )
    status, refused = request("GET", "/v1/notifications/deliveries?from=2026-12-05&to=2026-12-01", reader)
    assert status == 400 and refused["field"] == "from"
