"""Routes of the team console `/console/users` and the audit log `/v1/audit` (admin).

Wiring only: `users_console` holds the pages, `audit_api` the audit document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Request, Response

from chalicelib.lazy import LazyModule
from touchpoint.runtime import get_runtime
from touchpoint.web.auth import ADMIN, Principal
from touchpoint.web.contract import FORM_FIELDS, FROM_DAY, LANG, TO_DAY, Operation
from touchpoint.web.errors import ApiError
from touchpoint.web.routing import route

if TYPE_CHECKING:
    from chalicelib import audit_api, users_console
else:  # loaded by the first request that needs it
    audit_api = LazyModule("chalicelib.audit_api")
    users_console = LazyModule("chalicelib.users_console")

bp = Blueprint(__name__)

CONSOLE = "/console/users"
MEMBER = CONSOLE + "/{user_id}"
FORM = ["application/x-www-form-urlencoded"]
HTML = "text/html"
PAGE = Operation(query=(LANG,), media_type=HTML, html_errors=True)


def _form(status: int, statuses: dict[int, str]) -> Operation:
    return Operation(
        body=FORM_FIELDS, query=(LANG,), status=status, statuses=statuses, media_type=HTML, html_errors=True
    )


def _request() -> Request:
    request = bp.current_request
    assert request is not None
    return request


def _on_error(error: ApiError) -> Response:
    return users_console.page_error(bp.current_request, error)


@route(
    bp,
    "/v1/audit",
    access=ADMIN,
    doc=Operation(query=(FROM_DAY, TO_DAY), statuses={400: "an unreadable or too long period"}),
)
def get_audit(principal: Principal) -> dict[str, Any]:
    """Who changed what: `?from&to` (UTC days, default the last 30), newest first."""
    return audit_api.audit_document(get_runtime(), principal.tenant_id, _request().query_params)


@route(bp, CONSOLE, access=ADMIN, on_error=_on_error, doc=PAGE)
def users_page(principal: Principal) -> Response:
    """The team: every member with role, stores and status, and the invitation form."""
    return users_console.users_page(get_runtime(), _request(), principal)


@route(
    bp,
    CONSOLE,
    access=ADMIN,
    methods=["POST"],
    content_types=FORM,
    on_error=_on_error,
    doc=_form(
        200,
        {
            400: "invalid e-mail, role or store (the page again)",
            403: "a cross-site post",
            409: "the e-mail has an account",
        },
    ),
)
def invite_page(principal: Principal) -> Response:
    """Invite someone by e-mail with a role and, for viewers and editors, stores."""
    return users_console.invite(get_runtime(), _request(), principal)


@route(bp, MEMBER, access=ADMIN, on_error=_on_error, doc=PAGE)
def member_page(principal: Principal, user_id: str) -> Response:
    """One member: change role and stores, or remove."""
    return users_console.user_page(get_runtime(), _request(), principal, user_id)


@route(
    bp,
    MEMBER,
    access=ADMIN,
    methods=["POST"],
    content_types=FORM,
    on_error=_on_error,
    doc=_form(
        303,
        {400: "invalid role or store (the page again)", 403: "a cross-site post", 409: "your own account"},
    ),
)
def change_member(principal: Principal, user_id: str) -> Response:
    """Set a member's role and stores (effective on their next request)."""
    return users_console.change(get_runtime(), _request(), principal, user_id)


@route(
    bp,
    MEMBER + "/remove",
    access=ADMIN,
    methods=["POST"],
    content_types=FORM,
    on_error=_on_error,
    doc=_form(
        303, {400: "not confirmed (the page again)", 403: "a cross-site post", 409: "your own account"}
    ),
)
def remove_member(principal: Principal, user_id: str) -> Response:
    """Remove a member (disabled and deleted in Cognito; their sessions end at once)."""
    return users_console.remove(get_runtime(), _request(), principal, user_id)
