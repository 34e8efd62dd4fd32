"""Notification rules (editors), their test sends, and the deliveries (readers).

Every lookup is scoped to the caller's tenant: another tenant's rule id is simply not found. A
store manager (a scoped team member) sees and writes only rules limited to their own stores, and
sees only deliveries of answers from their stores. A rule's webhook secret is returned once, when
it is made (create, a new webhook URL, rotate), never by a read.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from chalicelib.alerts_api import json_body
from chalicelib.queries import params_of, parse_period, single_choice
from touchpoint.alerts import standard_webhooks
from touchpoint.alerts.webhook import DeliveryError, UnsafeWebhookUrlError, check_webhook_url
from touchpoint.loop.notify import forget_rules
from touchpoint.loop.notify_deliveries import NotificationStatus
from touchpoint.loop.notify_delivery import LOCAL_STAGES, send
from touchpoint.loop.notify_messages import AnswerNotice
from touchpoint.loop.notify_rules import (
    MAX_RULES_PER_TENANT,
    QUEUED_DESTINATIONS,
    NotificationRule,
    NotificationRuleInput,
)
from touchpoint.models.inputs import InputError, parse_url
from touchpoint.storage.notifications import NotificationRuleNotFoundError
from touchpoint.web.errors import ApiError, bad_request, from_validation_error, not_found
from touchpoint.web.scope import can_see, is_scoped

if TYPE_CHECKING:
    from touchpoint.runtime import Runtime
    from touchpoint.web.auth import Principal

DELIVERY_LIST_DAYS = 30
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def check_destination_url(url: str, field: str, *, stage: str) -> None:
    """400 unless `url` may receive notifications: https to a public host (http only to
    127.0.0.1 / localhost on the local and test stages)."""
    local = stage in LOCAL_STAGES
    try:
        parts = parse_url(url, field)
    except InputError as error:
        raise bad_request(error.message, field=field) from None
    loopback = parts.hostname in _LOOPBACK_HOSTS
    if parts.scheme != "https" and not (local and parts.scheme == "http" and loopback):
        raise bad_request(
            f"{field} must be an https URL (http only to 127.0.0.1 or localhost on the local stack)",
            field=field,
        )
    try:
        check_webhook_url(url, allow_private=local)
    except UnsafeWebhookUrlError as error:
        raise bad_request(f"{field}: {error}", field=field) from None


def _validated(runtime: Runtime, principal: Principal, raw: bytes | str | None) -> NotificationRuleInput:
    try:
        spec = NotificationRuleInput.model_validate(json_body(raw))
    except ValidationError as error:
        raise from_validation_error(error) from None
    destinations = spec.destinations
    for field, url in (
        ("destinations.slack_url", destinations.slack_url),
        ("destinations.webhook_url", destinations.webhook_url),
    ):
        if url:
            check_destination_url(url, field, stage=runtime.settings.stage)
    if is_scoped(principal):
        stores = spec.conditions.location_ids
        if not stores or not all(can_see(principal, s) for s in stores):
            raise bad_request(
                "your account sees only its stores: limit the rule to them (conditions.location_ids)",
                field="conditions.location_ids",
            )
    return spec


def _visible(principal: Principal, rule: NotificationRule) -> bool:
    stores = rule.conditions.location_ids
    return not is_scoped(principal) or (bool(stores) and all(can_see(principal, s) for s in stores))


def _rule(runtime: Runtime, principal: Principal, rule_id: str) -> NotificationRule:
    rule = runtime.notifications.get_rule(principal.tenant_id, rule_id)
    if rule is None or not _visible(principal, rule):
        raise not_found("notification rule")
    return rule


def _shown(rule: NotificationRule, *, with_secret: bool = False) -> dict[str, Any]:
    document = rule.public()
    if with_secret and rule.webhook_secret:
        document["webhook_secret"] = rule.webhook_secret
    return document


def list_rules(runtime: Runtime, principal: Principal) -> dict[str, Any]:
    """The rules the caller may see, by id."""
    rules = runtime.notifications.list_rules(principal.tenant_id)
    return {"rules": [_shown(r) for r in rules if _visible(principal, r)]}


def get_rule(runtime: Runtime, principal: Principal, rule_id: str) -> dict[str, Any]:
    """One rule (404 for another tenant's, or another store's to a store manager)."""
    return _shown(_rule(runtime, principal, rule_id))


def create_rule(runtime: Runtime, principal: Principal, raw: bytes | str | None) -> dict[str, Any]:
    """Create a rule; its webhook secret (with a webhook URL) is in this answer only."""
    spec = _validated(runtime, principal, raw)
    if len(runtime.notifications.list_rules(principal.tenant_id)) >= MAX_RULES_PER_TENANT:
        raise ApiError(
            422, "limit_reached", f"a tenant may have at most {MAX_RULES_PER_TENANT} notification rules"
        )
    now = datetime.now(UTC)
    rule = NotificationRule(
        **spec.model_dump(),
        tenant_id=principal.tenant_id,
        rule_id=f"nr-{secrets.token_hex(6)}",
        webhook_secret=standard_webhooks.new_secret() if spec.destinations.webhook_url else None,
        created_at=now,
        updated_at=now,
        created_by=principal.actor,
    )
    runtime.notifications.put_rule(rule, create=True)
    forget_rules(principal.tenant_id)
    runtime.audit.record(principal, "notification_rule.created", rule.rule_id)
    return _shown(rule, with_secret=True)


def replace_rule(
    runtime: Runtime, principal: Principal, rule_id: str, raw: bytes | str | None
) -> dict[str, Any]:
    """Replace a rule; a newly given webhook URL gets a secret (shown in this answer only)."""
    current = _rule(runtime, principal, rule_id)
    spec = _validated(runtime, principal, raw)
    secret = current.webhook_secret if spec.destinations.webhook_url else None
    fresh = spec.destinations.webhook_url is not None and secret is None
    rule = NotificationRule(
        **spec.model_dump(),
        tenant_id=current.tenant_id,
        rule_id=current.rule_id,
        webhook_secret=standard_webhooks.new_secret() if fresh else secret,
        created_at=current.created_at,
        updated_at=datetime.now(UTC),
        created_by=current.created_by,
    )
    _save(runtime, principal, rule, "notification_rule.replaced")
    return _shown(rule, with_secret=fresh)


def _save(runtime: Runtime, principal: Principal, rule: NotificationRule, action: str) -> None:
    """Replace a stored rule (404 when it was deleted meanwhile), forget the cache, audit."""
    try:
        runtime.notifications.put_rule(rule, create=False)
    except NotificationRuleNotFoundError:
        raise not_found("notification rule") from None
    forget_rules(principal.tenant_id)
    runtime.audit.record(principal, action, rule.rule_id)


def delete_rule(runtime: Runtime, principal: Principal, rule_id: str) -> dict[str, Any]:
    """Delete a rule (its deliveries stay visible)."""
    _rule(runtime, principal, rule_id)
    try:
        runtime.notifications.delete_rule(principal.tenant_id, rule_id)
    except NotificationRuleNotFoundError:
        raise not_found("notification rule") from None
    forget_rules(principal.tenant_id)
    runtime.audit.record(principal, "notification_rule.deleted", rule_id)
    return {"deleted": rule_id}


def rotate_secret(runtime: Runtime, principal: Principal, rule_id: str) -> dict[str, Any]:
    """Give the rule's webhook a new signing secret (shown in this answer only)."""
    current = _rule(runtime, principal, rule_id)
    if not current.destinations.webhook_url:
        raise ApiError(409, "no_webhook", "the rule has no webhook_url, so it has no secret to rotate")
    rule = current.model_copy(
        update={"webhook_secret": standard_webhooks.new_secret(), "updated_at": datetime.now(UTC)}
    )
    _save(runtime, principal, rule, "notification_rule.secret_rotated")
    return _shown(rule, with_secret=True)


def sample_notice(rule: NotificationRule, now: datetime) -> AnswerNotice:
    """A made-up answer for a test send (marked as a test in the survey name)."""
    german = rule.language == "de"
    return AnswerNotice(
        tenant_id=rule.tenant_id,
        rule_id=rule.rule_id,
        rule_name=rule.name,
        survey_id="test",
        survey_name="Testnachricht von Touchpoint" if german else "Test message from Touchpoint",
        response_id="test",
        location_id=rule.conditions.location_ids[0] if rule.conditions.location_ids else None,
        location_name=rule.conditions.location_ids[0] if rule.conditions.location_ids else None,
        channel="in_store",
        scores=((rule.conditions.score.kind, rule.conditions.score.max or rule.conditions.score.min or 0),)
        if rule.conditions.score
        else (("nps", 3),),
        comment="Beispielkommentar: lange Schlange an der Kasse"
        if german
        else "Sample comment: long queue at the till",
        sentiment="negative",
        answered_at=now,
        path="/dashboard/inbox",
        has_case=False,
        base_url="",
    )


def test_rule(runtime: Runtime, principal: Principal, rule_id: str) -> dict[str, Any]:
    """Send a sample to each per-answer destination of the rule now; returns each outcome."""
    rule = _rule(runtime, principal, rule_id)
    now = datetime.now(UTC)
    notice = sample_notice(rule, now)
    results: list[dict[str, Any]] = []
    for destination in rule.destinations.kinds():
        if destination not in QUEUED_DESTINATIONS:
            continue
        message_id = f"msg_test_{secrets.token_hex(8)}"
        try:
            sent = send(runtime, rule, destination, notice, message_id, now=now)
        except DeliveryError as error:
            results.append(
                {
                    "destination": destination.value,
                    "ok": False,
                    "status_code": error.status_code,
                    "error": str(error),
                }
            )
        else:
            results.append({"destination": destination.value, "ok": True, "status_code": sent.status_code})
    if not results:
        raise ApiError(
            409, "nothing_to_test", "the rule has only the daily digest, which is not sent per answer"
        )
    return {"rule_id": rule.rule_id, "results": results}


def _day_start(day: Any, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def list_deliveries(runtime: Runtime, principal: Principal, query: Any) -> dict[str, Any]:
    """Deliveries of answers in `from..to` (tenant-local days, default the last 30), newest first."""
    params: Mapping[str, list[str]] = params_of(query)
    tenant = runtime.tenants.get_tenant(principal.tenant_id)
    timezone = tenant.config.timezone if tenant else "UTC"
    period = parse_period(
        params, timezone, now=datetime.now(UTC) + timedelta(days=1), default_days=DELIVERY_LIST_DAYS
    )
    status = single_choice(params, "status", NotificationStatus)
    found = runtime.notifications.list_deliveries(
        principal.tenant_id,
        _day_start(period.first, timezone),
        _day_start(period.last + timedelta(days=1), timezone),
        status=status,
    )
    return {"deliveries": [d.public() for d in found if can_see(principal, d.location_id)]}
