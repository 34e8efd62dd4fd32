"""Alert rules (admin), fired alerts (read), redelivery and the webhook settings (admin).

Every lookup is scoped to the caller's tenant: another tenant's rule or alert id is simply not
found (404), never distinguishable from one that does not exist.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from chalicelib.queries import parse_period, single_choice
from touchpoint.alerts.models import DeliveryStatus, parse_alert_id
from touchpoint.alerts.rules import MAX_RULES_PER_TENANT, AlertRule, AlertRuleInput
from touchpoint.alerts.webhook import UnsafeWebhookUrlError, check_webhook_url
from touchpoint.models.inputs import strict_json
from touchpoint.runtime import Runtime
from touchpoint.storage.alerts import RuleExistsError, RuleNotFoundError
from touchpoint.web.errors import ApiError, bad_request, from_validation_error, not_found

if TYPE_CHECKING:
    from touchpoint.alerts.service import AlertDeps

MAX_BODY_BYTES = 16 * 1024
ALERT_LIST_DAYS = 90


def json_body(raw: bytes | str | None) -> dict[str, Any]:
    """The request body as a JSON object (400 when it is missing, too big or not an object)."""
    if not raw:
        raise bad_request("a JSON body is required", field="body")
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "payload_too_large", f"the body is larger than {MAX_BODY_BYTES} bytes")
    body = strict_json(raw)
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object", field="body")
    return body


def _slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:36].strip("-") or "rule"
    return f"{base}-{secrets.token_hex(3)}"


def _validated(body: Mapping[str, Any]) -> AlertRuleInput:
    try:
        return AlertRuleInput.model_validate(body)
    except ValidationError as error:
        raise from_validation_error(error) from None


def _public(rule: AlertRule) -> dict[str, Any]:
    document = rule.model_dump(mode="json")
    document["description"] = rule.describe()
    return document


def create_rule(runtime: Runtime, tenant_id: str, raw: bytes | str | None) -> dict[str, Any]:
    """Create a rule from a JSON body; 409 when its id is taken, 422 over the per-tenant limit."""
    return _public(add_rule(runtime, tenant_id, _validated(json_body(raw))))


def add_rule(runtime: Runtime, tenant_id: str, spec: AlertRuleInput) -> AlertRule:
    """Store a new rule; 409 when its id is taken, 422 over the per-tenant limit."""
    if len(runtime.alerts.list_rules(tenant_id)) >= MAX_RULES_PER_TENANT:
        raise ApiError(422, "limit_reached", f"a tenant may have at most {MAX_RULES_PER_TENANT} alert rules")
    now = datetime.now(UTC)
    rule = AlertRule.model_validate(
        {
            **spec.model_dump(),
            "rule_id": spec.rule_id or _slug(spec.name),
            "tenant_id": tenant_id,
            "created_at": now,
            "updated_at": now,
        }
    )
    try:
        runtime.alerts.create_rule(rule)
    except RuleExistsError:
        raise ApiError(
            409, "conflict", f"alert rule {rule.rule_id!r} exists already", field="rule_id"
        ) from None
    return rule


def replace_rule(runtime: Runtime, tenant_id: str, rule_id: str, raw: bytes | str | None) -> dict[str, Any]:
    """Replace a rule (the id in the body, if any, must be the one in the path)."""
    return _public(change_rule(runtime, tenant_id, rule_id, _validated(json_body(raw))))


def change_rule(runtime: Runtime, tenant_id: str, rule_id: str, spec: AlertRuleInput) -> AlertRule:
    """Replace a stored rule with `spec` (404 when there is none; a differing id in `spec`: 400)."""
    if spec.rule_id is not None and spec.rule_id != rule_id:
        raise bad_request("rule_id in the body differs from the path", field="rule_id")
    existing = runtime.alerts.get_rule(tenant_id, rule_id)
    if existing is None:
        raise not_found("alert rule")
    rule = AlertRule.model_validate(
        {
            **spec.model_dump(),
            "rule_id": rule_id,
            "tenant_id": tenant_id,
            "created_at": existing.created_at,
            "updated_at": datetime.now(UTC),
        }
    )
    try:
        runtime.alerts.replace_rule(rule)
    except RuleNotFoundError:
        raise not_found("alert rule") from None
    return rule


def rule_of(runtime: Runtime, tenant_id: str, rule_id: str) -> AlertRule:
    """One stored rule of the tenant (404 otherwise)."""
    rule = runtime.alerts.get_rule(tenant_id, rule_id)
    if rule is None:
        raise not_found("alert rule")
    return rule


def get_rule(runtime: Runtime, tenant_id: str, rule_id: str) -> dict[str, Any]:
    """One rule of the tenant (404 otherwise)."""
    return _public(rule_of(runtime, tenant_id, rule_id))


def list_rules(runtime: Runtime, tenant_id: str) -> dict[str, Any]:
    """The tenant's rules."""
    return {"rules": [_public(r) for r in runtime.alerts.list_rules(tenant_id)]}


def delete_rule(runtime: Runtime, tenant_id: str, rule_id: str) -> dict[str, Any]:
    """Delete a rule (its fired alerts stay visible)."""
    try:
        runtime.alerts.delete_rule(tenant_id, rule_id)
    except RuleNotFoundError:
        raise not_found("alert rule") from None
    return {"deleted": rule_id}


def list_alerts(
    runtime: Runtime, tenant_id: str, timezone: str, params: Mapping[str, list[str]]
) -> list[dict[str, Any]]:
    """Fired alerts of the period (default: the last 90 days up to today), newest first; `status` filters."""
    today = datetime.now(UTC)
    period = parse_period(
        params,
        timezone,
        now=today + timedelta(days=1),  # the default period ends today, not yesterday
        default_days=ALERT_LIST_DAYS,
    )
    status = single_choice(params, "status", DeliveryStatus)
    alerts = runtime.alerts.list_alerts(tenant_id, period.first, period.last, status=status)
    return [a.public() for a in alerts]


def _parse_alert_id(alert_id: str) -> tuple[date, str]:
    parsed = parse_alert_id(alert_id)
    if parsed is None:
        raise not_found("alert")
    return parsed


def get_alert(runtime: Runtime, tenant_id: str, alert_id: str) -> dict[str, Any]:
    """One fired alert with every delivery attempt."""
    day, rule_id = _parse_alert_id(alert_id)
    alert = runtime.alerts.get_alert(tenant_id, day, rule_id)
    if alert is None:
        raise not_found("alert")
    document = alert.public()
    document["attempts"] = [
        a.model_dump(mode="json") for a in runtime.alerts.list_attempts(tenant_id, day, rule_id)
    ]
    return document


def redeliver_alert(
    runtime: Runtime, tenant_id: str, alert_id: str, deps: AlertDeps | None = None
) -> dict[str, Any]:
    """Send a fired alert's failed deliveries again (admin)."""
    # imported here: the delivery code is needed by this route only
    from touchpoint.alerts.service import redeliver

    day, rule_id = _parse_alert_id(alert_id)
    alert = redeliver(runtime, tenant_id, day, rule_id, deps=deps)
    if alert is None:
        raise not_found("alert")
    return get_alert(runtime, tenant_id, alert_id)


def webhook_settings(runtime: Runtime, tenant_id: str) -> dict[str, Any]:
    """The webhook URL and its signing secret (admin only)."""
    tenant = runtime.tenants.get_tenant(tenant_id)
    url = tenant.config.webhook_url if tenant is not None else None
    return {
        "url": url,
        "secret": runtime.alerts.webhook_secret(tenant_id),
        "signature_header": "X-Touchpoint-Signature",
        "topic": runtime.settings.alerts_topic_name,
    }


def set_webhook(runtime: Runtime, tenant_id: str, raw: bytes | str | None) -> dict[str, Any]:
    """Set (or with `"url": null` remove) the tenant's webhook URL after checking it is safe."""
    body = json_body(raw)
    if set(body) - {"url"} or "url" not in body:
        raise bad_request('the body is {"url": "https://..."} (or null to remove the webhook)', field="url")
    url = body["url"]
    if url is not None and not isinstance(url, str):
        raise bad_request("url must be a string or null", field="url")
    set_webhook_url(runtime, tenant_id, url)
    return webhook_settings(runtime, tenant_id)


def set_webhook_url(runtime: Runtime, tenant_id: str, url: str | None) -> None:
    """Set (None: remove) the tenant's webhook URL after checking it is safe (400 naming `url`)."""
    if url is not None:
        try:
            check_webhook_url(url, allow_private=runtime.settings.stage in ("local", "test"))
        except UnsafeWebhookUrlError as error:
            raise bad_request(str(error), field="url") from None
    tenant = runtime.tenants.get_tenant(tenant_id)
    if tenant is None:
        raise not_found("tenant")
    runtime.tenants.update_config(tenant_id, tenant.config.model_copy(update={"webhook_url": url}))


def rotate_webhook_secret(runtime: Runtime, tenant_id: str) -> dict[str, Any]:
    """Replace the webhook signing secret."""
    runtime.alerts.rotate_webhook_secret(tenant_id)
    return webhook_settings(runtime, tenant_id)
