"""Alerts after a rollup: evaluate the tenant's rules, store what fired once, deliver it.

`evaluate_after_rollup(runtime, tenant_id, day)` is what the rollup calls after it wrote a
tenant-day. Each fired alert is stored (status `pending`) before any delivery starts, then sent to
the tenant's webhook (signed, retried with backoff) and to the SNS alerts topic; every attempt is
stored as it happens and the alert ends `delivered` or `failed`. A failed alert stays visible on
the dashboard and in `GET /v1/alerts`, and `redeliver` tries its failed outlets again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Protocol

from touchpoint.alerts.delivery import (
    Clock,
    RetryPolicy,
    Sleeper,
    deliver_with_retry,
    overall_status,
    utc_now,
)
from touchpoint.alerts.evaluate import Measurement, history_start, series_for, should_fire
from touchpoint.alerts.models import DeliveryAttempt, DeliveryStatus, FiredAlert, Outlet, OutletState
from touchpoint.alerts.rules import AlertRule
from touchpoint.alerts.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign
from touchpoint.alerts.webhook import (
    DeliveryError,
    Resolver,
    UnsafeWebhookUrlError,
    WebhookResponse,
    check_webhook_url,
    post_json,
    resolve_host,
)
from touchpoint.models.metrics import MetricPoint
from touchpoint.observability import logger

if TYPE_CHECKING:
    from touchpoint.runtime import Runtime

EVENT_TYPE = "alert.fired"
#: The event type of a sample alert an admin sends to check the webhook (`send_test_alert`).
TEST_EVENT_TYPE = "alert.test"
Poster = Callable[[str, bytes, dict[str, str]], WebhookResponse]


class MetricHistory(Protocol):
    """Daily points of one metric of a tenant, every breakdown, days `first..last`."""

    def __call__(self, tenant_id: str, metric: str, first: date, last: date) -> list[MetricPoint]: ...


@dataclass(frozen=True)
class AlertDeps:
    """What delivery needs from the outside world (tests replace the sleeper, clock and poster)."""

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Sleeper = time.sleep
    clock: Clock = utc_now
    post: Poster = post_json
    resolve: Resolver = resolve_host


def metric_history(runtime: Runtime) -> MetricHistory:
    """The stored daily metric results (the rollup's MetricsRepository) as a MetricHistory."""

    def history(tenant_id: str, metric: str, first: date, last: date) -> list[MetricPoint]:
        return [
            MetricPoint(metric=p.metric, date=p.day, value=p.value, breakdown=p.breakdown, extra=p.extra)
            for p in runtime.metrics.read(tenant_id, metric, first, last)
        ]

    return history


def _allow_private(runtime: Runtime) -> bool:
    return runtime.settings.stage in ("local", "test")


def _fired(rule: AlertRule, measurement: Measurement, deps: AlertDeps) -> FiredAlert:
    return FiredAlert(
        tenant_id=rule.tenant_id,
        rule_id=rule.rule_id,
        rule_name=rule.name,
        description=rule.describe(),
        day=measurement.day,
        metric=rule.metric,
        breakdown=dict(rule.breakdown),
        condition=rule.condition,
        threshold=rule.threshold,
        window_days=rule.window_days,
        baseline_days=rule.baseline_days,
        value=round(measurement.value, 6),
        baseline=None if measurement.baseline is None else round(measurement.baseline, 6),
        change_pct=None if measurement.change_pct is None else round(measurement.change_pct, 3),
        samples=measurement.samples,
        fired_at=deps.clock(),
    )


def evaluate_rules(
    rules: Iterable[AlertRule], day: date, history: Callable[[AlertRule], list[MetricPoint]], deps: AlertDeps
) -> list[FiredAlert]:
    """The alerts `rules` fire on `day` (pure apart from `history`, which loads points per rule)."""
    fired: list[FiredAlert] = []
    for rule in rules:
        measurement = should_fire(rule, day, series_for(rule, history(rule)))
        if measurement is not None:
            fired.append(_fired(rule, measurement, deps))
    return fired


def evaluate_after_rollup(
    runtime: Runtime,
    tenant_id: str,
    day: date,
    *,
    deps: AlertDeps | None = None,
    history: MetricHistory | None = None,
) -> list[FiredAlert]:
    """Evaluate the tenant's enabled rules on `day`; store and deliver each new alert.

    Returns the alerts fired by this call (empty on a re-run of the same day: an alert is stored
    once per tenant + rule + day). Delivery failures never raise: they end as `failed`.
    """
    deps = deps or AlertDeps()
    load = history or metric_history(runtime)
    rules = [r for r in runtime.alerts.list_rules(tenant_id) if r.enabled]
    if not rules:
        return []
    cache: dict[str, list[MetricPoint]] = {}
    first = min(history_start(r, day) for r in rules)

    def points_of(rule: AlertRule) -> list[MetricPoint]:
        if rule.metric not in cache:
            cache[rule.metric] = load(tenant_id, rule.metric, first, day)
        return cache[rule.metric]

    delivered: list[FiredAlert] = []
    for alert in evaluate_rules(rules, day, points_of, deps):
        if not runtime.alerts.record_alert(alert):
            continue
        logger.info("alert fired", extra={"tenant_id": tenant_id, "rule_id": alert.rule_id, "day": str(day)})
        delivered.append(deliver_alert(runtime, alert, deps=deps))
    return delivered


def alert_payload(alert: FiredAlert, sent_at: int, event_type: str = EVENT_TYPE) -> bytes:
    """The JSON body sent to webhooks and SNS."""
    body = {"type": event_type, "sent_at": sent_at, "alert": alert.public()}
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _webhook_send(
    runtime: Runtime, alert: FiredAlert, url: str, secret: str, deps: AlertDeps, event_type: str = EVENT_TYPE
) -> int:
    try:
        check_webhook_url(url, allow_private=_allow_private(runtime), resolve=deps.resolve)
    except UnsafeWebhookUrlError as error:
        raise DeliveryError(str(error), retryable=False) from None
    sent_at = int(deps.clock().timestamp())
    body = alert_payload(alert, sent_at, event_type)
    headers = {
        SIGNATURE_HEADER: sign(secret, sent_at, body),
        EVENT_HEADER: event_type,
        DELIVERY_HEADER: f"{alert.tenant_id}/{alert.alert_id}",
    }
    return deps.post(url, body, headers).status_code


def alerts_topic_arn(runtime: Runtime) -> str:
    """The ARN of the alerts topic of `infra/` (account from STS, name from the settings)."""
    account = runtime.clients.sts.get_caller_identity()["Account"]
    return f"arn:aws:sns:{runtime.settings.region}:{account}:{runtime.settings.alerts_topic_name}"


def _sns_send(runtime: Runtime, alert: FiredAlert, deps: AlertDeps) -> None:
    subject = f"Touchpoint alert: {alert.rule_name}"
    subject = "".join(c if 32 <= ord(c) < 127 else "?" for c in subject)[:99]
    runtime.clients.sns.publish(
        TopicArn=alerts_topic_arn(runtime),
        Subject=subject,
        Message=alert_payload(alert, int(deps.clock().timestamp())).decode("utf-8"),
        MessageAttributes={
            "tenant_id": {"DataType": "String", "StringValue": alert.tenant_id},
            "rule_id": {"DataType": "String", "StringValue": alert.rule_id},
            "metric": {"DataType": "String", "StringValue": alert.metric},
        },
    )


def deliver_alert(
    runtime: Runtime, alert: FiredAlert, *, deps: AlertDeps | None = None, only_failed: bool = False
) -> FiredAlert:
    """Send a stored alert to its outlets; store every attempt and the outcome; return the alert.

    With `only_failed`, outlets that already delivered are left alone (a redelivery) and attempt
    numbers continue from the earlier ones.
    """
    deps = deps or AlertDeps()
    tenant = runtime.tenants.get_tenant(alert.tenant_id)
    url = tenant.config.webhook_url if tenant is not None else None
    states = dict(alert.outlets)

    def record(attempt: DeliveryAttempt) -> None:
        runtime.alerts.add_attempt(alert.tenant_id, alert.day, alert.rule_id, attempt)

    sends: dict[Outlet, Callable[[], int | None]] = {Outlet.SNS: partial(_sns_send, runtime, alert, deps)}
    if url:
        secret = runtime.alerts.webhook_secret(alert.tenant_id)
        sends[Outlet.WEBHOOK] = partial(_webhook_send, runtime, alert, url, secret, deps)
    else:
        states[Outlet.WEBHOOK] = OutletState(status=DeliveryStatus.SKIPPED)
    for outlet in (Outlet.WEBHOOK, Outlet.SNS):
        send = sends.get(outlet)
        previous = states.get(outlet, OutletState())
        if send is None or (only_failed and previous.status is DeliveryStatus.DELIVERED):
            continue
        states[outlet] = deliver_with_retry(
            outlet,
            send,
            policy=deps.policy,
            on_attempt=record,
            sleep=deps.sleep,
            clock=deps.clock,
            first_attempt=previous.attempts + 1,
        )
    status = overall_status(states)
    runtime.alerts.update_delivery(alert.tenant_id, alert.day, alert.rule_id, states, status)
    if status is DeliveryStatus.FAILED:
        logger.warning("alert delivery failed", extra={"tenant_id": alert.tenant_id, "alert": alert.alert_id})
    return alert.model_copy(update={"outlets": states, "status": status})


def redeliver(
    runtime: Runtime, tenant_id: str, day: date, rule_id: str, *, deps: AlertDeps | None = None
) -> FiredAlert | None:
    """Try the failed outlets of a stored alert again; None when there is no such alert."""
    alert = runtime.alerts.get_alert(tenant_id, day, rule_id)
    if alert is None:
        return None
    return deliver_alert(runtime, alert, deps=deps, only_failed=True)


def send_test_alert(runtime: Runtime, rule: AlertRule, *, deps: AlertDeps | None = None) -> OutletState:
    """Send a sample alert of `rule` to the tenant's webhook, once, signed like a real one.

    The payload's type (and `X-Touchpoint-Event`) is `alert.test`, its value the rule's threshold;
    nothing is stored and SNS is not used. SKIPPED when the tenant has no webhook.
    """
    deps = deps or AlertDeps()
    tenant = runtime.tenants.get_tenant(rule.tenant_id)
    url = tenant.config.webhook_url if tenant is not None else None
    if not url:
        return OutletState(status=DeliveryStatus.SKIPPED)
    now = deps.clock()
    sample = FiredAlert(
        tenant_id=rule.tenant_id,
        rule_id=rule.rule_id,
        rule_name=rule.name,
        description=rule.describe(),
        day=now.date(),
        metric=rule.metric,
        breakdown=dict(rule.breakdown),
        condition=rule.condition,
        threshold=rule.threshold,
        window_days=rule.window_days,
        baseline_days=rule.baseline_days,
        value=float(rule.threshold),
        fired_at=now,
    )
    secret = runtime.alerts.webhook_secret(rule.tenant_id)
    send = partial(_webhook_send, runtime, sample, url, secret, deps, TEST_EVENT_TYPE)
    once = RetryPolicy(max_attempts=1)
    return deliver_with_retry(Outlet.WEBHOOK, send, policy=once, on_attempt=lambda _: None, clock=deps.clock)
