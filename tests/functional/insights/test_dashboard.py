"""The dashboard through the Chalice app: sign-in cookie, charts with data, drill-down, languages."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from html import escape
from urllib.parse import urlencode

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
from touchpoint.alerts.delivery import RetryPolicy
from touchpoint.alerts.rules import AlertRule
from touchpoint.alerts.service import AlertDeps
from touchpoint.runtime import Runtime, get_runtime
from touchpoint.web.signin_sessions import SESSION_MAX_AGE_S, issue_session

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
BAD_DAY = LAST - timedelta(days=3)
RANGE = f"from={(LAST - timedelta(days=PERIOD_DAYS - 1)).isoformat()}&to={LAST.isoformat()}"


@pytest.fixture
def client(aws: Runtime, tenant: TenantKeys) -> Iterator[Client]:
    store_points(aws, tenant.tenant_id, month_of_metrics())
    save_responses(aws, bad_day_responses(tenant.tenant_id, BAD_DAY))
    aws.locations.create_location(tenant.tenant_id, "hamburg", "Hamburg Jungfernstieg")
    aws.locations.create_location(tenant.tenant_id, "berlin", "Berlin Mitte")
    with function_client("insights") as c:
        yield c


def login(client: Client, key: str, **headers: str) -> tuple[int, dict[str, str], str]:
    response = client.http.post(
        "/dashboard/login", headers={**FORM, **headers}, body=urlencode({"key": key, "lang": "en"})
    )
    return response.status_code, dict(response.headers), response.body.decode()


def cookie(key: str) -> dict[str, str]:
    return session_headers(get_runtime(), key)


def test_without_a_session_the_dashboard_shows_the_sign_in_form(client: Client) -> None:
    # 401, so that scripts and monitors see they are not signed in; a browser shows the page.
    response = client.http.get("/dashboard", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "WWW-Authenticate" not in response.headers  # it would make a browser prompt for a password
    assert "Set-Cookie" not in response.headers
    page = response.body.decode()
    assert '<form method="post" action="/dashboard/login">' in page and "read key" in page
    assert (
        "Content-Security-Policy" in response.headers
        and "script-src" not in response.headers["Content-Security-Policy"]
    )
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    german = client.http.get("/dashboard").body.decode()
    assert "Lese-Schlüssel" in german and '<html lang="de">' in german


def test_both_pages_answer_401_with_the_same_sign_in_page_without_or_with_a_forged_session(
    client: Client,
) -> None:
    comments = f"/dashboard/comments?metric=csat&date={RANGE.split('to=')[1]}"
    for path in (f"/dashboard?{RANGE}", comments):
        anonymous = client.http.get(path, headers={"Accept-Language": "en"})
        forged = client.http.get(
            path, headers={"Accept-Language": "en", "Cookie": "tp_session=v1.acme.k.1.x"}
        )
        for response in (anonymous, forged):
            assert response.status_code == 401, path
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            assert "WWW-Authenticate" not in response.headers
            page = response.body.decode()
            assert '<form method="post" action="/dashboard/login">' in page, path
            assert f'name="next" value="{escape(path)}"' in page, path  # back here after signing in
        # The forged session is also cleared and said to have ended; no session, no message.
        assert "Max-Age=0" in forged.headers["Set-Cookie"]
        assert 'class="error"' in forged.body.decode() and 'class="error"' not in anonymous.body.decode()


def test_sign_in_sets_a_secure_http_only_strict_cookie_and_only_read_keys_may_sign_in(
    client: Client, tenant: TenantKeys
) -> None:
    status, headers, _ = login(client, tenant.read_key)
    assert status == 303 and headers["Location"].startswith("/dashboard")
    set_cookie = headers["Set-Cookie"]
    assert set_cookie.startswith(f"tp_session=v1.{tenant.tenant_id}.") and tenant.read_key not in set_cookie
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age="):
        assert attribute in set_cookie
    for key, message in (
        (tenant.admin_key, "not a admin key"),
        (tenant.write_key, "not a write key"),
        ("tpr_" + "x" * 32, "unknown or revoked"),
        ("hello", "not a Touchpoint key"),
    ):
        status, headers, page = login(client, key)
        assert status == 401 and "Set-Cookie" not in headers
        assert message in page


def test_the_sign_in_page_goes_back_to_the_console_page_that_sent_the_visitor(client: Client) -> None:
    # the console answers a visitor without a session with 303 to /dashboard/login?next=<its path>
    page = client.http.get("/dashboard/login?next=%2Fconsole%2Fstores&lang=en").body.decode()
    assert page.count('<input type="hidden" name="next" value="/console/stores">') == 2  # both forms
    for outside in ("https%3A%2F%2Fevil.example%2F", "%2F%2Fevil.example", "%2Fv1%2Fkeys"):
        page = client.http.get(f"/dashboard/login?next={outside}&lang=en").body.decode()
        assert 'name="next" value="/dashboard?lang=en"' in page and "evil" not in page, outside


def test_cross_site_sign_in_is_refused(client: Client, tenant: TenantKeys) -> None:
    status, headers, _ = login(
        client, tenant.read_key, Origin="https://evil.example", Host="insights.example"
    )
    assert status == 403 and "Set-Cookie" not in headers
    status, _, _ = login(client, tenant.read_key, Origin="https://insights.example", Host="insights.example")
    assert status == 303


def test_the_dashboard_draws_the_north_star_and_charts_with_data(client: Client, tenant: TenantKeys) -> None:
    response = client.http.get(f"/dashboard?{RANGE}&lang=en", headers=cookie(tenant.read_key))
    assert response.status_code == 200, response.body
    assert response.headers["Set-Cookie"].startswith("tp_lang=en;")
    page = response.body.decode()
    star = page[page.index('id="north-star"') :]
    assert "Engagement rate" in star[:400] and "60.0%" in star[:600]
    charts = dict(re.findall(r'data-chart="([^"]+)" data-points="(\d+)"', page))
    for chart in (
        "north-star",
        "nps-split",
        "csat-by-channel",
        "tickets-by-channel",
        "csat-by-store",
        "score-distribution",
    ):
        assert int(charts[chart]) > 0, chart
    assert sum(1 for n in charts.values() if int(n) > 0) >= 20
    for group in ("digital", "feedback", "commerce", "retention", "in_store"):
        assert f'id="group-{group}"' in page
    assert 'id="stores"' in page and "Hamburg Jungfernstieg" in page and "Berlin Mitte" in page
    # Every feedback number links to its comments: trend points, channel lines, NPS bars, store cells.
    for fragment in (
        "metric=nps&amp;lang=en&amp;date=",
        "metric=csat&amp;lang=en&amp;channel=email",
        "metric=nps&amp;lang=en&amp;location=hamburg",
    ):
        assert fragment in page, fragment
    assert 'class="bar-link"' in page
    low = re.search(r'<a class="low-csat" href="([^"]+)"', page)
    assert low is not None
    link = low.group(1).replace("&amp;", "&")
    assert f"date={BAD_DAY.isoformat()}" in link and "location=hamburg" in link and "metric=csat" in link
    comments = client.http.get(link, headers=cookie(tenant.read_key))
    assert comments.status_code == 200
    text = comments.body.decode()
    themes = re.findall(r'data-phrase="([^"]*)"', text)
    assert themes[0] == "lange wartezeit"
    assert "Viel zu lange Wartezeit an der Kasse!" in text and "Alles super" not in text


def test_german_labels_and_a_bad_period_gives_an_error_page(client: Client, tenant: TenantKeys) -> None:
    page = client.http.get(f"/dashboard?{RANGE}&lang=de", headers=cookie(tenant.read_key)).body.decode()
    assert "Nordstern-Metrik" in page and "Filialvergleich" in page and "60,0 %" in page
    bad = client.http.get("/dashboard?from=2024-05-31&to=2024-05-01", headers=cookie(tenant.read_key))
    assert bad.status_code == 400 and "from must not be after to" in bad.body.decode()
    assert bad.headers["Content-Type"].startswith("text/html")


def test_failed_alert_deliveries_are_visible_on_the_dashboard(
    aws: Runtime, client: Client, tenant: TenantKeys
) -> None:
    now = LAST
    rule = AlertRule.model_validate(
        {
            "tenant_id": tenant.tenant_id,
            "rule_id": "csat-hamburg",
            "name": "CSAT Hamburg below 3",
            "metric": "csat",
            "breakdown": {"location": "hamburg"},
            "condition": "below",
            "threshold": 3,
            "created_at": "2024-05-01T00:00:00Z",
            "updated_at": "2024-05-01T00:00:00Z",
        }
    )
    aws.alerts.create_rule(rule)
    config = aws.tenants.get_tenant(tenant.tenant_id).config  # type: ignore[union-attr]
    aws.tenants.update_config(
        tenant.tenant_id, config.model_copy(update={"webhook_url": "http://127.0.0.1:9/hook"})
    )
    deps = AlertDeps(policy=RetryPolicy(max_attempts=2), sleep=lambda _s: None)
    [alert] = evaluate_after_rollup(aws, tenant.tenant_id, BAD_DAY, deps=deps)
    assert alert.status.value == "failed" and now >= BAD_DAY
    page = client.http.get(f"/dashboard?{RANGE}&lang=en", headers=cookie(tenant.read_key)).body.decode()
    item = re.search(
        r'<li class="alert alert-failed" data-alert="([^"]+)" data-status="failed">(.*?)</li>', page
    )
    assert item is not None and item.group(1) == alert.alert_id
    assert "Delivery failed" in item.group(2) and "connection failed" in item.group(2)


def test_revoked_keys_end_the_session_and_logout_clears_the_cookie(
    aws: Runtime, client: Client, tenant: TenantKeys
) -> None:
    logout = client.http.post("/dashboard/logout", headers=FORM, body="")
    assert logout.status_code == 303 and "Max-Age=0" in logout.headers["Set-Cookie"]
    signed_in = _signed_in(client, tenant.read_key)
    assert client.http.get("/dashboard", headers=signed_in).status_code == 200
    record = aws.tenants.find_key(tenant.read_key)
    assert record is not None
    aws.tenants.revoke_key(tenant.tenant_id, record.key_id)
    response = client.http.get("/dashboard", headers=signed_in)
    assert response.status_code == 401
    assert (
        "Max-Age=0" in response.headers["Set-Cookie"] and "expired" in response.body.decode().lower()
    ) or "abgelaufen" in response.body.decode()
    api = client.http.get(f"/v1/summary?{RANGE}", headers=bearer(tenant.read_key))
    assert api.status_code == 401


def test_a_revocation_ends_the_session_even_while_the_key_index_still_lists_the_key_active(
    aws: Runtime, client: Client, tenant: TenantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_in = _signed_in(client, tenant.read_key)
    stale = aws.tenants.list_keys(tenant.tenant_id)  # the index as it was before the revocation
    record = aws.tenants.find_key(tenant.read_key)
    assert record is not None and record.active
    aws.tenants.revoke_key(tenant.tenant_id, record.key_id)
    monkeypatch.setattr(aws.tenants, "list_keys", lambda tenant_id: stale)  # a lagging GSI
    assert client.http.get("/dashboard", headers=signed_in).status_code == 401


def _signed_in(client: Client, key: str) -> dict[str, str]:
    """The `Cookie` header a browser sends after signing in with `key`."""
    status, headers, _ = login(client, key)
    assert status == 303, headers
    value = headers["Set-Cookie"].split(";", 1)[0]
    return {"Cookie": value}


def _session_value(headers: dict[str, str]) -> str:
    return headers["Cookie"].partition("=")[2]


def test_the_cookie_names_the_tenant_and_key_id_but_never_holds_the_key(
    aws: Runtime, client: Client, tenant: TenantKeys
) -> None:
    value = _session_value(_signed_in(client, tenant.read_key))
    record = aws.tenants.find_key(tenant.read_key)
    assert record is not None
    version, tenant_id, key_id, expires, _signature = value.split(".")
    assert (version, tenant_id, key_id) == ("v1", tenant.tenant_id, record.key_id)
    assert tenant.read_key not in value and record.key_hash not in value
    assert 0 < int(expires) - time.time() <= SESSION_MAX_AGE_S
    # the key itself is no longer accepted as a cookie value
    assert (
        client.http.get("/dashboard", headers={"Cookie": f"tp_session={tenant.read_key}"}).status_code == 401
    )


def test_a_tampered_cookie_is_refused(
    aws: Runtime, client: Client, tenant: TenantKeys, other_tenant: TenantKeys
) -> None:
    value = _session_value(_signed_in(client, tenant.read_key))
    version, tenant_id, key_id, expires, mac = value.split(".")
    other = aws.tenants.find_key(other_tenant.read_key)
    assert other is not None
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    for forged in (
        f"{version}.{tenant_id}.{key_id}.{int(expires) + 3600}.{mac}",  # longer life
        f"{version}.{other_tenant.tenant_id}.{other.key_id}.{expires}.{mac}",  # another tenant's key
        f"{version}.{tenant_id}.{key_id}.{expires}.{flipped}",
        f"{version}.{tenant_id}.{key_id}.{expires}.",
        "v1.acme",
        "",
    ):
        response = client.http.get(f"/dashboard?{RANGE}", headers={"Cookie": f"tp_session={forged}"})
        assert response.status_code == 401, forged
        assert "WWW-Authenticate" not in response.headers, forged
        assert '<form method="post" action="/dashboard/login">' in response.body.decode(), forged
        assert 'id="north-star"' not in response.body.decode(), forged
        api = client.http.get(f"/v1/summary?{RANGE}", headers={"Cookie": f"tp_session={forged}"})
        assert api.status_code == 401, forged


def test_an_expired_session_is_refused(aws: Runtime, client: Client, tenant: TenantKeys) -> None:
    stale = session_headers(aws, tenant.read_key, now=time.time() - SESSION_MAX_AGE_S - 1)
    response = client.http.get(f"/dashboard?{RANGE}", headers=stale)
    assert response.status_code == 401 and "Max-Age=0" in response.headers["Set-Cookie"]
    fresh = session_headers(aws, tenant.read_key, now=time.time() - SESSION_MAX_AGE_S + 60)
    assert client.http.get(f"/dashboard?{RANGE}", headers=fresh).status_code == 200
    # an expiry further away than a session may last was not issued here
    future = session_headers(aws, tenant.read_key, now=time.time() + 3600)
    assert client.http.get(f"/dashboard?{RANGE}", headers=future).status_code == 401


def test_a_session_signed_under_another_pepper_is_refused(
    aws: Runtime, client: Client, tenant: TenantKeys
) -> None:
    record = aws.tenants.find_key(tenant.read_key)
    assert record is not None
    value = issue_session(record, aws.settings.key_pepper + "-old", time.time())
    response = client.http.get(f"/v1/summary?{RANGE}", headers={"Cookie": f"tp_session={value}"})
    assert response.status_code == 401


def test_a_session_only_opens_read_routes(client: Client, tenant: TenantKeys) -> None:
    signed_in = _signed_in(client, tenant.read_key)
    assert client.http.get(f"/v1/summary?{RANGE}", headers=signed_in).status_code == 200
    admin = client.http.get("/v1/alerts/rules", headers=signed_in)
    assert admin.status_code == 401  # the cookie is not even read on an admin route


def test_a_session_of_tenant_a_never_shows_tenant_b(
    aws: Runtime, client: Client, tenant: TenantKeys, other_tenant: TenantKeys
) -> None:
    aws.locations.create_location(other_tenant.tenant_id, "paris", "Paris Opera")
    mine = client.http.get(f"/dashboard?{RANGE}&lang=en", headers=_signed_in(client, tenant.read_key))
    assert mine.status_code == 200 and "Hamburg Jungfernstieg" in mine.body.decode()
    assert "Paris Opera" not in mine.body.decode()
    theirs = client.http.get(f"/dashboard?{RANGE}&lang=en", headers=_signed_in(client, other_tenant.read_key))
    assert theirs.status_code == 200
    page = theirs.body.decode()
    assert "Hamburg Jungfernstieg" not in page and "Berlin Mitte" not in page
    assert (
        "Viel zu lange Wartezeit"
        not in client.http.get(
            f"/dashboard/comments?date={BAD_DAY.isoformat()}&metric=csat&lang=en",
            headers=_signed_in(client, other_tenant.read_key),
        ).body.decode()
    )
