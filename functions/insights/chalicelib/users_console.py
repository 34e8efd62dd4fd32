"""The team console (admin): members with role, stores and status; invite; change role and stores; remove.

Works without JavaScript: plain forms, store checkboxes, a confirmation box for removal. Every
change goes through the account service (`touchpoint.accounts.service`), which checks the input,
talks to Cognito and writes the audit log; a refused form answers 400/409 with the page again and
each problem next to its field, having stored nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chalice.app import Request, Response

from chalicelib.users_texts import texts
from touchpoint.accounts.service import AccountService
from touchpoint.models.locations import Location
from touchpoint.models.users import Role, UserRecord
from touchpoint.runtime import Runtime
from touchpoint.web.auth import Principal
from touchpoint.web.base_path import request_base_path
from touchpoint.web.console.frame import (
    console_error,
    console_templates,
    page_lang,
    read_console_form,
    render_page,
    see_other,
)
from touchpoint.web.errors import ApiError
from touchpoint.web.forms import FormFields
from touchpoint.web.locale import Lang, as_lang

TEMPLATES = console_templates(Path(__file__).resolve().parent / "templates")
NAV = "users"
BASE = "/console/users"
ROLES = [role.value for role in Role]


def page_error(request: Request | None, error: ApiError) -> Response:
    """How the team pages answer a client error (sign-in redirect, the message in the frame)."""
    return console_error(TEMPLATES, request, error)


def _render(
    request: Request, principal: Principal, template: str, *, status: int = 200, **context: Any
) -> Response:
    lang = page_lang(request)
    words = texts(lang)
    query: Mapping[str, str] = request.query_params or {}
    return render_page(
        TEMPLATES,
        request,
        principal,
        template,
        title=words["users_title"],
        active=NAV,
        status=status,
        lang=lang,
        t=words,
        notice=words.get(f"done_{query.get('done', '')}"),
        roles=ROLES,
        **context,
    )


def _stores(runtime: Runtime, tenant_id: str) -> list[Location]:
    return sorted(runtime.locations.list_locations(tenant_id), key=lambda loc: loc.name.lower())


def users_page(
    runtime: Runtime,
    request: Request,
    principal: Principal,
    *,
    errors: dict[str, str] | None = None,
    values: FormFields | None = None,
    status: int = 200,
) -> Response:
    """`GET /console/users`: the members and the invitation form."""
    stores = _stores(runtime, principal.tenant_id)
    return _render(
        request,
        principal,
        "users.html",
        status=status,
        users=runtime.accounts.list_users(principal.tenant_id),
        stores=stores,
        store_names={loc.location_id: loc.name for loc in stores},
        errors=errors or {},
        values=values or FormFields({}),
    )


def _field_errors(request: Request, error: ApiError) -> dict[str, str]:
    words = texts(page_lang(request))
    return {error.field or "form": words.get(error.code, error.message)}


def sign_in_link(runtime: Runtime, request: Request, lang: Lang) -> str:
    """The absolute address of the sign-in page for an invitation."""
    configured = getattr(runtime.settings, "public_base_url", "").rstrip("/")
    if configured:
        origin = configured
    else:
        headers = {str(k).lower(): str(v) for k, v in dict(request.headers).items()}
        host = headers.get("host", "localhost")
        # API Gateway and CloudFront say https in X-Forwarded-Proto; the local stack is plain http
        default = "https" if host.endswith(".amazonaws.com") else "http"
        scheme = headers.get("x-forwarded-proto", "").split(",")[0].strip() or default
        origin = f"{scheme}://{host}"
    return f"{origin}{request_base_path(request)}/dashboard/login?lang={lang}"


def invite(runtime: Runtime, request: Request, principal: Principal) -> Response:
    """`POST /console/users`: invite someone; the answer says whether it was mailed (else shows the password once)."""
    form = read_console_form(request)
    lang = page_lang(request)
    mail_lang = as_lang(form.get("mail_lang")) or lang
    accounts: AccountService = runtime.accounts
    try:
        invitation = accounts.invite(
            principal,
            form.get("email"),
            form.get("role"),
            form.all("location"),
            sign_in_url=sign_in_link(runtime, request, mail_lang),
            lang=mail_lang,
        )
    except ApiError as error:
        if error.status not in (400, 409):
            raise
        return users_page(
            runtime,
            request,
            principal,
            errors=_field_errors(request, error),
            values=form,
            status=error.status,
        )
    words = texts(lang)
    key = "invited_mailed" if invitation.mailed else "invited_not_mailed"
    return _render(
        request,
        principal,
        "user_invited.html",
        message=words[key].format(email=invitation.user.email),
        secret=None if invitation.mailed else invitation.temporary_password,
        link=sign_in_link(runtime, request, mail_lang),
    )


def _member(runtime: Runtime, principal: Principal, user_id: str) -> UserRecord:
    record = runtime.users.get(principal.tenant_id, user_id)
    if record is None:
        raise ApiError(404, "not_found", "user not found")
    return record


def user_page(
    runtime: Runtime,
    request: Request,
    principal: Principal,
    user_id: str,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """`GET /console/users/{user_id}`: change role and stores, or remove."""
    record = _member(runtime, principal, user_id)
    return _render(
        request,
        principal,
        "user.html",
        status=status,
        member=record,
        own=record.user_id == principal.user_id,
        stores=_stores(runtime, principal.tenant_id),
        errors=errors or {},
    )


def change(runtime: Runtime, request: Request, principal: Principal, user_id: str) -> Response:
    """`POST /console/users/{user_id}`: the new role and stores (effective on the member's next request)."""
    form = read_console_form(request)
    _member(runtime, principal, user_id)
    try:
        runtime.accounts.change(principal, user_id, role=form.get("role"), locations=form.all("location"))
    except ApiError as error:
        if error.status not in (400, 409):
            raise
        errors = _field_errors(request, error)
        return user_page(runtime, request, principal, user_id, errors=errors, status=error.status)
    return see_other(request, BASE, done="changed")


def remove(runtime: Runtime, request: Request, principal: Principal, user_id: str) -> Response:
    """`POST /console/users/{user_id}/remove`: delete the account once the confirmation box is ticked."""
    form = read_console_form(request)
    _member(runtime, principal, user_id)
    if not form.has("confirm"):
        errors = {"confirm": texts(page_lang(request))["confirm_needed"]}
        return user_page(runtime, request, principal, user_id, errors=errors, status=400)
    try:
        runtime.accounts.remove(principal, user_id)
    except ApiError as error:
        if error.status != 409:
            raise
        return user_page(
            runtime, request, principal, user_id, errors=_field_errors(request, error), status=409
        )
    return see_other(request, BASE, done="removed")
