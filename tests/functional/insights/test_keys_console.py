"""API keys: the JSON routes `/v1/keys` and the keys console; a new key is shown once, never again."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client, team_session
from touchpoint.models.tenants import KeyKind
from touchpoint.runtime import Runtime

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
KEY_IN_PAGE = re.compile(r'id="secret" name="secret" value="(tp[wra]_[A-Za-z0-9]+)"')


@pytest.fixture
def api(aws: Runtime, tenant: TenantKeys) -> Iterator[Client]:
    with function_client("insights") as client:
        yield client


def admin_json(tenant: TenantKeys) -> dict[str, str]:
    return {**bearer(tenant.admin_key), "Content-Type": "application/json"}


def post_form(client: Client, path: str, headers: dict[str, str], fields: dict[str, str]) -> Any:
    return client.http.post(path, headers={**headers, **FORM}, body=urlencode(fields))


def page(response: Any) -> str:
    return str(response.body.decode("utf-8") if isinstance(response.body, bytes) else response.body)


def key_id_of(aws: Runtime, tenant: TenantKeys, kind: KeyKind) -> str:
    return next(r.key_id for r in aws.tenants.list_keys(tenant.tenant_id) if r.kind is kind and r.active)


def audit_actions(aws: Runtime, tenant: TenantKeys) -> list[str]:
    return [e.action for e in aws.audit.list(tenant.tenant_id, date.today(), date.today())]


# JSON ------------------------------------------------------------------------------------------


def test_keys_are_listed_created_rotated_and_revoked_through_the_api(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    listed = json.loads(api.http.get("/v1/keys", headers=bearer(tenant.admin_key)).body)["keys"]
    assert sorted(k["kind"] for k in listed) == ["admin", "read", "write"]
    assert all(set(k) == {"key_id", "kind", "created_at", "revoked_at", "active"} for k in listed)
    created = api.http.post("/v1/keys", headers=admin_json(tenant), body=json.dumps({"kind": "read"}))
    assert created.status_code == 201
    new = json.loads(created.body)
    assert new["kind"] == "read" and new["key"].startswith("tpr_")
    found = aws.tenants.find_key(new["key"])
    assert found is not None and found.active and found.key_id == new["key_id"]
    assert new["key"] not in api.http.get("/v1/keys", headers=bearer(tenant.admin_key)).body.decode()
    rotated = api.http.post(f"/v1/keys/{new['key_id']}/rotate", headers=admin_json(tenant))
    assert rotated.status_code == 201
    body = json.loads(rotated.body)
    assert (
        body["kind"] == "read"
        and body["revoked"]["key_id"] == new["key_id"]
        and not body["revoked"]["active"]
    )
    assert api.http.get("/v1/summary", headers=bearer(new["key"])).status_code == 401
    assert api.http.get("/v1/summary", headers=bearer(body["key"])).status_code == 200
    revoked = api.http.post(f"/v1/keys/{body['key_id']}/revoke", headers=admin_json(tenant))
    assert revoked.status_code == 200 and json.loads(revoked.body)["active"] is False
    again = api.http.post(f"/v1/keys/{body['key_id']}/revoke", headers=admin_json(tenant))
    assert (
        again.status_code == 200
        and json.loads(again.body)["revoked_at"] == json.loads(revoked.body)["revoked_at"]
    )
    assert api.http.get("/v1/summary", headers=bearer(body["key"])).status_code == 401
    assert api.http.post(f"/v1/keys/{body['key_id']}/rotate", headers=admin_json(tenant)).status_code == 409
    assert audit_actions(aws, tenant).count("keys.revoke") == 1
    assert {"keys.create", "keys.rotate"} <= set(audit_actions(aws, tenant))


@pytest.mark.parametrize(
    "body", ["", "[]", '{"kind": "root"}', '{"kind": "read", "extra": 1}', '{"kind": null}', "not json"]
)
def test_a_bad_new_key_body_is_refused_and_creates_nothing(
    aws: Runtime, tenant: TenantKeys, api: Client, body: str
) -> None:
    before = aws.tenants.list_keys(tenant.tenant_id)
    response = api.http.post("/v1/keys", headers=admin_json(tenant), body=body)
    assert response.status_code == 400, response.body
    assert aws.tenants.list_keys(tenant.tenant_id) == before


def test_the_key_of_the_request_cannot_be_revoked_and_unknown_keys_are_404(
    aws: Runtime, tenant: TenantKeys, other_tenant: TenantKeys, api: Client
) -> None:
    own = key_id_of(aws, tenant, KeyKind.ADMIN)
    refused = api.http.post(f"/v1/keys/{own}/revoke", headers=admin_json(tenant))
    assert refused.status_code == 409 and json.loads(refused.body)["code"] == "own_key"
    assert api.http.get("/v1/summary", headers=bearer(tenant.read_key)).status_code == 200
    theirs = key_id_of(aws, other_tenant, KeyKind.WRITE)
    for action in ("rotate", "revoke"):
        assert api.http.post(f"/v1/keys/{theirs}/{action}", headers=admin_json(tenant)).status_code == 404
        assert api.http.post(f"/v1/keys/nope/{action}", headers=admin_json(tenant)).status_code == 404
    assert all(r.active for r in aws.tenants.list_keys(other_tenant.tenant_id))


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_admins_reach_the_keys(aws: Runtime, tenant: TenantKeys, api: Client, role: str) -> None:
    headers = team_session(aws, tenant.tenant_id, role)
    before = aws.tenants.list_keys(tenant.tenant_id)
    assert api.http.get("/v1/keys", headers=headers).status_code == 403
    assert (
        api.http.post(
            "/v1/keys", headers={**headers, "Content-Type": "application/json"}, body='{"kind":"admin"}'
        ).status_code
        == 403
    )
    assert api.http.get("/console/keys", headers=headers).status_code == 403
    assert post_form(api, "/console/keys", headers, {"kind": "admin"}).status_code == 403
    assert api.http.get("/v1/keys", headers=bearer(tenant.read_key)).status_code == 403
    assert aws.tenants.list_keys(tenant.tenant_id) == before


# Console ---------------------------------------------------------------------------------------


def test_a_key_made_in_the_console_is_shown_once_and_never_again(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    admin = team_session(aws, tenant.tenant_id, "admin")
    listing = page(api.http.get("/console/keys?lang=en", headers=admin))
    assert "Write (SDKs, answers)" in listing and "not recorded" in listing
    created = post_form(api, "/console/keys?lang=en", admin, {"kind": "write"})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    shown = page(created)
    assert "This is the only time the key is shown" in shown
    [key] = KEY_IN_PAGE.findall(shown)
    record = aws.tenants.find_key(key)
    assert record is not None and record.kind is KeyKind.WRITE and record.active
    for path in ("/console/keys", f"/console/keys/{record.key_id}", "/v1/keys"):
        later = api.http.get(path, headers=admin)
        assert later.status_code == 200 and key not in page(later), path
    assert record.key_id in page(api.http.get("/console/keys", headers=admin))
    assert "keys.create" in audit_actions(aws, tenant)


def test_an_unknown_kind_shows_the_form_again_and_creates_nothing(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    admin = team_session(aws, tenant.tenant_id, "admin")
    before = aws.tenants.list_keys(tenant.tenant_id)
    refused = post_form(api, "/console/keys?lang=de", admin, {"kind": "root"})
    assert refused.status_code == 400 and "Bitte eine Art wählen." in page(refused)
    assert aws.tenants.list_keys(tenant.tenant_id) == before


def test_rotate_and_revoke_in_the_console_need_the_confirmation_box(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    admin = team_session(aws, tenant.tenant_id, "admin")
    write_id = key_id_of(aws, tenant, KeyKind.WRITE)
    for action in ("rotate", "revoke"):
        refused = post_form(api, f"/console/keys/{write_id}/{action}?lang=en", admin, {})
        assert refused.status_code == 400 and "Please confirm this with the checkbox." in page(refused)
    assert aws.tenants.find_key(tenant.write_key) is not None
    assert all(r.active for r in aws.tenants.list_keys(tenant.tenant_id))
    rotated = post_form(api, f"/console/keys/{write_id}/rotate?lang=en", admin, {"confirm": "1"})
    assert rotated.status_code == 200 and f"the old one ({write_id}) is revoked" in page(rotated)
    [new_key] = KEY_IN_PAGE.findall(page(rotated))
    old = aws.tenants.find_key(tenant.write_key)
    new = aws.tenants.find_key(new_key)
    assert old is not None and not old.active and new is not None and new.active and new.kind is KeyKind.WRITE
    revoked = post_form(api, f"/console/keys/{new.key_id}/revoke", admin, {"confirm": "1"})
    assert revoked.status_code == 303 and revoked.headers["Location"] == "/console/keys?done=revoked"
    gone = aws.tenants.find_key(new_key)
    assert gone is not None and not gone.active
    # the admin key of this request cannot revoke itself in the console either
    own = key_id_of(aws, tenant, KeyKind.ADMIN)
    headers = {**bearer(tenant.admin_key), "Sec-Fetch-Site": "same-origin"}
    own_refused = post_form(api, f"/console/keys/{own}/revoke?lang=en", headers, {"confirm": "1"})
    assert own_refused.status_code == 409 and "revoke it with another one" in page(own_refused)
    assert aws.tenants.find_key(tenant.admin_key).active  # type: ignore[union-attr]


def test_a_cross_site_key_post_is_refused(aws: Runtime, tenant: TenantKeys, api: Client) -> None:
    admin = {**team_session(aws, tenant.tenant_id, "admin"), "Sec-Fetch-Site": "cross-site"}
    before = aws.tenants.list_keys(tenant.tenant_id)
    assert post_form(api, "/console/keys", admin, {"kind": "admin"}).status_code == 403
    assert aws.tenants.list_keys(tenant.tenant_id) == before
