"""Invitation to removal through the sign-in pages: e-mail, first password, session, roles, reset, removal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, function_client
from tests.functional.accounts.support import (
    cookie_of,
    enable_accounts,
    hidden,
    post_form,
    reset_code,
    sent_mails,
    temporary_password_in,
)
from touchpoint.models.users import UserStatus
from touchpoint.runtime import Runtime
from touchpoint.storage.audit import Operator
from touchpoint.storage.sign_in_attempts import MAX_FAILURES
from touchpoint.web.locale import Lang

PASSWORD = "Sommer-Regen-2026"


@pytest.fixture
def api(tenant: TenantKeys) -> Iterator[Client]:
    with function_client("insights") as client:
        yield client


def _invite(aws: Runtime, tenant: TenantKeys, email: str, role: str, lang: Lang = "de") -> str:
    enable_accounts(aws)
    invitation = aws.accounts.invite(
        Operator(tenant.tenant_id), email, role, sign_in_url="https://tp.example/dashboard/login", lang=lang
    )
    assert invitation.mailed and invitation.user.status is UserStatus.INVITED
    [mail] = [m for m in sent_mails() if email.lower() in m.destinations["ToAddresses"]]
    assert "https://tp.example/dashboard/login" in mail.body
    return temporary_password_in(mail.body)


def _first_sign_in(api: Client, email: str, temporary: str) -> dict[str, str]:
    challenge_page = post_form(api, "/dashboard/login/account", {"email": email, "password": temporary})
    assert challenge_page.status_code == 200, challenge_page.body
    body = challenge_page.body.decode()
    fields = {"email": hidden(body, "email"), "challenge": hidden(body, "challenge"), "next": "/dashboard"}
    differ = post_form(
        api, "/dashboard/login/new-password", {**fields, "password": PASSWORD, "password2": "x"}
    )
    assert differ.status_code == 400 and "Set-Cookie" not in differ.headers
    weak = post_form(
        api, "/dashboard/login/new-password", {**fields, "password": "short", "password2": "short"}
    )
    assert weak.status_code in (400, 401) and "Set-Cookie" not in weak.headers
    done = post_form(
        api, "/dashboard/login/new-password", {**fields, "password": PASSWORD, "password2": PASSWORD}
    )
    assert done.status_code == 303, done.body
    assert done.headers["Location"] == "/dashboard"
    assert "HttpOnly" in done.headers["Set-Cookie"] and "SameSite=Strict" in done.headers["Set-Cookie"]
    return cookie_of(done)


def test_invited_editor_sets_a_password_signs_in_and_reaches_what_an_editor_may(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    temporary = _invite(aws, tenant, "Anna.Editor@Example.com", "editor")
    session = _first_sign_in(api, "anna.editor@example.com", temporary)
    record = aws.users.find_by_email("anna.editor@example.com")
    assert record is not None and record.status is UserStatus.ACTIVE
    assert api.http.get("/v1/summary", headers=session).status_code == 200
    assert api.http.get("/dashboard", headers=session).status_code == 200
    assert api.http.get("/v1/alerts/rules", headers=session).status_code == 403
    # the temporary password no longer works; the own one does (e-mail in any case)
    old = post_form(
        api, "/dashboard/login/account", {"email": "anna.editor@example.com", "password": temporary}
    )
    assert old.status_code == 401 and "Set-Cookie" not in old.headers
    again = post_form(
        api, "/dashboard/login/account", {"email": "ANNA.editor@example.com", "password": PASSWORD}
    )
    assert again.status_code == 303
    actions = [e.action for e in aws.audit.list(tenant.tenant_id, *_today())]
    assert actions == ["users.invite"]


def test_failed_sign_ins_are_limited_per_e_mail_and_the_burst_is_audited(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    temporary = _invite(aws, tenant, "bob@example.com", "viewer")
    _first_sign_in(api, "bob@example.com", temporary)
    for _ in range(MAX_FAILURES):
        wrong = post_form(
            api, "/dashboard/login/account", {"email": "bob@example.com", "password": "wrong-one"}
        )
        assert wrong.status_code == 401
    blocked = post_form(api, "/dashboard/login/account", {"email": "bob@example.com", "password": PASSWORD})
    assert blocked.status_code == 429 and "Set-Cookie" not in blocked.headers
    assert "sign_in_failures" in {e.action.split(".")[1] for e in aws.audit.list(tenant.tenant_id, *_today())}
    # another e-mail is not affected
    unknown = post_form(
        api, "/dashboard/login/account", {"email": "nobody@example.com", "password": PASSWORD}
    )
    assert unknown.status_code == 401


def test_a_password_reset_ends_open_sessions_and_a_wrong_code_changes_nothing(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    temporary = _invite(aws, tenant, "cleo@example.com", "admin", lang="en")
    session = _first_sign_in(api, "cleo@example.com", temporary)
    assert api.http.get("/dashboard/login/reset?lang=en").status_code == 200
    asked = post_form(api, "/dashboard/login/reset", {"email": "cleo@example.com", "lang": "en"})
    assert asked.status_code == 200 and 'name="code"' in asked.body.decode()
    new = "Winter-Schnee-2027"
    wrong = post_form(
        api,
        "/dashboard/login/reset/confirm",
        {"email": "cleo@example.com", "code": "moto-confirmation-code:0", "password": new, "password2": new},
    )
    assert wrong.status_code == 400
    assert api.http.get("/v1/alerts/rules", headers=session).status_code == 200  # nothing changed
    code = reset_code(aws, "cleo@example.com")
    done = post_form(
        api,
        "/dashboard/login/reset/confirm",
        {"email": "cleo@example.com", "code": code, "password": new, "password2": new, "lang": "en"},
    )
    assert done.status_code == 200 and "Your password has been changed" in done.body.decode()
    assert api.http.get("/v1/alerts/rules", headers=session).status_code == 401
    signed_in = post_form(api, "/dashboard/login/account", {"email": "cleo@example.com", "password": new})
    assert signed_in.status_code == 303


def test_removal_ends_the_session_and_the_account(aws: Runtime, tenant: TenantKeys, api: Client) -> None:
    temporary = _invite(aws, tenant, "dora@example.com", "viewer")
    session = _first_sign_in(api, "dora@example.com", temporary)
    record = aws.users.find_by_email("dora@example.com")
    assert record is not None
    aws.accounts.remove(Operator(tenant.tenant_id), record.user_id)
    assert api.http.get("/v1/summary", headers=session).status_code == 401
    assert aws.users.find_by_email("dora@example.com") is None
    gone = post_form(api, "/dashboard/login/account", {"email": "dora@example.com", "password": PASSWORD})
    assert gone.status_code == 401


def test_cross_site_sign_in_forms_are_refused(aws: Runtime, tenant: TenantKeys, api: Client) -> None:
    temporary = _invite(aws, tenant, "eve@example.com", "viewer")
    for path in ("/dashboard/login/account", "/dashboard/login/new-password", "/dashboard/login/reset"):
        refused = post_form(
            api, path, {"email": "eve@example.com", "password": temporary}, {"Sec-Fetch-Site": "cross-site"}
        )
        assert refused.status_code == 403 and "Set-Cookie" not in refused.headers


def _today() -> tuple[date, date]:
    today = datetime.now(UTC).date()
    return today, today
