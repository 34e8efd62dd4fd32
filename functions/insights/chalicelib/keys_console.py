"""The API keys console (admin): list, create, rotate, revoke; a new key is shown once, on the answer
to the form that made it (never stored, never on a later page)."""

from __future__ import annotations

from chalice.app import Request, Response

from chalicelib import api_keys
from chalicelib.admin_pages import render
from chalicelib.admin_texts import texts
from touchpoint.models.tenants import KeyKind
from touchpoint.runtime import Runtime
from touchpoint.web.auth import Principal
from touchpoint.web.console.frame import page_lang, read_console_form, see_other
from touchpoint.web.errors import ApiError

NAV = "keys"
BASE = "/console/keys"
KINDS = [kind.value for kind in KeyKind]


def keys_page(
    runtime: Runtime,
    request: Request,
    principal: Principal,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """Every key of the tenant (never the keys themselves) and the form for a new one."""
    return render(
        request,
        principal,
        "keys.html",
        title_key="keys_title",
        active=NAV,
        status=status,
        keys=api_keys.list_keys(runtime, principal.tenant_id),
        kinds=KINDS,
        errors=errors or {},
    )


def create_key(runtime: Runtime, request: Request, principal: Principal) -> Response:
    """A new key from the form, shown on this answer only (400 with the list for an unknown kind)."""
    form = read_console_form(request)
    try:
        kind = api_keys.parse_kind(form.get("kind"))
    except ApiError:
        words = texts(page_lang(request))
        return keys_page(runtime, request, principal, errors={"kind": words["invalid_kind"]}, status=400)
    key, record = api_keys.create_key(runtime, principal, kind)
    return _shown_once(request, principal, key, record.key_id, kind, old_key_id=None)


def key_page(
    runtime: Runtime,
    request: Request,
    principal: Principal,
    key_id: str,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """One key: its record and the rotate and revoke forms (each with a confirmation box)."""
    record = api_keys.require_key(runtime, principal.tenant_id, key_id)
    return render(
        request,
        principal,
        "key.html",
        title_key="keys_title",
        active=NAV,
        status=status,
        key=record,
        own=record.key_id == principal.key_id,
        errors=errors or {},
    )


def change_key(
    runtime: Runtime, request: Request, principal: Principal, key_id: str, action: str
) -> Response:
    """Rotate (the new key shown once) or revoke a key once the confirmation box is ticked."""
    form = read_console_form(request)
    api_keys.require_key(runtime, principal.tenant_id, key_id)
    words = texts(page_lang(request))
    if not form.has("confirm"):
        errors = {f"{action}_confirm": words["confirm_needed"]}
        return key_page(runtime, request, principal, key_id, errors=errors, status=400)
    try:
        if action == "rotate":
            key, new, _ = api_keys.rotate_key(runtime, principal, key_id)
            return _shown_once(request, principal, key, new.key_id, new.kind, old_key_id=key_id)
        api_keys.revoke_key(runtime, principal, key_id)
    except ApiError as error:
        if error.status != 409:
            raise
        message = words["own_key"] if error.code == "own_key" else words["key_is_revoked"]
        return key_page(
            runtime, request, principal, key_id, errors={f"{action}_confirm": message}, status=409
        )
    return see_other(request, BASE, done="revoked")


def _shown_once(
    request: Request, principal: Principal, key: str, key_id: str, kind: KeyKind, *, old_key_id: str | None
) -> Response:
    words = texts(page_lang(request))
    heading = words["key_created"] if old_key_id is None else words["key_rotated"].format(old=old_key_id)
    return render(
        request,
        principal,
        "key_shown.html",
        title_key="keys_title",
        active=NAV,
        heading=heading,
        secret=key,
        key_id=key_id,
        kind=kind.value,
    )
