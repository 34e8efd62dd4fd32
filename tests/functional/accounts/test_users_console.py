"""The team console: list, invite (mailed or shown once), change role and stores, remove; refusals store nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client, team_session
from tests.functional.accounts.support import FORM, enable_accounts, sent_mails
from touchpoint.models.users import Role, UserStatus
from touchpoint.runtime import Runtime


@pytest.fixture
def api(tenant: TenantKeys, aws: Runtime) -> Iterator[Client]:
    aws.locations.create_location(tenant.tenant_id, "berlin", "Berlin Mitte")
    aws.locations.create_location(tenant.tenant_id, "hamburg", "Hamburg")
    with function_client("insights") as client:
        yield client


def _post(api: Client, path: str, fields: list[tuple[str, str]], headers: dict[str, str]) -> Any:
    return api.http.post(path, headers={**FORM, **headers}, body=urlencode(fields))


def _pool_users(aws: Runtime) -> list[str]:
    pool = aws.accounts.directory().ids.pool_id
    listed = boto3.client("cognito-idp", region_name="eu-central-1").list_users(UserPoolId=pool)["Users"]
    return sorted(a["Value"] for u in listed for a in u["Attributes"] if a["Name"] == "email")


def test_an_admin_invites_a_store_manager_by_mail(aws: Runtime, tenant: TenantKeys, api: Client) -> None:
    enable_accounts(aws)
    admin = team_session(aws, tenant.tenant_id, "admin", email="boss@acme.example")
    page = api.http.get("/console/users?lang=en", headers=admin)
    assert page.status_code == 200 and "boss@acme.example" in page.body.decode()
    assert 'name="location" value="berlin"' in page.body.decode()
    fields = [("email", "Lena@Acme.example"), ("role", "editor"), ("location", "berlin"), ("mail_lang", "en")]
    invited = _post(api, "/console/users?lang=en", fields, admin)
    assert invited.status_code == 200, invited.body
    assert "on its way by e-mail" in invited.body.decode()
    record = aws.users.find_by_email("lena@acme.example")
    assert record is not None
    assert (record.role, record.locations, record.status) == (Role.EDITOR, ("berlin",), UserStatus.INVITED)
    assert record.invited_by == "user:boss@acme.example"
    [mail] = [m for m in sent_mails() if "lena@acme.example" in m.destinations["ToAddresses"]]
    assert "Your invitation to Touchpoint (Acme)" in mail.subject and "/dashboard/login?lang=en" in mail.body
    listing = api.http.get("/console/users?lang=en", headers=admin).body.decode()
    assert "lena@acme.example" in listing and "Berlin Mitte" in listing
    entries = api.http.get("/v1/audit", headers=admin)
    assert entries.status_code == 200
    [entry] = entries.json_body["entries"]
    assert (entry["actor"], entry["action"], entry["target"]) == (
        "user:boss@acme.example",
        "users.invite",
        "user:lena@acme.example",
    )
    assert entry["detail"] == {"role": "editor", "locations": ["berlin"], "mailed": True}


@pytest.mark.parametrize(
    ("headers", "link"),
    [
        ({"Host": "127.0.0.1:8000"}, "http://127.0.0.1:8000/dashboard/login?lang=de"),  # the local stack
        ({"Host": "tp.example", "X-Forwarded-Proto": "https"}, "https://tp.example/dashboard/login?lang=de"),
        ({"Host": "abc.execute-api.eu-central-1.amazonaws.com"}, "https://abc.execute-api."),
    ],
)
def test_the_invitation_links_the_sign_in_page_as_the_admin_reached_it(
    aws: Runtime, tenant: TenantKeys, api: Client, headers: dict[str, str], link: str
) -> None:
    enable_accounts(aws)
    admin = team_session(aws, tenant.tenant_id, "admin")
    invited = _post(
        api, "/console/users?lang=de", [("email", "ida@acme.example"), ("role", "viewer")], admin | headers
    )
    assert invited.status_code == 200, invited.body
    [mail] = [m for m in sent_mails() if "ida@acme.example" in m.destinations["ToAddresses"]]
    assert f"Melden Sie sich hier an: {link}" in mail.body, mail.body


def test_without_a_sender_the_temporary_password_is_shown_once(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    admin = team_session(aws, tenant.tenant_id, "admin")
    aws.accounts.mail_from = ""
    invited = _post(
        api, "/console/users?lang=de", [("email", "otto@acme.example"), ("role", "viewer")], admin
    )
    body = invited.body.decode()
    assert invited.status_code == 200 and "Es wurde keine E-Mail gesendet" in body
    assert 'id="secret"' in body
    assert "otto@acme.example" not in "".join(str(m.destinations) for m in sent_mails())


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ([("email", "not-an-address"), ("role", "viewer")], 400, "keine gültige E-Mail-Adresse"),
        ([("email", "x@acme.example"), ("role", "owner")], 400, "Bitte eine Rolle wählen"),
        ([("email", "x@acme.example"), ("role", "viewer"), ("location", "paris")], 400, "Unbekannte Filiale"),
    ],
)
def test_invalid_invitations_answer_the_form_and_create_nothing(
    aws: Runtime, tenant: TenantKeys, api: Client, fields: list[tuple[str, str]], status: int, message: str
) -> None:
    admin = team_session(aws, tenant.tenant_id, "admin", email="boss@acme.example")
    answer = _post(api, "/console/users?lang=de", fields, admin)
    assert answer.status_code == status and message in answer.body.decode()
    assert [u.email for u in aws.users.list(tenant.tenant_id)] == ["boss@acme.example"]
    assert _pool_users(aws) == []


def test_an_e_mail_has_one_account_across_tenants(
    aws: Runtime, tenant: TenantKeys, other_tenant: TenantKeys, api: Client
) -> None:
    admin = team_session(aws, tenant.tenant_id, "admin")
    fields = [("email", "same@example.com"), ("role", "viewer")]
    assert _post(api, "/console/users", fields, admin).status_code == 200
    other_admin = team_session(aws, other_tenant.tenant_id, "admin")
    again = _post(api, "/console/users", fields, other_admin)
    assert again.status_code == 409
    assert aws.users.list(other_tenant.tenant_id)[0].email != "same@example.com"
    assert _pool_users(aws) == ["same@example.com"]


def test_change_role_and_stores_then_remove(aws: Runtime, tenant: TenantKeys, api: Client) -> None:
    admin = team_session(aws, tenant.tenant_id, "admin", email="boss@acme.example")
    member_headers = team_session(aws, tenant.tenant_id, "viewer", email="vera@acme.example")
    member = aws.users.find_by_email("vera@acme.example")
    assert member is not None
    path = f"/console/users/{member.user_id}"
    assert api.http.get(path + "?lang=en", headers=admin).status_code == 200
    bad = _post(api, path, [("role", "viewer"), ("location", "paris")], admin)
    assert bad.status_code == 400
    assert aws.users.get(tenant.tenant_id, member.user_id) == member
    changed = _post(api, path, [("role", "editor"), ("location", "hamburg")], admin)
    assert changed.status_code == 303
    assert changed.headers["Location"] == "/console/users?done=changed"
    now = aws.users.get(tenant.tenant_id, member.user_id)
    assert now is not None and (now.role, now.locations) == (Role.EDITOR, ("hamburg",))
    # the member's open session has the new scope at once
    assert (
        api.http.get(
            "/v1/comments?metric=csat&date=2024-06-01&location=berlin", headers=member_headers
        ).status_code
        == 404
    )
    unconfirmed = _post(api, path + "/remove", [], admin)
    assert unconfirmed.status_code == 400 and aws.users.get(tenant.tenant_id, member.user_id) is not None
    removed = _post(api, path + "/remove", [("confirm", "yes")], admin)
    assert removed.status_code == 303 and aws.users.get(tenant.tenant_id, member.user_id) is None
    assert api.http.get("/v1/summary", headers=member_headers).status_code == 401
    actions = [e["action"] for e in api.http.get("/v1/audit", headers=admin).json_body["entries"]]
    assert actions == ["users.remove", "users.change"]


def test_an_admin_cannot_change_or_remove_their_own_account(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    admin = team_session(aws, tenant.tenant_id, "admin", email="boss@acme.example")
    own = aws.users.find_by_email("boss@acme.example")
    assert own is not None
    demoted = _post(api, f"/console/users/{own.user_id}", [("role", "viewer")], admin)
    assert demoted.status_code == 409
    removed = _post(api, f"/console/users/{own.user_id}/remove", [("confirm", "yes")], admin)
    assert removed.status_code == 409
    assert aws.users.get(tenant.tenant_id, own.user_id) == own


def test_who_may_open_the_team_console(aws: Runtime, tenant: TenantKeys, api: Client) -> None:
    editor = team_session(aws, tenant.tenant_id, "editor")
    assert api.http.get("/console/users", headers=editor).status_code == 403
    assert api.http.get("/v1/audit", headers=editor).status_code == 403
    anonymous = api.http.get("/console/users")
    assert anonymous.status_code == 303 and anonymous.headers["Location"].startswith("/dashboard/login")
    assert api.http.get("/console/users", headers=bearer(tenant.admin_key)).status_code == 200
    admin = team_session(aws, tenant.tenant_id, "admin")
    cross = _post(
        api,
        "/console/users",
        [("email", "x@acme.example"), ("role", "viewer")],
        {**admin, "Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403 and aws.users.find_by_email("x@acme.example") is None


@pytest.mark.parametrize(
    "query", ["from=yesterday", "from=2024-02-01&to=2024-01-01", "from=2020-01-01&to=2024-01-01"]
)
def test_an_unreadable_audit_period_is_refused(
    aws: Runtime, tenant: TenantKeys, api: Client, query: str
) -> None:
    assert api.http.get(f"/v1/audit?{query}", headers=bearer(tenant.admin_key)).status_code == 400
