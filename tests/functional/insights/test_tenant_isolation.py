"""Every insights route, called with another tenant's key: 404 for ids, nothing of the first tenant in lists.

The table below must name every route of the app (a new route fails this test until it is added),
with a request that would show tenant `acme`'s data if the route leaked it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client
from tests.functional.insights.seed import (
    LAST,
    PERIOD_DAYS,
    bad_day_responses,
    month_of_metrics,
    save_responses,
    session_headers,
    store_points,
)
from touchpoint.alerts import evaluate_after_rollup
from touchpoint.alerts.rules import AlertRule
from touchpoint.models.cases import CaseStatus
from touchpoint.models.tenants import KeyKind
from touchpoint.models.users import Role, UserRecord
from touchpoint.runtime import Runtime
from touchpoint.web.auth import PUBLIC
from touchpoint.web.routing import route_access
from touchpoint_cli.apps import load_app

BAD_DAY = LAST - timedelta(days=3)
RANGE = f"from={(LAST - timedelta(days=PERIOD_DAYS - 1)).isoformat()}&to={LAST.isoformat()}"
ALERT_ID = f"{BAD_DAY.isoformat()}_acme-secret-rule"
RULE_BODY = {"name": "x", "metric": "nps", "condition": "below", "threshold": 1}
NOTIFY_RULE = "nr-00000000ac3e"
ACME_USER = "acme-user-0001"  # a team member of acme (their e-mail is one of the SECRETS)
ACME_CASE = "20240528100000-resp-wait-0001"  # the case of acme's first bad-day answer
NOTIFY_BODY = {
    "name": "x",
    "conditions": {"score": {"kind": "nps", "max": 6}},
    "destinations": {"digest_emails": ["ops@globex.example"]},
}

ACME_KEY = "{acme-key}"  # in a URL: the id of acme's write key (ids are random; filled in by the test)
#: A new alert rule from the alerts console (globex's own).
ALERT_FORM = "name=x&metric=nps&condition=below&threshold=1&window_days=1&baseline_days=28&min_samples=0"
ANNOUNCEMENT = {  # to the respondents of acme's store: 404 like any other tenant's object
    "locationId": "hamburg",
    "from": "2024-05-01",
    "to": "2024-05-31",
    "subject": {"de": "Sie sagten, wir handelten", "en": "You said, we did"},
    "body": {"de": "Neue Kasse.", "en": "A new checkout."},
}
#: A console form post of the settings page (text bodies are sent as forms, see `_call`).
SETTINGS_FORM = (
    "version=0&name=Globex&timezone=UTC&currency=USD&north_star=nps&conversion_events=Order+Completed"
    "&gross_margin=1&engagement_weights.recency=1&engagement_weights.frequency=1"
    "&engagement_weights.monetary=1&engagement_weights.breadth=1&engagement_weights.feedback=1"
    "&retention_days_events=30&retention_days_responses=30&retention_days_comments="
)

# (path, method) -> (concrete URL, JSON body (a text: a form) or None, what the other tenant must get)
REQUESTS: dict[tuple[str, str], tuple[str, object, str]] = {
    ("/v1/metrics", "GET"): (f"/v1/metrics?metric=csat&breakdown=location&{RANGE}", None, "empty"),
    ("/v1/metrics/batch", "GET"): (
        f"/v1/metrics/batch?metrics=csat,nps&breakdown=location&{RANGE}",
        None,
        "empty",
    ),
    ("/v1/metrics.csv", "GET"): (
        f"/v1/metrics.csv?metrics=csat,nps&breakdown=location&{RANGE}",
        None,
        "empty",
    ),
    ("/v1/summary", "GET"): (f"/v1/summary?{RANGE}", None, "empty"),
    ("/v1/summary.csv", "GET"): (f"/v1/summary.csv?{RANGE}", None, "empty"),
    ("/v1/comments", "GET"): (
        f"/v1/comments?metric=csat&date={BAD_DAY.isoformat()}&location=hamburg",
        None,
        "empty",
    ),
    ("/v1/comments.csv", "GET"): (f"/v1/comments.csv?metric=csat&date={BAD_DAY.isoformat()}", None, "empty"),
    ("/v1/alerts", "GET"): ("/v1/alerts?from=2024-01-01&to=2024-12-31", None, "empty"),
    ("/v1/alerts.csv", "GET"): ("/v1/alerts.csv?from=2024-01-01&to=2024-12-31", None, "empty"),
    ("/v1/alerts/{alert_id}", "GET"): (f"/v1/alerts/{ALERT_ID}", None, "404"),
    ("/v1/alerts/{alert_id}/redeliver", "POST"): (f"/v1/alerts/{ALERT_ID}/redeliver", {}, "404"),
    ("/v1/alerts/rules", "GET"): ("/v1/alerts/rules", None, "empty"),
    # The same rule id as acme's: created for globex (201, not 409), so ids do not leak either.
    ("/v1/alerts/rules", "POST"): ("/v1/alerts/rules", {**RULE_BODY, "rule_id": "acme-secret-rule"}, "own"),
    ("/v1/alerts/rules/{rule_id}", "GET"): ("/v1/alerts/rules/acme-secret-rule", None, "404"),
    ("/v1/alerts/rules/{rule_id}", "PUT"): ("/v1/alerts/rules/acme-secret-rule", RULE_BODY, "404"),
    ("/v1/alerts/rules/{rule_id}", "DELETE"): ("/v1/alerts/rules/acme-secret-rule", None, "404"),
    ("/v1/alerts/webhook", "GET"): ("/v1/alerts/webhook", None, "empty"),
    ("/v1/alerts/webhook", "PUT"): ("/v1/alerts/webhook", {"url": "http://127.0.0.1:9/other"}, "own"),
    ("/v1/alerts/webhook/rotate", "POST"): ("/v1/alerts/webhook/rotate", {}, "own"),
    ("/v1/notifications/rules", "GET"): ("/v1/notifications/rules", None, "empty"),
    ("/v1/notifications/rules", "POST"): ("/v1/notifications/rules", NOTIFY_BODY, "own"),
    ("/v1/notifications/rules/{rule_id}", "GET"): (f"/v1/notifications/rules/{NOTIFY_RULE}", None, "404"),
    ("/v1/notifications/rules/{rule_id}", "PUT"): (
        f"/v1/notifications/rules/{NOTIFY_RULE}",
        NOTIFY_BODY,
        "404",
    ),
    ("/v1/notifications/rules/{rule_id}", "DELETE"): (f"/v1/notifications/rules/{NOTIFY_RULE}", None, "404"),
    ("/v1/notifications/rules/{rule_id}/rotate-secret", "POST"): (
        f"/v1/notifications/rules/{NOTIFY_RULE}/rotate-secret",
        {},
        "404",
    ),
    ("/v1/notifications/rules/{rule_id}/test", "POST"): (
        f"/v1/notifications/rules/{NOTIFY_RULE}/test",
        {},
        "404",
    ),
    ("/v1/notifications/deliveries", "GET"): (
        "/v1/notifications/deliveries?from=2024-01-01&to=2024-03-30",
        None,
        "empty",
    ),
    # the tenant's own settings and rollup days: globex reads and changes its own, never acme's
    ("/v1/settings", "GET"): ("/v1/settings", None, "empty"),
    ("/v1/settings", "PUT"): ("/v1/settings", {"currency": "USD", "version": 0}, "own"),
    ("/v1/rollups", "GET"): ("/v1/rollups?from=2024-05-01&to=2024-05-31", None, "empty"),
    ("/v1/rollups/backfill", "POST"): (
        "/v1/rollups/backfill",
        {"from": "2024-05-01", "to": "2024-05-02"},
        "own",
    ),
    ("/v1/rollups/{date}/rerun", "POST"): ("/v1/rollups/2024-05-02/rerun", {}, "own"),
    ("/console/settings", "GET"): ("/console/settings", None, "empty"),
    ("/console/settings", "POST"): ("/console/settings", SETTINGS_FORM, "own"),
    ("/console/rollups", "GET"): ("/console/rollups?from=2024-05-01&to=2024-05-31", None, "empty"),
    ("/console/rollups/backfill", "POST"): (
        "/console/rollups/backfill",
        "from=2024-05-01&to=2024-05-02",
        "own",
    ),
    ("/console/rollups/{date}/rerun", "POST"): ("/console/rollups/2024-05-02/rerun", "", "own"),
    ("/dashboard", "GET"): (f"/dashboard?{RANGE}", None, "empty"),
    ("/dashboard/comments", "GET"): (
        f"/dashboard/comments?metric=csat&date={BAD_DAY.isoformat()}&location=hamburg",
        None,
        "empty",
    ),
    # the inbox, the case pages and the people at risk: globex sees its own (empty) lists, never acme's
    ("/v1/answers", "GET"): (f"/v1/answers?{RANGE}", None, "empty"),
    ("/dashboard/inbox", "GET"): (f"/dashboard/inbox?{RANGE}", None, "empty"),
    ("/dashboard/cases", "GET"): ("/dashboard/cases", None, "empty"),
    ("/dashboard/cases", "POST"): (
        "/dashboard/cases",
        "response_id=resp-wait-0001&survey_id=store-csat",
        "404",
    ),
    ("/dashboard/cases/{case_id}", "GET"): (f"/dashboard/cases/{ACME_CASE}", None, "404"),
    ("/dashboard/cases/{case_id}", "POST"): (
        f"/dashboard/cases/{ACME_CASE}",
        "action=note&note=x&version=1",
        "404",
    ),
    ("/v1/people/at-risk", "GET"): (f"/v1/people/at-risk?date={BAD_DAY.isoformat()}", None, "empty"),
    ("/v1/people/at-risk.csv", "GET"): (f"/v1/people/at-risk.csv?date={BAD_DAY.isoformat()}", None, "empty"),
    ("/dashboard/at-risk", "GET"): (f"/dashboard/at-risk?date={BAD_DAY.isoformat()}", None, "empty"),
    ("/v1/audit", "GET"): ("/v1/audit", None, "empty"),
    ("/console/users", "GET"): ("/console/users", None, "empty"),
    ("/console/users", "POST"): ("/console/users", "email=new%40globex.example&role=viewer", "own"),
    ("/console/users/{user_id}", "GET"): (f"/console/users/{ACME_USER}", None, "404"),
    ("/console/users/{user_id}", "POST"): (f"/console/users/{ACME_USER}", "role=admin", "404"),
    ("/console/users/{user_id}/remove", "POST"): (f"/console/users/{ACME_USER}/remove", "confirm=yes", "404"),
    # the cases API and announcements: acme's case and store are 404; globex lists and changes only its own
    ("/v1/cases", "GET"): ("/v1/cases", None, "empty"),
    ("/v1/cases", "POST"): ("/v1/cases", {"responseId": "resp-wait-0001", "surveyId": "store-csat"}, "404"),
    ("/v1/cases/rules", "GET"): ("/v1/cases/rules", None, "empty"),
    ("/v1/cases/rules", "PUT"): ("/v1/cases/rules", {"slaHours": 24}, "own"),
    ("/v1/cases/{case_id}", "GET"): (f"/v1/cases/{ACME_CASE}", None, "404"),
    ("/v1/cases/{case_id}", "PATCH"): (f"/v1/cases/{ACME_CASE}", {"status": "resolved"}, "404"),
    ("/v1/cases/{case_id}/replies", "POST"): (f"/v1/cases/{ACME_CASE}/replies", {"body": "x"}, "404"),
    ("/v1/announcements", "POST"): ("/v1/announcements?dry_run=true", ANNOUNCEMENT, "404"),
    # the alerts console: acme's rule is 404, globex's new rule and webhook are its own
    ("/console/alerts", "GET"): ("/console/alerts", None, "empty"),
    ("/console/alerts", "POST"): ("/console/alerts", ALERT_FORM, "own"),
    ("/console/alerts/rules/{rule_id}", "GET"): ("/console/alerts/rules/acme-secret-rule", None, "404"),
    ("/console/alerts/rules/{rule_id}", "POST"): (
        "/console/alerts/rules/acme-secret-rule",
        ALERT_FORM,
        "404",
    ),
    ("/console/alerts/rules/{rule_id}/delete", "POST"): (
        "/console/alerts/rules/acme-secret-rule/delete",
        "confirm=1",
        "404",
    ),
    ("/console/alerts/rules/{rule_id}/test", "POST"): (
        "/console/alerts/rules/acme-secret-rule/test",
        "",
        "404",
    ),
    ("/console/alerts/webhook", "POST"): (
        "/console/alerts/webhook",
        "url=http%3A%2F%2F127.0.0.1%3A9%2Fother",
        "own",
    ),
    ("/console/alerts/webhook/rotate", "POST"): ("/console/alerts/webhook/rotate", "confirm=1", "own"),
    # API keys: acme's key (ACME_KEY, its id filled in) is 404; globex lists and creates only its own
    ("/v1/keys", "GET"): ("/v1/keys", None, "empty"),
    ("/v1/keys", "POST"): ("/v1/keys", {"kind": "write"}, "own"),
    ("/v1/keys/{key_id}/rotate", "POST"): (f"/v1/keys/{ACME_KEY}/rotate", {}, "404"),
    ("/v1/keys/{key_id}/revoke", "POST"): (f"/v1/keys/{ACME_KEY}/revoke", {}, "404"),
    ("/console/keys", "GET"): ("/console/keys", None, "empty"),
    ("/console/keys", "POST"): ("/console/keys", "kind=write", "own"),
    ("/console/keys/{key_id}", "GET"): (f"/console/keys/{ACME_KEY}", None, "404"),
    ("/console/keys/{key_id}/rotate", "POST"): (f"/console/keys/{ACME_KEY}/rotate", "confirm=1", "404"),
    ("/console/keys/{key_id}/revoke", "POST"): (f"/console/keys/{ACME_KEY}/revoke", "confirm=1", "404"),
}
PUBLIC_ROUTES = {
    ("/health", "GET"),
    ("/dashboard/login", "GET"),
    ("/dashboard/login", "POST"),
    ("/dashboard/logout", "POST"),
    # team members' sign-in, first password and reset: e-mail and password, never a tenant's data
    *[("/dashboard/login" + p, m) for p, m in [("/account", "POST"), ("/new-password", "POST")]],
    *[
        ("/dashboard/login" + p, m)
        for p, m in [("/reset", "GET"), ("/reset", "POST"), ("/reset/confirm", "POST")]
    ],
    ("/openapi.json", "GET"),  # the API contract: the same document for everyone, no tenant data
}
# Strings only tenant `acme` has: none may appear in an answer to `globex`.
SECRETS = (
    "hamburg",
    "Hamburg",
    "Wartezeit",
    "acme-secret-rule",
    "4.2",
    "http://127.0.0.1:9/acme",
    "lena@acme",
)


@pytest.fixture
def world(aws: Runtime, tenant: TenantKeys, other_tenant: TenantKeys) -> Iterator[Client]:
    store_points(aws, tenant.tenant_id, month_of_metrics())
    save_responses(aws, bad_day_responses(tenant.tenant_id, BAD_DAY))
    aws.locations.create_location(tenant.tenant_id, "hamburg", "Hamburg Jungfernstieg")
    aws.users.create(
        UserRecord(tenant_id=tenant.tenant_id, user_id=ACME_USER, email="lena@acme.example", role=Role.EDITOR)
    )
    config = aws.tenants.get_tenant(tenant.tenant_id).config  # type: ignore[union-attr]
    aws.tenants.update_config(
        tenant.tenant_id, config.model_copy(update={"webhook_url": "http://127.0.0.1:9/acme"})
    )
    aws.alerts.create_rule(
        AlertRule.model_validate(
            {
                "tenant_id": tenant.tenant_id,
                "rule_id": "acme-secret-rule",
                "name": "Hamburg CSAT",
                "metric": "csat",
                "breakdown": {"location": "hamburg"},
                "condition": "below",
                "threshold": 3,
                "created_at": "2024-05-01T00:00:00Z",
                "updated_at": "2024-05-01T00:00:00Z",
            }
        )
    )
    from touchpoint.alerts.delivery import RetryPolicy
    from touchpoint.alerts.service import AlertDeps

    evaluate_after_rollup(aws, tenant.tenant_id, BAD_DAY, deps=AlertDeps(policy=RetryPolicy(max_attempts=1)))
    _acme_notifications(aws, tenant.tenant_id)
    _acme_case_and_people_at_risk(aws, tenant.tenant_id)
    with function_client("insights") as client:
        yield client


def _acme_notifications(aws: Runtime, tenant_id: str) -> None:
    """A notification rule of acme's (Hamburg, with a webhook secret) and one failed delivery."""
    from touchpoint.loop.notify_deliveries import NotificationDelivery
    from touchpoint.loop.notify_rules import Destination, NotificationRule

    moment = datetime(2024, 3, 1, 9, tzinfo=UTC)
    rule = {
        "name": "Hamburg detractors",
        "conditions": {"score": {"kind": "nps", "max": 6}, "location_ids": ["hamburg"]},
        "destinations": {"webhook_url": "http://127.0.0.1:9/acme"},
    }
    aws.notifications.put_rule(
        NotificationRule(
            **rule,
            tenant_id=tenant_id,
            rule_id=NOTIFY_RULE,
            webhook_secret="whsec_YWNtZQ==",
            created_at=moment,
            updated_at=moment,
        ),
        create=True,
    )
    delivery = NotificationDelivery(
        tenant_id=tenant_id,
        delivery_id="msg_acme",
        rule_id=NOTIFY_RULE,
        destination=Destination.WEBHOOK,
        survey_id="s-acme",
        response_id="r-acme",
        location_id="hamburg",
        answered_at=moment,
        created_at=moment,
    )
    assert aws.notifications.create_delivery(delivery) is None


def _acme_case_and_people_at_risk(aws: Runtime, tenant_id: str) -> None:
    """A case of acme's (Hamburg) and a score file with one of acme's people at risk."""
    from touchpoint.models.cases import Case
    from touchpoint.storage.cases import CaseChange
    from touchpoint.storage.lake_layout import people_export_keys

    opened = datetime(2024, 5, 28, 10, 5, tzinfo=UTC)
    case = Case(
        tenant_id=tenant_id,
        case_id=ACME_CASE,
        source="answer",
        trigger="csat_low",
        response_id="resp-wait-0001",
        survey_id="store-csat",
        location_id="hamburg",
        opened_at=opened,
        opened_by="system:case_rules",
        due_at=opened + timedelta(hours=48),
    )
    aws.cases.create(case, CaseChange())
    header = "tenant_day,person,score,score_30d_ago,change,at_risk,last_active_day,revenue_to_date"
    body = f"{header}\n{BAD_DAY},hamburg-regular,20.0,70.0,-50.0,true,{BAD_DAY},4.2\n"
    aws.lake.put_bytes(people_export_keys(tenant_id, BAD_DAY)[0], body.encode(), content_type="text/csv")


def _call(client: Client, method: str, url: str, body: object, headers: dict[str, str]) -> tuple[int, str]:
    if isinstance(body, str):  # a console form
        data, extra = body.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    else:
        data = b"" if body is None else json.dumps(body).encode()
        extra = {"Content-Type": "application/json"} if body is not None else {}
    response = client.http.request(method, url, headers={**headers, **extra}, body=data)
    return response.status_code, response.body.decode("utf-8", errors="replace")


def test_every_route_is_covered_by_this_test() -> None:
    routes = route_access(load_app("insights"))
    public = {key for key, access in routes.items() if access == PUBLIC}
    assert public == PUBLIC_ROUTES
    assert set(routes) - public == set(REQUESTS)


@pytest.mark.parametrize(("route", "method"), sorted(REQUESTS))
def test_another_tenants_key_learns_nothing(
    world: Client, aws: Runtime, tenant: TenantKeys, other_tenant: TenantKeys, route: str, method: str
) -> None:
    access = route_access(load_app("insights"))[(route, method)]
    assert access is not None
    kind = KeyKind.READ if KeyKind.READ in access.kinds else KeyKind.ADMIN
    acme_keys = aws.tenants.list_keys(tenant.tenant_id)
    url, body, expect = REQUESTS[(route, method)]
    url = url.replace(ACME_KEY, next(k.key_id for k in acme_keys if k.kind is KeyKind.WRITE))
    auth = (
        session_headers(aws, other_tenant.read_key)
        if route.startswith("/dashboard") and kind is KeyKind.READ
        else bearer(other_tenant.key(kind))
    )
    status, text = _call(world, method, url, body, auth)
    if expect == "404":
        assert status == 404, text
    else:
        # 202: days marked for the dispatcher; 303: a console form saved
        assert status in (200, 201, 202) or (route.startswith("/console") and status == 303), text
    asked = url + json.dumps(body)
    secrets = (*SECRETS, *(k.key_id for k in acme_keys))
    for secret in (s for s in secrets if s not in asked):  # the request's own words may be echoed
        assert secret not in text, (secret, text[:500])
    # acme's things are untouched by whatever globex did.
    rule = aws.alerts.get_rule(tenant.tenant_id, "acme-secret-rule")
    assert rule is not None and rule.name == "Hamburg CSAT" and rule.threshold == 3
    assert aws.tenants.get_tenant(tenant.tenant_id).config.webhook_url == "http://127.0.0.1:9/acme"  # type: ignore[union-attr]
    assert aws.alerts.get_alert(tenant.tenant_id, BAD_DAY, "acme-secret-rule") is not None
    notify_rule = aws.notifications.get_rule(tenant.tenant_id, NOTIFY_RULE)
    assert notify_rule is not None and notify_rule.webhook_secret == "whsec_YWNtZQ=="
    # acme's settings and rollup days are untouched
    assert aws.tenants.get_tenant(tenant.tenant_id).config.currency == "EUR"  # type: ignore[union-attr]
    assert aws.rollup_state.dirty_days(tenant.tenant_id) == []
    member = aws.users.get(tenant.tenant_id, ACME_USER)  # acme's team member is unchanged
    assert member is not None and member.role is Role.EDITOR
    assert aws.tenants.list_keys(tenant.tenant_id) == acme_keys  # acme's keys: none new, rotated or revoked
    case = aws.cases.get(tenant.tenant_id, ACME_CASE)  # acme's case: no note, reply or status change
    assert case is not None and case.status is CaseStatus.NEW and case.version == 1
    # The route's own key checks: no key -> 401 (console pages: the sign-in redirect), a wrong kind -> 403.
    if route.startswith("/console"):
        assert _call(world, method, url, body, {})[0] == 303
        assert _call(world, method, url, body, bearer(tenant.write_key))[0] == 403
    elif not route.startswith("/dashboard"):
        assert _call(world, method, url, body, {})[0] == 401
        assert _call(world, method, url, body, bearer(tenant.write_key))[0] == 403
