"""Team members' session cookies on READ and ADMIN routes: roles, same-origin posts, scope, ending."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, function_client, team_session
from touchpoint.models.users import Role
from touchpoint.runtime import Runtime
from touchpoint.web.auth import SESSION_COOKIE

RULE = {"rule_id": "csat-drop", "name": "CSAT", "metric": "csat", "condition": "drops_by", "threshold": 15}


@pytest.fixture
def api(tenant: TenantKeys) -> Iterator[Client]:
    with function_client("insights") as client:
        yield client


def _user_id(runtime: Runtime, headers: dict[str, str]) -> str:
    return headers["Cookie"].split("=", 1)[1].split(".")[2]


def _post_rule(api: Client, headers: dict[str, str]) -> int:
    body = json.dumps(RULE)
    response = api.http.post(
        "/v1/alerts/rules", headers={**headers, "Content-Type": "application/json"}, body=body
    )
    return response.status_code


@pytest.mark.parametrize(
    ("role", "read", "admin"), [("viewer", 200, 403), ("editor", 200, 403), ("admin", 200, 200)]
)
def test_each_role_reaches_the_routes_its_access_admits(
    aws: Runtime, tenant: TenantKeys, api: Client, role: str, read: int, admin: int
) -> None:
    headers = team_session(aws, tenant.tenant_id, role)
    assert api.http.get("/v1/summary", headers=headers).status_code == read
    assert api.http.get("/dashboard", headers=headers).status_code == read
    assert api.http.get("/v1/alerts/rules", headers=headers).status_code == admin
    assert _post_rule(api, headers) == (201 if admin == 200 else 403)
    assert len(aws.alerts.list_rules(tenant.tenant_id)) == (1 if admin == 200 else 0)


def test_a_cross_site_post_with_an_admin_session_is_refused_and_stores_nothing(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    headers = team_session(aws, tenant.tenant_id, "admin")
    for site in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}):
        assert _post_rule(api, {**headers, **site}) == 403
    evil = {"Cookie": headers["Cookie"], "Origin": "https://evil.example", "Host": "touchpoint.example"}
    assert _post_rule(api, evil) == 403
    assert aws.alerts.list_rules(tenant.tenant_id) == []
    # reading is allowed from anywhere (a link)
    assert (
        api.http.get("/v1/alerts/rules", headers={**headers, "Sec-Fetch-Site": "cross-site"}).status_code
        == 200
    )


def test_role_changes_act_at_once_and_removal_or_a_new_session_version_ends_the_session(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    headers = team_session(aws, tenant.tenant_id, "viewer")
    user_id = _user_id(aws, headers)
    assert api.http.get("/v1/alerts/rules", headers=headers).status_code == 403
    aws.users.update(tenant.tenant_id, user_id, role=Role.ADMIN)
    assert api.http.get("/v1/alerts/rules", headers=headers).status_code == 200
    aws.users.update(tenant.tenant_id, user_id, end_sessions=True)
    assert api.http.get("/v1/summary", headers=headers).status_code == 401

    other = team_session(aws, tenant.tenant_id, "admin")
    record = aws.users.get(tenant.tenant_id, _user_id(aws, other))
    assert record is not None
    aws.users.delete(record)
    assert api.http.get("/v1/summary", headers=other).status_code == 401


def test_forged_or_foreign_sessions_are_refused(
    aws: Runtime, tenant: TenantKeys, other_tenant: TenantKeys, api: Client
) -> None:
    headers = team_session(aws, tenant.tenant_id, "admin")
    value = headers["Cookie"].split("=", 1)[1]
    version, tenant_id, user_id, expires, mac = value.split(".")
    forged = [
        f"{version}.{tenant_id}.{user_id}.{expires}.{'A' * len(mac)}",
        f"{version}.{other_tenant.tenant_id}.{user_id}.{expires}.{mac}",
        f"{version}.{tenant_id}.{user_id}.{int(expires) + 60}.{mac}",
        f"{version}.{tenant_id}.{user_id}.{expires}",
    ]
    for bad in forged:
        cookie = {"Cookie": f"{SESSION_COOKIE}={bad}"}
        assert api.http.get("/v1/summary", headers=cookie).status_code == 401, bad


def test_a_user_session_is_no_key_for_write_routes(aws: Runtime, tenant: TenantKeys) -> None:
    headers = team_session(aws, tenant.tenant_id, "admin")
    with function_client("ingest") as ingest:
        response = ingest.http.post(
            "/v1/track",
            headers={**headers, "Content-Type": "application/json"},
            body=json.dumps({"event": "x", "userId": "u"}),
        )
    assert response.status_code == 401


def test_a_scoped_user_is_refused_other_stores_by_name(aws: Runtime, tenant: TenantKeys, api: Client) -> None:
    headers = team_session(aws, tenant.tenant_id, "viewer", locations=("berlin",))
    query = "metric=csat&date=2024-06-01"
    assert api.http.get(f"/v1/comments?{query}&location=hamburg", headers=headers).status_code == 404
    assert api.http.get(f"/v1/comments?{query}&location=berlin", headers=headers).status_code == 200
