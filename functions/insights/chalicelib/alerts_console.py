"""The alert rules console (editors): rules listed, created, edited, deleted and tested; the webhook
URL and its secret (admins).

Rules change through the alerts API's logic (`chalicelib.alerts_api`), the test goes through the
delivery code (`touchpoint.alerts.service.send_test_alert`). Alert rules and the webhook belong to
the whole tenant, so a store manager (a scoped account) may not use this console (403).
Invalid input answers 400 with the form again and stores nothing; every change is audited.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Request, Response
from pydantic import ValidationError

from chalicelib import alerts_api
from chalicelib.admin_pages import render
from chalicelib.admin_texts import texts
from touchpoint.alerts.models import DeliveryStatus
from touchpoint.alerts.rules import BREAKDOWN_KEYS, AlertRule, AlertRuleInput, Condition
from touchpoint.metrics.registry import REGISTRY, WATCHABLE_METRICS
from touchpoint.models.users import Role
from touchpoint.runtime import Runtime
from touchpoint.web.auth import Principal
from touchpoint.web.console.fields import field_messages, invalid_fields
from touchpoint.web.console.frame import page_lang, read_console_form, see_other
from touchpoint.web.errors import ApiError
from touchpoint.web.forms import FormFields
from touchpoint.web.scope import is_scoped

NAV = "alerts"
BASE = "/console/alerts"
NUMBERS = ("threshold", "window_days", "baseline_days", "min_samples")
BREAKDOWN_ROWS = 3  # AlertRuleInput takes at most three breakdown filters
NEW_RULE: dict[str, Any] = {
    "condition": "below",
    "window_days": "1",
    "baseline_days": "28",
    "min_samples": "0",
    "enabled": True,
    "breakdown": [("", "")] * BREAKDOWN_ROWS,
}


def _require_unscoped(principal: Principal, request: Request) -> None:
    """403 (in the page's language) for a store manager: rules and the webhook are the whole tenant's."""
    if is_scoped(principal):
        raise ApiError(403, "store_scope", texts(page_lang(request))["scoped_alerts"])


def _is_admin(principal: Principal) -> bool:
    return principal.role is not None and principal.role.at_least(Role.ADMIN)


def _choices(lang: str) -> dict[str, Any]:
    return {
        "metrics": [(name, REGISTRY[name].label(lang)) for name in WATCHABLE_METRICS],
        "breakdowns": sorted(BREAKDOWN_KEYS),
        "conditions": [c.value for c in Condition],
    }


def _form_values(form: FormFields) -> dict[str, Any]:
    values: dict[str, Any] = {name: form.get(name) for name in ("name", "metric", "condition", *NUMBERS)}
    values["enabled"] = form.has("enabled")
    rows = [(form.get(f"breakdown_key_{i}"), form.get(f"breakdown_value_{i}")) for i in range(BREAKDOWN_ROWS)]
    values["breakdown"] = rows
    return values


def _rule_input(values: dict[str, Any], rule_id: str | None) -> AlertRuleInput:
    body: dict[str, Any] = {
        "name": values["name"],
        "metric": values["metric"],
        "condition": values["condition"],
        "breakdown": {key: value for key, value in values["breakdown"] if key or value},
        "enabled": values["enabled"],
        **{name: values[name] for name in NUMBERS if values[name] != ""},
    }
    if "threshold" not in body:
        body["threshold"] = None
    if rule_id is not None:
        body["rule_id"] = rule_id
    return AlertRuleInput.model_validate(body)


def _rule_values(rule: AlertRule) -> dict[str, Any]:
    rows = sorted(rule.breakdown.items())
    return {
        "name": rule.name,
        "metric": rule.metric,
        "condition": rule.condition.value,
        "breakdown": rows + [("", "")] * (BREAKDOWN_ROWS - len(rows)),
        "threshold": f"{rule.threshold:g}",
        "window_days": str(rule.window_days),
        "baseline_days": str(rule.baseline_days),
        "min_samples": str(rule.min_samples),
        "enabled": rule.enabled,
    }


def _problems(request: Request, error: ValidationError | ApiError) -> dict[str, str]:
    words = texts(page_lang(request))
    if isinstance(error, ApiError):
        return {"form": words["limit_reached"] if error.code == "limit_reached" else error.message}
    fields = ["threshold" if name == "form" else name for name in invalid_fields(error)]
    return field_messages(fields, words, words["form_problem"])


def alerts_page(
    runtime: Runtime,
    request: Request,
    principal: Principal,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The rules with the form for a new one; for admins the webhook and its secret."""
    _require_unscoped(principal, request)
    rules = runtime.alerts.list_rules(principal.tenant_id)
    webhook = alerts_api.webhook_settings(runtime, principal.tenant_id) if _is_admin(principal) else None
    return render(
        request,
        principal,
        "alerts.html",
        title_key="alerts_title",
        active=NAV,
        status=status,
        rules=rules,
        form=form or NEW_RULE,
        errors=errors or {},
        webhook=webhook,
        **_choices(page_lang(request)),
    )


def create_rule(runtime: Runtime, request: Request, principal: Principal) -> Response:
    """A new rule from the form (400 with the form when invalid; nothing stored)."""
    _require_unscoped(principal, request)
    values = _form_values(read_console_form(request))
    try:
        rule = alerts_api.add_rule(runtime, principal.tenant_id, _rule_input(values, None))
    except (ValidationError, ApiError) as error:
        if isinstance(error, ApiError) and error.status not in (409, 422):
            raise
        return alerts_page(
            runtime, request, principal, form=values, errors=_problems(request, error), status=400
        )
    runtime.audit.record(principal, "alerts.rules.create", f"rule:{rule.rule_id}", {"rule": rule.describe()})
    return see_other(request, f"{BASE}/rules/{rule.rule_id}", done="rule_created")


def rule_page(
    runtime: Runtime,
    request: Request,
    principal: Principal,
    rule_id: str,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    outcome: str | None = None,
    status: int = 200,
) -> Response:
    """One rule: the edit form, send a test, delete."""
    _require_unscoped(principal, request)
    rule = alerts_api.rule_of(runtime, principal.tenant_id, rule_id)
    return render(
        request,
        principal,
        "alert_rule.html",
        title_key="rule",
        active=NAV,
        status=status,
        rule=rule,
        form=form or _rule_values(rule),
        errors=errors or {},
        outcome=outcome,
        **_choices(page_lang(request)),
    )


def save_rule(runtime: Runtime, request: Request, principal: Principal, rule_id: str) -> Response:
    """The rule as the form says (400 with the form when invalid; the stored rule unchanged)."""
    _require_unscoped(principal, request)
    alerts_api.rule_of(runtime, principal.tenant_id, rule_id)
    values = _form_values(read_console_form(request))
    try:
        spec = _rule_input(values, rule_id)
    except ValidationError as error:
        problems = _problems(request, error)
        return rule_page(runtime, request, principal, rule_id, form=values, errors=problems, status=400)
    rule = alerts_api.change_rule(runtime, principal.tenant_id, rule_id, spec)
    runtime.audit.record(principal, "alerts.rules.update", f"rule:{rule_id}", {"rule": rule.describe()})
    return see_other(request, f"{BASE}/rules/{rule_id}", done="rule_saved")


def delete_rule(runtime: Runtime, request: Request, principal: Principal, rule_id: str) -> Response:
    """Delete the rule once the confirmation box is ticked."""
    _require_unscoped(principal, request)
    rule = alerts_api.rule_of(runtime, principal.tenant_id, rule_id)
    if not read_console_form(request).has("confirm"):
        errors = {"delete_confirm": texts(page_lang(request))["confirm_needed"]}
        return rule_page(runtime, request, principal, rule_id, errors=errors, status=400)
    alerts_api.delete_rule(runtime, principal.tenant_id, rule_id)
    runtime.audit.record(principal, "alerts.rules.delete", f"rule:{rule_id}", {"rule": rule.describe()})
    return see_other(request, BASE, done="rule_deleted")


def send_test(runtime: Runtime, request: Request, principal: Principal, rule_id: str) -> Response:
    """Send a sample alert of the rule to the webhook now and show what happened (nothing stored)."""
    from touchpoint.alerts.service import send_test_alert  # the delivery code: needed by this page only

    _require_unscoped(principal, request)
    read_console_form(request)  # refuses a cross-site post
    rule = alerts_api.rule_of(runtime, principal.tenant_id, rule_id)
    state = send_test_alert(runtime, rule)
    words = texts(page_lang(request))
    if state.status is DeliveryStatus.DELIVERED:
        outcome = words["test_delivered"]
    elif state.status is DeliveryStatus.SKIPPED:
        outcome = words["test_skipped"]
    else:
        outcome = words["test_failed"].format(error=state.last_error or "?")
    return rule_page(runtime, request, principal, rule_id, outcome=outcome)


def save_webhook(runtime: Runtime, request: Request, principal: Principal) -> Response:
    """Set or (empty) remove the webhook URL (400 with the page when the URL is not allowed)."""
    _require_unscoped(principal, request)
    url = read_console_form(request).get("url") or None
    try:
        alerts_api.set_webhook_url(runtime, principal.tenant_id, url)
    except ApiError as error:
        if error.status != 400:
            raise
        message = texts(page_lang(request))["invalid_url"].format(error=error.message)
        return alerts_page(runtime, request, principal, errors={"url": message}, status=400)
    runtime.audit.record(principal, "alerts.webhook.update", "webhook", {"url": url})
    return see_other(request, BASE, done="webhook_saved")


def rotate_secret(runtime: Runtime, request: Request, principal: Principal) -> Response:
    """A new webhook signing secret once the confirmation box is ticked."""
    _require_unscoped(principal, request)
    if not read_console_form(request).has("confirm"):
        errors = {"rotate_secret_confirm": texts(page_lang(request))["confirm_needed"]}
        return alerts_page(runtime, request, principal, errors=errors, status=400)
    alerts_api.rotate_webhook_secret(runtime, principal.tenant_id)
    runtime.audit.record(principal, "alerts.webhook.rotate_secret", "webhook", {})
    return see_other(request, BASE, done="secret_rotated")
