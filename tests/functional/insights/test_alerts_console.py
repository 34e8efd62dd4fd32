"""The alert rules console: rules created, edited, deleted, tested against a webhook; the webhook (admins)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client, team_session
from tests.functional.insights.webhook_server import webhook_server
from touchpoint.alerts.signing import verify_signature
from touchpoint.runtime import Runtime

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
RULE_FORM = {
    "name": "CSAT Hamburg",
    "metric": "csat",
    "breakdown_key_0": "location",
    "breakdown_value_0": "hamburg",
    "condition": "drops_by",
    "threshold": "15",
    "window_days": "1",
    "baseline_days": "28",
    "min_samples": "5",
    "enabled": "1",
}


@pytest.fixture
def api(aws: Runtime, tenant: TenantKeys) -> Iterator[Client]:
    with function_client("insights") as client:
        yield client


@pytest.fixture
def editor(aws: Runtime, tenant: TenantKeys) -> dict[str, str]:
    return team_session(aws, tenant.tenant_id, "editor")


def post(client: Client, path: str, headers: dict[str, str], fields: dict[str, str]) -> Any:
    return client.http.post(path, headers={**headers, **FORM}, body=urlencode(fields))


def page(response: Any) -> str:
    return str(response.body.decode("utf-8") if isinstance(response.body, bytes) else response.body)


def audit_actions(aws: Runtime, tenant: TenantKeys) -> list[str]:
    return [e.action for e in aws.audit.list(tenant.tenant_id, date.today(), date.today())]


def make_rule(client: Client, headers: dict[str, str]) -> str:
    created = post(client, "/console/alerts", headers, RULE_FORM)
    assert created.status_code == 303, page(created)
    return str(created.headers["Location"]).split("?")[0]


def test_an_editor_creates_a_rule_as_the_api_would(
    aws: Runtime, tenant: TenantKeys, api: Client, editor: dict[str, str]
) -> None:
    form_page = page(api.http.get("/console/alerts?lang=en", headers=editor))
    assert 'value="csat"' in form_page and 'value="drops_by"' in form_page
    assert "Webhook URL" not in form_page  # the webhook is for admins
    path = make_rule(api, editor)
    [rule] = aws.alerts.list_rules(tenant.tenant_id)
    assert path == f"/console/alerts/rules/{rule.rule_id}"
    assert rule.breakdown == {"location": "hamburg"} and rule.threshold == 15 and rule.min_samples == 5
    assert rule.condition.value == "drops_by" and rule.enabled
    api_view = json.loads(
        api.http.get(f"/v1/alerts/rules/{rule.rule_id}", headers=bearer(tenant.admin_key)).body
    )
    assert api_view["description"] == "csat location=hamburg drops by 15 % against its 28-day mean"
    shown = page(api.http.get(path + "?done=rule_created&lang=en", headers=editor))
    assert "The rule was created." in shown and 'value="hamburg"' in shown
    assert "alerts.rules.create" in audit_actions(aws, tenant)


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"name": ""}, "Please enter a name"),
        ({"metric": "top_products"}, "Please choose a metric."),
        ({"metric": "nope"}, "Please choose a metric."),
        ({"condition": "sideways"}, "Please choose a condition."),
        ({"threshold": ""}, "Please enter a number"),
        ({"threshold": "abc"}, "Please enter a number"),
        ({"threshold": "2000"}, "for percentage conditions above 0"),
        ({"breakdown_key_0": "planet"}, "Please choose a breakdown"),
        ({"breakdown_value_0": "two words"}, "Please choose a breakdown"),
        ({"window_days": "0"}, "Please enter 1 to 90 days."),
        ({"baseline_days": "x"}, "Please enter 1 to 365 days."),
    ],
)
def test_an_invalid_rule_shows_the_form_again_and_stores_nothing(
    aws: Runtime, tenant: TenantKeys, api: Client, editor: dict[str, str], change: dict[str, str], text: str
) -> None:
    response = post(api, "/console/alerts?lang=en", editor, {**RULE_FORM, **change})
    assert response.status_code == 400
    assert text in page(response) and "nothing was saved" in page(response)
    assert 'value="CSAT Hamburg"' in page(response) or change.get("name") == ""
    assert aws.alerts.list_rules(tenant.tenant_id) == []


def test_a_rule_is_edited_and_an_invalid_edit_changes_nothing(
    aws: Runtime, tenant: TenantKeys, api: Client, editor: dict[str, str]
) -> None:
    path = make_rule(api, editor)
    changed = {
        **RULE_FORM,
        "condition": "below",
        "threshold": "3.5",
        "breakdown_key_0": "",
        "breakdown_value_0": "",
    }
    changed.pop("enabled")
    saved = post(api, path, editor, changed)
    assert saved.status_code == 303 and saved.headers["Location"].endswith("done=rule_saved")
    [rule] = aws.alerts.list_rules(tenant.tenant_id)
    assert (
        rule.condition.value == "below"
        and rule.threshold == 3.5
        and rule.breakdown == {}
        and not rule.enabled
    )
    refused = post(api, path + "?lang=de", editor, {**changed, "window_days": "365"})
    assert refused.status_code == 400 and "Bitte 1 bis 90 Tage." in page(refused)
    assert aws.alerts.list_rules(tenant.tenant_id) == [rule]


def test_a_rule_is_deleted_only_when_confirmed(
    aws: Runtime, tenant: TenantKeys, api: Client, editor: dict[str, str]
) -> None:
    path = make_rule(api, editor)
    refused = post(api, path + "/delete?lang=en", editor, {})
    assert refused.status_code == 400 and "Please confirm this with the checkbox." in page(refused)
    assert len(aws.alerts.list_rules(tenant.tenant_id)) == 1
    deleted = post(api, path + "/delete", editor, {"confirm": "1"})
    assert deleted.status_code == 303 and deleted.headers["Location"] == "/console/alerts?done=rule_deleted"
    assert aws.alerts.list_rules(tenant.tenant_id) == []
    assert api.http.get(path, headers=editor).status_code == 404
    assert "alerts.rules.delete" in audit_actions(aws, tenant)


def test_send_a_test_reaches_the_webhook_signed_and_shows_the_outcome(
    aws: Runtime, tenant: TenantKeys, api: Client, editor: dict[str, str]
) -> None:
    path = make_rule(api, editor)
    skipped = post(api, path + "/test?lang=en", editor, {})
    assert skipped.status_code == 200 and "No webhook is set up" in page(skipped)
    admin = team_session(aws, tenant.tenant_id, "admin")
    with webhook_server([204]) as hook:
        assert post(api, "/console/alerts/webhook", admin, {"url": hook.url}).status_code == 303
        sent = post(api, path + "/test?lang=en", editor, {})
        assert sent.status_code == 200 and "The webhook accepted the test." in page(sent)
        [received] = hook.received
        body = json.loads(received.body)
        assert body["type"] == "alert.test" and body["alert"]["rule_name"] == "CSAT Hamburg"
        assert received.headers["x-touchpoint-event"] == "alert.test"
        secret = aws.alerts.webhook_secret(tenant.tenant_id)
        assert verify_signature(
            secret, received.headers["x-touchpoint-signature"], received.body, now=body["sent_at"]
        )
        hook.statuses[:] = [500]
        failed = post(api, path + "/test?lang=en", editor, {})
        assert failed.status_code == 200 and "The test did not arrive: the webhook answered HTTP 500" in page(
            failed
        )
        assert len(hook.received) == 2  # once each: a test is not retried
    assert aws.alerts.list_alerts(tenant.tenant_id, date(2000, 1, 1), date(2100, 1, 1)) == []


def test_admins_set_the_webhook_and_rotate_its_secret_editors_may_not(
    aws: Runtime, tenant: TenantKeys, api: Client, editor: dict[str, str]
) -> None:
    admin = team_session(aws, tenant.tenant_id, "admin")
    secret = aws.alerts.webhook_secret(tenant.tenant_id)
    assert (
        post(api, "/console/alerts/webhook", editor, {"url": "https://hooks.example.com/x"}).status_code
        == 403
    )
    assert post(api, "/console/alerts/webhook/rotate", editor, {"confirm": "1"}).status_code == 403
    refused = post(api, "/console/alerts/webhook?lang=en", admin, {"url": "ftp://files.example.com/"})
    assert refused.status_code == 400 and "This URL is not allowed" in page(refused)
    tenant_record = aws.tenants.get_tenant(tenant.tenant_id)
    assert tenant_record is not None and tenant_record.config.webhook_url is None
    not_confirmed = post(api, "/console/alerts/webhook/rotate?lang=en", admin, {})
    assert not_confirmed.status_code == 400 and aws.alerts.webhook_secret(tenant.tenant_id) == secret
    assert post(api, "/console/alerts/webhook/rotate", admin, {"confirm": "1"}).status_code == 303
    assert aws.alerts.webhook_secret(tenant.tenant_id) != secret
    shown = page(api.http.get("/console/alerts", headers=admin))
    assert aws.alerts.webhook_secret(tenant.tenant_id) in shown
    assert {"alerts.webhook.rotate_secret"} <= set(audit_actions(aws, tenant))


def test_viewers_read_keys_and_store_managers_may_not_use_the_alerts_console(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    manager = team_session(aws, tenant.tenant_id, "editor", locations=("berlin",))
    for headers in (team_session(aws, tenant.tenant_id, "viewer"), bearer(tenant.read_key), manager):
        assert api.http.get("/console/alerts", headers=headers).status_code == 403
        assert post(api, "/console/alerts", headers, RULE_FORM).status_code == 403
    assert aws.alerts.list_rules(tenant.tenant_id) == []
    cross = {**team_session(aws, tenant.tenant_id, "editor"), "Sec-Fetch-Site": "cross-site"}
    assert post(api, "/console/alerts", cross, RULE_FORM).status_code == 403
    assert aws.alerts.list_rules(tenant.tenant_id) == []
