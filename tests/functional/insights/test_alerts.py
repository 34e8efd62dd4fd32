"""Alert rules through the API, evaluation after each rollup day, delivery to a local webhook and SNS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client
from tests.functional.insights.seed import point, store_points
from tests.functional.insights.webhook_server import webhook_server
from touchpoint.alerts import evaluate_after_rollup
from touchpoint.alerts.delivery import RetryPolicy
from touchpoint.alerts.models import Outlet
from touchpoint.alerts.service import AlertDeps, alerts_topic_arn
from touchpoint.alerts.signing import verify_signature
from touchpoint.models.metrics import MetricPoint
from touchpoint.runtime import Runtime

BREACH = date(2024, 5, 29)
RULE = {
    "rule_id": "hamburg-csat-drop",
    "name": "CSAT Hamburg bricht ein",
    "metric": "csat",
    "breakdown": {"location": "hamburg"},
    "condition": "drops_by",
    "threshold": 15,
    "baseline_days": 28,
}


def csat_history() -> list[MetricPoint]:
    """28 calm days, a two-day breach from BREACH on, then recovery."""
    values = {BREACH - timedelta(days=i): 4.2 for i in range(1, 29)}
    values |= {BREACH: 1.8, BREACH + timedelta(days=1): 2.0, BREACH + timedelta(days=2): 4.3}
    return [point("csat", d, v, {"location": "hamburg"}, responses=8) for d, v in values.items()] + [
        point("csat", d, 4.5, {"location": "berlin"}, responses=8) for d in values
    ]


class Sleeps:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture
def api(aws: Runtime, tenant: TenantKeys) -> Iterator[Client]:
    with function_client("insights") as client:
        yield client


def _json(response: Any) -> Any:
    return json.loads(response.body) if response.body else None


def _post(client: Client, path: str, key: str, body: Any) -> Any:
    return client.http.post(
        path, headers={**bearer(key), "Content-Type": "application/json"}, body=json.dumps(body)
    )


def _put(client: Client, path: str, key: str, body: Any) -> Any:
    return client.http.put(
        path, headers={**bearer(key), "Content-Type": "application/json"}, body=json.dumps(body)
    )


def _sns_queue(aws: Runtime) -> tuple[Any, str]:
    sqs = boto3.client("sqs", region_name="eu-central-1")
    queue_url = sqs.create_queue(QueueName="alerts-tap")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    aws.clients.sns.subscribe(
        TopicArn=alerts_topic_arn(aws),
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    return sqs, queue_url


def _run_days(aws: Runtime, tenant_id: str, days: list[date], deps: AlertDeps) -> list[list[str]]:
    return [[a.alert_id for a in evaluate_after_rollup(aws, tenant_id, d, deps=deps)] for d in days]


def test_a_rule_fires_once_per_breach_and_is_delivered_signed_to_the_webhook_and_sns(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    store_points(aws, tenant.tenant_id, csat_history())
    created = _post(api, "/v1/alerts/rules", tenant.admin_key, RULE)
    assert created.status_code == 201, created.body
    sqs, queue_url = _sns_queue(aws)
    with webhook_server([200]) as hook:
        settings = _json(_put(api, "/v1/alerts/webhook", tenant.admin_key, {"url": hook.url}))
        assert settings["url"] == hook.url and settings["secret"].startswith("whsec_")
        sleeps = Sleeps()
        deps = AlertDeps(sleep=sleeps, clock=lambda: datetime(2024, 6, 1, 2, tzinfo=UTC))
        days = [
            BREACH - timedelta(days=1),
            BREACH,
            BREACH,
            BREACH + timedelta(days=1),
            BREACH + timedelta(days=2),
        ]
        fired = _run_days(aws, tenant.tenant_id, days, deps)
        # Fires on the first breached day only: not on the re-run, not while the breach lasts.
        assert fired == [[], ["2024-05-29_hamburg-csat-drop"], [], [], []]
        assert len(hook.received) == 1 and sleeps.seconds == []
    request = hook.received[0]
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-touchpoint-event"] == "alert.fired"
    assert verify_signature(
        settings["secret"], request.headers["x-touchpoint-signature"], request.body, now=1717207200
    )
    payload = json.loads(request.body)
    alert = payload["alert"]
    assert alert["metric"] == "csat" and alert["breakdown"] == {"location": "hamburg"}
    assert alert["value"] == pytest.approx(1.8) and alert["baseline"] == pytest.approx(4.2)
    assert alert["change_pct"] == pytest.approx(-57.143, abs=1e-3)
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1 and json.loads(messages[0]["Body"])["alert"]["alert_id"] == alert["alert_id"]
    listed = _json(api.http.get("/v1/alerts?from=2024-05-01&to=2024-06-30", headers=bearer(tenant.read_key)))
    assert [(a["alert_id"], a["status"]) for a in listed["alerts"]] == [
        ("2024-05-29_hamburg-csat-drop", "delivered")
    ]
    detail = _json(api.http.get("/v1/alerts/2024-05-29_hamburg-csat-drop", headers=bearer(tenant.read_key)))
    assert [(a["outlet"], a["attempt"], a["ok"]) for a in detail["attempts"]] == [
        ("sns", 1, True),
        ("webhook", 1, True),
    ]


def test_a_failing_webhook_is_retried_with_backoff_recorded_kept_failed_and_redeliverable(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    store_points(aws, tenant.tenant_id, csat_history())
    assert _post(api, "/v1/alerts/rules", tenant.admin_key, RULE).status_code == 201
    with webhook_server([500, 503, 502]) as hook:
        assert _put(api, "/v1/alerts/webhook", tenant.admin_key, {"url": hook.url}).status_code == 200
        sleeps = Sleeps()
        deps = AlertDeps(policy=RetryPolicy(max_attempts=3, base_delay_s=2, factor=3), sleep=sleeps)
        fired = evaluate_after_rollup(aws, tenant.tenant_id, BREACH, deps=deps)
        assert len(fired) == 1 and fired[0].status.value == "failed"
        assert len(hook.received) == 3 and sleeps.seconds == [2, 6]
        # Kept and visible: in the API (filtered by status) with every attempt and its error.
        failed = _json(
            api.http.get(
                "/v1/alerts?status=failed&from=2024-05-01&to=2024-06-30", headers=bearer(tenant.read_key)
            )
        )
        assert [a["alert_id"] for a in failed["alerts"]] == ["2024-05-29_hamburg-csat-drop"]
        assert failed["alerts"][0]["outlets"]["webhook"]["last_error"] == "the webhook answered HTTP 502"
        assert failed["alerts"][0]["outlets"]["sns"]["status"] == "delivered"
        detail = _json(
            api.http.get("/v1/alerts/2024-05-29_hamburg-csat-drop", headers=bearer(tenant.read_key))
        )
        webhook_attempts = [
            (a["attempt"], a["status_code"], a["ok"]) for a in detail["attempts"] if a["outlet"] == "webhook"
        ]
        assert webhook_attempts == [(1, 500, False), (2, 503, False), (3, 502, False)]
        # A re-run of the rollup does not fire (or send) it again.
        assert evaluate_after_rollup(aws, tenant.tenant_id, BREACH, deps=deps) == []
        assert len(hook.received) == 3
        # The receiver is back: an admin redelivers; numbering continues, SNS is not sent twice.
        hook.statuses[:] = [204]
        redelivered = _post(api, "/v1/alerts/2024-05-29_hamburg-csat-drop/redeliver", tenant.admin_key, {})
        assert redelivered.status_code == 200
        body = _json(redelivered)
        assert body["status"] == "delivered"
        assert [(a["outlet"], a["attempt"], a["ok"]) for a in body["attempts"]] == [
            ("sns", 1, True),
            ("webhook", 1, False),
            ("webhook", 2, False),
            ("webhook", 3, False),
            ("webhook", 4, True),
        ]
        assert len(hook.received) == 4


def test_an_unreachable_webhook_fails_with_the_reason_and_sns_still_gets_the_alert(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    store_points(aws, tenant.tenant_id, csat_history())
    assert _post(api, "/v1/alerts/rules", tenant.admin_key, RULE).status_code == 201
    with webhook_server() as hook:
        dead_url = hook.url  # the server stops at the end of the block: nothing listens there afterwards
    assert _put(api, "/v1/alerts/webhook", tenant.admin_key, {"url": dead_url}).status_code == 200
    deps = AlertDeps(policy=RetryPolicy(max_attempts=2), sleep=Sleeps())
    [alert] = evaluate_after_rollup(aws, tenant.tenant_id, BREACH, deps=deps)
    assert alert.status.value == "failed"
    assert "connection failed" in str(alert.outlets[Outlet.WEBHOOK].last_error)
    assert alert.outlets[Outlet.SNS].status.value == "delivered"


def test_without_a_webhook_the_alert_goes_to_sns_and_without_rules_nothing_is_read(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    assert evaluate_after_rollup(aws, tenant.tenant_id, BREACH, history=_explode) == []
    store_points(aws, tenant.tenant_id, csat_history())
    assert _post(api, "/v1/alerts/rules", tenant.admin_key, RULE).status_code == 201
    [alert] = evaluate_after_rollup(aws, tenant.tenant_id, BREACH)
    assert alert.status.value == "delivered"
    assert alert.outlets[Outlet.WEBHOOK].status.value == "skipped"


def _explode(tenant_id: str, metric: str, first: date, last: date) -> list[MetricPoint]:
    raise AssertionError("no rule, no read")


def test_rule_crud_validation_and_admin_only(aws: Runtime, tenant: TenantKeys, api: Client) -> None:
    assert _post(api, "/v1/alerts/rules", tenant.read_key, RULE).status_code == 403
    created = _json(
        _post(
            api,
            "/v1/alerts/rules",
            tenant.admin_key,
            {
                **RULE,
                "rule_id": None,
                "name": "NPS 7 Tage < 20",
                "metric": "nps",
                "breakdown": {},
                "condition": "below",
                "threshold": 20,
                "window_days": 7,
            },
        )
    )
    assert (
        created["rule_id"].startswith("nps-7-tage-20-") and created["description"] == "nps (7-day) below 20"
    )
    assert _post(api, "/v1/alerts/rules", tenant.admin_key, RULE).status_code == 201
    duplicate = _post(api, "/v1/alerts/rules", tenant.admin_key, RULE)
    assert duplicate.status_code == 409 and _json(duplicate)["field"] == "rule_id"
    rules = _json(api.http.get("/v1/alerts/rules", headers=bearer(tenant.admin_key)))["rules"]
    assert sorted(r["rule_id"] for r in rules) == sorted([created["rule_id"], "hamburg-csat-drop"])
    replaced = _put(api, "/v1/alerts/rules/hamburg-csat-drop", tenant.admin_key, {**RULE, "threshold": 25})
    assert _json(replaced)["threshold"] == 25
    assert (
        _json(api.http.get("/v1/alerts/rules/hamburg-csat-drop", headers=bearer(tenant.admin_key)))[
            "threshold"
        ]
        == 25
    )
    mismatch = _put(api, "/v1/alerts/rules/hamburg-csat-drop", tenant.admin_key, {**RULE, "rule_id": "other"})
    assert mismatch.status_code == 400 and _json(mismatch)["field"] == "rule_id"
    assert (
        api.http.delete("/v1/alerts/rules/hamburg-csat-drop", headers=bearer(tenant.admin_key)).status_code
        == 200
    )
    assert (
        api.http.delete("/v1/alerts/rules/hamburg-csat-drop", headers=bearer(tenant.admin_key)).status_code
        == 404
    )
    assert (
        api.http.get("/v1/alerts/rules/hamburg-csat-drop", headers=bearer(tenant.admin_key)).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**RULE, "metric": "bogus"}, "metric"),
        ({**RULE, "threshold": 0}, "body"),
        ({**RULE, "breakdown": {"colour": "red"}}, "breakdown"),
        ({**RULE, "condition": "explodes"}, "condition"),
        ({k: v for k, v in RULE.items() if k != "name"}, "name"),
        ("not an object", "body"),
    ],
)
def test_invalid_rules_are_rejected_and_nothing_is_stored(
    aws: Runtime, tenant: TenantKeys, api: Client, body: Any, field: str
) -> None:
    response = _post(api, "/v1/alerts/rules", tenant.admin_key, body)
    assert response.status_code == 400
    assert _json(response)["field"] == field
    assert aws.alerts.list_rules(tenant.tenant_id) == []


def test_malformed_json_and_unsafe_webhooks_are_rejected(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    bad = api.http.post(
        "/v1/alerts/rules",
        headers={**bearer(tenant.admin_key), "Content-Type": "application/json"},
        body="{nope",
    )
    assert bad.status_code == 400 and _json(bad)["message"].startswith("the body is not valid JSON")
    for url in ("ftp://example.com/x", "https:///x", 42):
        response = _put(api, "/v1/alerts/webhook", tenant.admin_key, {"url": url})
        assert response.status_code == 400 and _json(response)["field"] == "url"
    assert aws.tenants.get_tenant(tenant.tenant_id).config.webhook_url is None  # type: ignore[union-attr]
    unknown = api.http.get("/v1/alerts/not-an-id", headers=bearer(tenant.read_key))
    assert unknown.status_code == 404
    assert api.http.get("/v1/alerts?status=exploded", headers=bearer(tenant.read_key)).status_code == 400
