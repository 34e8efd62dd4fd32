"""The dashboard under a path prefix: API Gateway's stage URL (`/api/dashboard`), a proxy's mount point.

Every link, form action, redirect and cookie `Path` carries the prefix the request came under:
from `X-Forwarded-Prefix` (what `touchpoint dev --base-path` and a proxy send), from API Gateway's
request context (the stage before the route) or from `TOUCHPOINT_BASE_PATH`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.local import LambdaContext
from chalice.test import Client

from tests.conftest import EVENTS_DIR, TenantKeys, function_client
from tests.functional.insights.seed import (
    LAST,
    PERIOD_DAYS,
    bad_day_responses,
    month_of_metrics,
    save_responses,
    session_headers,
    store_points,
)
from touchpoint.runtime import Runtime, get_runtime
from touchpoint.web.base_path import reset_base_path_settings
from touchpoint_cli.apps import load_app

PREFIX = {"X-Forwarded-Prefix": "/api"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
FIRST = LAST.toordinal() - PERIOD_DAYS + 1
RANGE = {"from": LAST.fromordinal(FIRST).isoformat(), "to": LAST.isoformat()}
_LINK_RE = re.compile(r'(?:href|action)="([^"]*)"')


@pytest.fixture
def client(aws: Runtime, tenant: TenantKeys) -> Iterator[Client]:
    store_points(aws, tenant.tenant_id, month_of_metrics())
    save_responses(aws, bad_day_responses(tenant.tenant_id, LAST.fromordinal(LAST.toordinal() - 3)))
    aws.locations.create_location(tenant.tenant_id, "hamburg", "Hamburg Jungfernstieg")
    with function_client("insights") as c:
        yield c


def links(page: str) -> list[str]:
    """Every href and form action of a page, unescaped."""
    return [unescape(link) for link in _LINK_RE.findall(page)]


def assert_all_under(page: str, prefix: str) -> list[str]:
    """Every same-site link of the page is under `prefix` (fragments aside); returns them."""
    found = [link for link in links(page) if not link.startswith("#")]
    assert found
    outside = [link for link in found if not link.startswith(prefix + "/")]
    assert outside == [], outside
    return found


def cookie_attributes(set_cookie: str) -> dict[str, str]:
    parts = [p.strip() for p in set_cookie.split(";")]
    return {k.lower(): v for k, _, v in (p.partition("=") for p in parts[1:])}


def test_sign_in_links_redirects_and_cookies_carry_a_forwarded_prefix(
    client: Client, tenant: TenantKeys
) -> None:
    asked = client.http.get("/dashboard?" + urlencode(RANGE), headers=PREFIX)
    assert asked.status_code == 401
    page = asked.body.decode()
    assert '<form method="post" action="/api/dashboard/login">' in page
    # where the sign-in returns to: the route (the prefix is added to the redirect)
    assert f'name="next" value="/dashboard?{urlencode(RANGE)}"'.replace("&", "&amp;") in page
    assert_all_under(page, "/api")

    body = urlencode({"key": tenant.read_key, "lang": "en", "next": "/dashboard?" + urlencode(RANGE)})
    signed_in = client.http.post("/dashboard/login", headers={**FORM, **PREFIX}, body=body)
    assert signed_in.status_code == 303
    assert signed_in.headers["Location"] == "/api/dashboard?" + urlencode(RANGE)
    session = signed_in.headers["Set-Cookie"]
    assert cookie_attributes(session)["path"] == "/api"
    cookie = {"Cookie": session.split(";", 1)[0]}

    dashboard = client.http.get(
        "/dashboard?" + urlencode({**RANGE, "lang": "en"}), headers={**cookie, **PREFIX}
    )
    assert dashboard.status_code == 200
    assert cookie_attributes(dashboard.headers["Set-Cookie"])["path"] == "/api"  # the language cookie
    found = assert_all_under(dashboard.body.decode(), "/api")
    assert "/api/dashboard/logout" in found
    assert f"/api/v1/summary.csv?{urlencode(RANGE)}" in found
    drill = [
        link for link in found if link.startswith("/api/dashboard/comments?") and "location=hamburg" in link
    ]
    assert drill, found

    # the gateway takes the prefix off before the function sees the path
    comments = client.http.get(drill[0].removeprefix("/api"), headers={**cookie, **PREFIX})
    assert comments.status_code == 200
    comment_links = assert_all_under(comments.body.decode(), "/api")
    assert "/api/dashboard?lang=en" in comment_links and any(
        link.startswith("/api/v1/comments.csv?") for link in comment_links
    )

    out = client.http.post("/dashboard/logout", headers={**FORM, **cookie, **PREFIX}, body="")
    assert out.status_code == 303 and out.headers["Location"] == "/api/dashboard"
    cleared = cookie_attributes(out.headers["Set-Cookie"])
    assert cleared["path"] == "/api" and cleared["max-age"] == "0"


def test_error_and_expired_pages_under_a_prefix(client: Client, tenant: TenantKeys) -> None:
    cookie = session_headers(get_runtime(), tenant.read_key)
    bad = client.http.get("/dashboard/comments?metric=nope&date=2026-01-01", headers={**cookie, **PREFIX})
    assert bad.status_code == 400
    assert links(bad.body.decode()) == ["/api/dashboard"]
    forged = client.http.get("/dashboard", headers={"Cookie": "tp_session=v1.forged", **PREFIX})
    assert forged.status_code == 401
    assert cookie_attributes(forged.headers["Set-Cookie"])["path"] == "/api"  # clears the cookie it set
    assert 'action="/api/dashboard/login"' in forged.body.decode()
    wrong = client.http.post(
        "/dashboard/login", headers={**FORM, **PREFIX}, body=urlencode({"key": tenant.admin_key})
    )
    assert wrong.status_code == 401 and 'action="/api/dashboard/login"' in wrong.body.decode()


def test_a_sign_in_cannot_be_sent_elsewhere_by_the_prefix_or_next(client: Client, tenant: TenantKeys) -> None:
    for sent in ("//evil.example", "https://evil.example", "/a/../b"):
        page = client.http.get("/dashboard/login", headers={"X-Forwarded-Prefix": sent}).body.decode()
        assert 'action="/dashboard/login"' in page  # a bad prefix is ignored
    body = urlencode({"key": tenant.read_key, "next": "//evil.example/dashboard"})
    signed_in = client.http.post("/dashboard/login", headers={**FORM, **PREFIX}, body=body)
    assert signed_in.headers["Location"] == "/api/dashboard?lang=de"


def test_at_the_root_every_link_and_cookie_stays_at_the_root(client: Client, tenant: TenantKeys) -> None:
    cookie = session_headers(get_runtime(), tenant.read_key)
    page = client.http.get("/dashboard?" + urlencode({**RANGE, "lang": "en"}), headers=cookie)
    assert page.status_code == 200
    assert not any(link.startswith("/api") for link in links(page.body.decode()))
    assert "/dashboard/logout" in links(page.body.decode())
    assert cookie_attributes(page.headers["Set-Cookie"])["path"] == "/"


# Through the Lambda handler, with API Gateway's own event of a stage URL ---------------------------


def stage_event(
    method: str, route: str, path: str, body: str | None = None, **headers: str
) -> dict[str, Any]:
    """API Gateway's event for `https://<id>.execute-api.<region>.amazonaws.com/api<path>`."""
    sample = (EVENTS_DIR / "insights" / "health.json").read_text(encoding="utf-8")
    event: dict[str, Any] = json.loads(sample)
    bare, _, query = path.partition("?")
    params = {k: [v] for k, _, v in (p.partition("=") for p in query.split("&") if p)} or None
    event.update(
        resource=route,
        path=bare,
        httpMethod=method,
        headers={"Host": "abc123.execute-api.eu-central-1.amazonaws.com", **headers},
        multiValueQueryStringParameters=params,
        queryStringParameters={k: v[0] for k, v in params.items()} if params else None,
        body=body,
    )
    event["requestContext"].update(resourcePath=route, httpMethod=method, path="/api" + bare)
    return event


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    app = load_app("insights")
    return dict(app(event, LambdaContext("insights", 512)))


@pytest.fixture
def configured_base_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set TOUCHPOINT_BASE_PATH in a test (read once per process: the cache is reset around it)."""
    reset_base_path_settings()
    yield monkeypatch
    monkeypatch.delenv("TOUCHPOINT_BASE_PATH", raising=False)
    reset_base_path_settings()


def test_on_the_stage_url_the_stage_is_the_prefix(client: Client, tenant: TenantKeys) -> None:
    login = invoke(stage_event("GET", "/dashboard/login", "/dashboard/login"))
    assert login["statusCode"] == 200
    assert_all_under(login["body"], "/api")
    body = urlencode({"key": tenant.read_key, "next": "/dashboard/comments?metric=csat&date=2026-01-01"})
    signed_in = invoke(stage_event("POST", "/dashboard/login", "/dashboard/login", body, **FORM))
    assert signed_in["statusCode"] == 303, signed_in
    headers = signed_in["headers"]
    assert headers["Location"] == "/api/dashboard/comments?metric=csat&date=2026-01-01"
    assert cookie_attributes(headers["Set-Cookie"])["path"] == "/api"
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    page = invoke(stage_event("GET", "/dashboard", "/dashboard?from=" + RANGE["from"], Cookie=cookie))
    assert page["statusCode"] == 200
    assert_all_under(page["body"], "/api")


def test_a_configured_base_path_wins_over_the_stage(
    client: Client, tenant: TenantKeys, configured_base_path: pytest.MonkeyPatch
) -> None:
    configured_base_path.setenv("TOUCHPOINT_BASE_PATH", "/")  # e.g. CloudFront hides the stage
    reset_base_path_settings()
    assert (
        'action="/dashboard/login"'
        in invoke(stage_event("GET", "/dashboard/login", "/dashboard/login"))["body"]
    )
    configured_base_path.setenv("TOUCHPOINT_BASE_PATH", "/touchpoint/")
    reset_base_path_settings()
    page = client.http.get("/dashboard/login", headers=PREFIX).body.decode()
    assert_all_under(page, "/touchpoint")
