"""Team members' sign-in routes (wiring only: `account_views` does the work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Request, Response

from chalicelib.lazy import LazyModule
from touchpoint.runtime import get_runtime
from touchpoint.web.auth import PUBLIC
from touchpoint.web.contract import FORM_FIELDS, LANG, Operation
from touchpoint.web.routing import route

if TYPE_CHECKING:
    from chalicelib import account_views
else:  # loaded by the first request that needs it
    account_views = LazyModule("chalicelib.account_views")

bp = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded", "multipart/form-data"]
HTML = "text/html"


def _request() -> Request:
    request = bp.current_request
    assert request is not None
    return request


def _form_post(statuses: dict[int, str], status: int = 200) -> Operation:
    return Operation(body=FORM_FIELDS, status=status, statuses=statuses, html_errors=True, media_type=HTML)


@route(
    bp,
    "/dashboard/login/account",
    access=PUBLIC,
    methods=["POST"],
    content_types=FORM,
    doc=_form_post(
        {
            200: "the first sign-in: the form for the person's own password",
            401: "wrong e-mail or password (the form again)",
            403: "a cross-site sign-in",
            429: "too many failed sign-ins of this e-mail",
        },
        303,
    ),
)
def post_account_login(_principal: None) -> Response:
    """Sign in with e-mail and password (a team member's session cookie)."""
    return account_views.sign_in(get_runtime().accounts, _request())


@route(
    bp,
    "/dashboard/login/new-password",
    access=PUBLIC,
    methods=["POST"],
    content_types=FORM,
    doc=_form_post({400: "the password is refused or the two differ", 403: "a cross-site form"}, 303),
)
def post_new_password(_principal: None) -> Response:
    """Choose the first own password after an invitation, then signed in."""
    return account_views.new_password(get_runtime().accounts, _request())


@route(bp, "/dashboard/login/reset", access=PUBLIC, doc=Operation(query=(LANG,), media_type=HTML))
def get_reset(_principal: None) -> Response:
    """The password reset form."""
    return account_views.reset_page(_request())


@route(
    bp,
    "/dashboard/login/reset",
    access=PUBLIC,
    methods=["POST"],
    content_types=FORM,
    doc=_form_post({400: "no e-mail given", 403: "a cross-site form"}),
)
def post_reset(_principal: None) -> Response:
    """E-mail a reset code (the same answer whether or not the e-mail has an account)."""
    return account_views.request_reset(get_runtime().accounts, _request())


@route(
    bp,
    "/dashboard/login/reset/confirm",
    access=PUBLIC,
    methods=["POST"],
    content_types=FORM,
    doc=_form_post(
        {400: "wrong or expired code, or a refused password", 403: "a cross-site form", 429: "too many tries"}
    ),
)
def post_reset_confirm(_principal: None) -> Response:
    """Set a new password with the e-mailed code (every open session of the account ends)."""
    return account_views.confirm_reset(get_runtime().accounts, _request())
