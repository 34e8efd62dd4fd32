"""The reported cases of issue 18, one test each: a clear 4xx (or the quarantine), never a 5xx.

Each request reaches its handler with a valid key. A refused request must not have stored
anything; an accepted event must not stop the tenant-day's rollup.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import basic_auth, bearer
from tests.functional.hostile.conftest import HostileEnv
from tests.functional.ingest.support import lake_events, quarantined
from touchpoint.rollup.wiring import build_service

JSON = "application/json"


def call(
    env: HostileEnv, function: str, method: str, url: str, key: str | None, body: Any = None, **headers: str
) -> tuple[int, Any, dict[str, str]]:
    """One request; the body is JSON-encoded unless bytes/str; returns status, parsed body, headers."""
    all_headers = {**(bearer(key) if key else {}), "Content-Type": JSON, **headers}
    if body is None:
        data = b""
    elif isinstance(body, bytes):
        data = body
    elif isinstance(body, str):
        data = body.encode("utf-8", "surrogatepass")
    else:
        data = json.dumps(body).encode()
    response = env.clients[function].http.request(method, url, headers=all_headers, body=data)
    text = response.body.decode("utf-8", "replace")
    try:
        parsed: Any = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return response.status_code, parsed, dict(response.headers)


def assert_clear_400(status: int, body: Any, field: str | None = None) -> None:
    """A 4xx JSON answer with a code, a message and (when given) the field."""
    assert 400 <= status < 500, (status, body)
    assert isinstance(body, dict) and body.get("code") and body.get("message"), body
    if field is not None:
        assert body.get("field") == field, body


# 1. Poison event ----------------------------------------------------------------------------------

POISON_DAY = date(2026, 11, 2)


@pytest.mark.parametrize(
    "revenue",
    ["1e300", "-1e300", "1" + "0" * 400, "1e13"],
    ids=["1e300", "-1e300", "400 digits", "over 1e12"],
)
def test_poison_revenue_is_quarantined_and_the_rollup_completes(env: HostileEnv, revenue: str) -> None:
    tenant = env.tenant.tenant_id
    good = {
        "userId": "u2",
        "event": "Order Completed",
        "timestamp": "2026-11-02T09:00:00Z",
        "properties": {"order_id": "o-good", "revenue": 12.5},
    }
    status, answer, _ = call(
        env, "ingest", "POST", "/v1/track", None, good, **basic_auth(env.tenant.write_key)
    )
    assert status == 200, answer
    before, held = len(lake_events(env.runtime, tenant)), quarantined(env.runtime, tenant)
    body = (
        '{"userId":"u1","event":"Order Completed","timestamp":"2026-11-02T10:00:00Z",'
        f'"properties":{{"order_id":"o-{len(revenue)}","revenue":{revenue}}}}}'
    )
    status, answer, _ = call(
        env, "ingest", "POST", "/v1/track", None, body, **basic_auth(env.tenant.write_key)
    )
    assert status in (200, 400), answer
    assert len(lake_events(env.runtime, tenant)) == before, "a poison event reached the lake"
    new = [line for line in quarantined(env.runtime, tenant) if line not in held]
    assert [(line["code"], line["field"]) for line in new] == [("number_out_of_range", "properties.revenue")]
    assert "properties.revenue must be a finite amount" in new[0]["reason"], new
    result = build_service(env.runtime, {}, evaluate_alerts=False).run_day(
        tenant, POISON_DAY, now=datetime(2026, 11, 4, tzinfo=UTC)
    )
    assert result.status == "done" and result.points > 0
    totals = [
        p for p in env.runtime.metrics.read(tenant, "revenue", POISON_DAY, POISON_DAY) if not p.breakdown
    ]
    assert [p.value for p in totals] == [12.5]  # the good order only


# 2. Calendar edges ---------------------------------------------------------------------------------

CALENDAR_EDGES = [
    ("insights", "/v1/summary?from=0001-01-01&to=0001-01-01", "read"),
    ("insights", "/v1/summary?to=0001-01-01", "read"),
    ("insights", "/v1/summary?from=9999-12-31", "read"),
    ("insights", "/v1/summary.csv?from=0001-01-01&to=0001-01-01", "read"),
    ("insights", "/v1/metrics?metric=nps&from=9999-12-30&to=9999-12-31", "read"),
    ("insights", "/v1/metrics?metric=nps&from=0001-01-01&to=0001-01-02", "read"),
    ("insights", "/v1/metrics/batch?metrics=nps&from=9999-12-30&to=9999-12-31", "read"),
    ("insights", "/v1/metrics.csv?metrics=nps&from=9999-12-30&to=9999-12-31", "read"),
    ("insights", "/v1/alerts?to=0001-01-01", "read"),
    ("insights", "/v1/alerts.csv?to=0001-01-01", "read"),
    ("insights", "/v1/alerts?from=9999-12-31", "read"),
    ("insights", "/v1/comments?metric=nps&date=9999-12-31", "read"),
    ("insights", "/v1/comments?metric=nps_30d&date=0001-01-01", "read"),
    ("insights", "/v1/comments.csv?metric=nps&date=9999-12-31", "read"),
    ("insights", "/dashboard?to=0001-01-05", "read"),
    ("insights", "/dashboard?from=9999-12-31", "read"),
    ("insights", "/dashboard/comments?metric=nps&date=9999-12-31", "read"),
    ("surveys", "/v1/surveys/{survey_id}/responses?to=9999-12-31", "admin"),
    ("surveys", "/v1/surveys/{survey_id}/responses?from=0001-01-01&to=0001-01-01", "admin"),
    ("surveys", "/v1/responses/export?survey_id={survey_id}&to=9999-12-31", "admin"),
    ("surveys", "/v1/responses/export?survey_id={survey_id}&from=0001-01-01T00:00:00%2B01:00", "admin"),
]


@pytest.mark.parametrize(("function", "url", "kind"), CALENDAR_EDGES, ids=[u for _, u, _ in CALENDAR_EDGES])
def test_calendar_edges_are_a_clear_400(env: HostileEnv, function: str, url: str, kind: str) -> None:
    key = env.tenant.read_key if kind == "read" else env.tenant.admin_key
    status, body, _ = call(env, function, "GET", env.world.fill(url), key)
    assert status == 400, (status, body)
    if isinstance(body, dict):
        assert body.get("code") and body.get("message") and body.get("field") in ("from", "to", "date"), body
    else:
        assert "2000-01-01" in body, body  # the HTML page names the supported range


# 3. Unicode digits ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/v1/surveys/{survey_id}/responses?limit=%C2%B2",
        "/v1/surveys/{survey_id}/responses?limit=%D9%A3",
        "/v1/people/x/export?limit=%C2%B2",
        "/v1/people/x/export?limit=%EF%BC%93",
    ],
)
def test_non_ascii_digits_in_a_limit_are_a_clear_400(env: HostileEnv, url: str) -> None:
    status, body, _ = call(env, "surveys", "GET", env.world.fill(url), env.tenant.admin_key)
    assert_clear_400(status, body, "limit")


@pytest.mark.parametrize("value", ["\u00b2", "\u0663", "\uff13", "1\u00b2"])
def test_non_ascii_digits_as_an_answer_are_a_clear_400(env: HostileEnv, value: str) -> None:
    before = _response_count(env)
    url = env.world.fill("/v1/surveys/{survey_id}/responses")
    status, body, _ = call(
        env, "surveys", "POST", url, env.tenant.write_key, {"answers": {"nps": value}, "channel": "in_app"}
    )
    assert_clear_400(status, body, "answers.nps")
    assert _response_count(env) == before


def _response_count(env: HostileEnv) -> int:
    table = env.runtime.settings.responses_table
    return int(env.runtime.clients.dynamodb.scan(TableName=table, Select="COUNT")["Count"])


# 4. Lone surrogates --------------------------------------------------------------------------------


def test_lone_surrogate_comment_on_a_new_response_is_a_clear_400(env: HostileEnv) -> None:
    before = _response_count(env)
    url = env.world.fill("/v1/surveys/{survey_id}/responses")
    body = '{"answers": {"nps": 9, "comment": "gut \\ud800"}, "channel": "in_app"}'
    status, answer, _ = call(env, "surveys", "POST", url, env.tenant.write_key, body)
    assert_clear_400(status, answer)
    assert "surrogate" in answer["message"], answer
    assert _response_count(env) == before


def test_lone_surrogate_comment_on_a_partial_response_is_a_clear_400(env: HostileEnv) -> None:
    before = _response_count(env)
    url = env.world.fill("/v1/surveys/{survey_id}/responses/{response_id}")
    body = '{"answers": {"csat": 4, "comment": "\\udfff"}, "complete": true}'
    status, answer, _ = call(env, "surveys", "PUT", url, env.tenant.write_key, body)
    assert_clear_400(status, answer)
    assert _response_count(env) == before


@pytest.mark.parametrize(
    "body",
    [
        '{"userId":"u1","traits":{"email":"\\ud800@example.com"}}',
        '{"userId":"u1","traits":{"name":"\\udc00"}}',
        '{"userId":"\\ud800"}',
    ],
)
def test_lone_surrogate_in_identify_is_refused(env: HostileEnv, body: str) -> None:
    tenant = env.tenant.tenant_id
    before = len(lake_events(env.runtime, tenant))
    status, answer, _ = call(
        env, "ingest", "POST", "/v1/identify", None, body, **basic_auth(env.tenant.write_key)
    )
    assert status == 400, (status, answer)
    assert answer["code"] and "surrogate" in json.dumps(answer), answer
    assert len(lake_events(env.runtime, tenant)) == before


def test_lone_surrogate_webhook_host_is_a_clear_400(env: HostileEnv) -> None:
    before = _webhook(env)
    body = '{"url": "https://\\ud800.example/hook"}'
    status, answer, _ = call(env, "insights", "PUT", "/v1/alerts/webhook", env.tenant.admin_key, body)
    assert_clear_400(status, answer, "url")
    assert _webhook(env) == before


def _webhook(env: HostileEnv) -> str | None:
    tenant = env.runtime.tenants.get_tenant(env.tenant.tenant_id)
    assert tenant is not None
    return tenant.config.webhook_url


# 5. Numbers outside DynamoDB's range ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("threshold", "field"),
    [
        ("1e300", "threshold"),
        ("-1e300", "threshold"),
        ("4.9e-324", "threshold"),
        ("1e-200", "threshold"),
        ("1" + "0" * 130, "body"),  # 131 digits: the JSON reader refuses integers of more than 100
        ("1" + "0" * 400, "body"),  # the JSON reader refuses integers of more than 100 digits
    ],
)
def test_alert_threshold_outside_dynamodb_range_is_a_clear_400(
    env: HostileEnv, threshold: str, field: str
) -> None:
    rules_before = len(env.runtime.alerts.list_rules(env.tenant.tenant_id))
    body = (
        f'{{"name":"Huge","metric":"csat","condition":"drops_by","baseline_days":28,"threshold":{threshold}}}'
    )
    status, answer, _ = call(env, "insights", "POST", "/v1/alerts/rules", env.tenant.admin_key, body)
    assert_clear_400(status, answer, field)
    url = env.world.fill("/v1/alerts/rules/{rule_id}")
    status, answer, _ = call(env, "insights", "PUT", url, env.tenant.admin_key, body)
    assert_clear_400(status, answer, field)
    assert len(env.runtime.alerts.list_rules(env.tenant.tenant_id)) == rules_before


# 6. Webhook URLs urlsplit rejects ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["https://[::1", "http://[zz::1]/", "https://[::1]x/", "https://a\nb.example/"]
)
def test_unparseable_webhook_url_is_a_clear_400(env: HostileEnv, url: str) -> None:
    before = _webhook(env)
    status, answer, _ = call(env, "insights", "PUT", "/v1/alerts/webhook", env.tenant.admin_key, {"url": url})
    assert_clear_400(status, answer, "url")
    assert _webhook(env) == before


# 7. The QR form with too many fields ---------------------------------------------------------------


def test_form_with_201_fields_is_a_client_error(env: HostileEnv) -> None:
    before = _response_count(env)
    fields = [(f"f{i}", "x") for i in range(201)]
    url = env.world.fill("/f/{token}")
    status, body, headers = call(
        env,
        "feedback",
        "POST",
        url,
        None,
        urlencode(fields),
        **{"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 400, (status, body)
    assert "Retry-After" not in headers
    assert _response_count(env) == before


# 8. Sign-in with a next that ends in a newline -----------------------------------------------------


@pytest.mark.parametrize(
    "next_url", ["/dashboard\n", "/dashboard\r\nSet-Cookie: x=1", "/dashboard?lang=de\n"]
)
def test_sign_in_next_with_a_newline_goes_to_the_dashboard(env: HostileEnv, next_url: str) -> None:
    form = urlencode({"key": env.tenant.read_key, "next": next_url})
    status, body, headers = call(
        env,
        "insights",
        "POST",
        "/dashboard/login",
        None,
        form,
        **{"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 303, (status, body)
    assert "\n" not in headers["Location"] and "\r" not in headers["Location"]
    assert headers["Location"].startswith("/dashboard")
