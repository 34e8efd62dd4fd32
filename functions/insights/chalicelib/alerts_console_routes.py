"""Routes of the alert rules console (`/console/alerts...`). Wiring only: `alerts_console` does the work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Request, Response

from chalicelib.lazy import LazyModule
from touchpoint.runtime import get_runtime
from touchpoint.web.auth import ADMIN, EDIT, Principal
from touchpoint.web.console.wiring import FORM_CONTENT_TYPES, PAGE, form_post, request_of
from touchpoint.web.errors import ApiError
from touchpoint.web.routing import route

if TYPE_CHECKING:
    from chalicelib import admin_pages, alerts_console
else:  # loaded by the first request that needs it
    admin_pages = LazyModule("chalicelib.admin_pages")
    alerts_console = LazyModule("chalicelib.alerts_console")

bp = Blueprint(__name__)

ALERTS = "/console/alerts"
RULE = ALERTS + "/rules/{rule_id}"
WEBHOOK = ALERTS + "/webhook"
FORM = FORM_CONTENT_TYPES
REFUSED = "a cross-site post, a role or a store scope"
POSTED = form_post({400: "invalid input (the form again, nothing stored)", 403: REFUSED})
TESTED = form_post({403: REFUSED}, status=200)


def _request() -> Request:
    return request_of(bp)


def _on_error(error: ApiError) -> Response:
    return admin_pages.page_error(bp.current_request, error)


@route(bp, ALERTS, access=EDIT, on_error=_on_error, doc=PAGE)
def alerts_page(principal: Principal) -> Response:
    """The alert rules, the form for a new one and (admins) the webhook."""
    return alerts_console.alerts_page(get_runtime(), _request(), principal)


@route(bp, ALERTS, access=EDIT, methods=["POST"], content_types=FORM, on_error=_on_error, doc=POSTED)
def create_rule(principal: Principal) -> Response:
    """Create an alert rule."""
    return alerts_console.create_rule(get_runtime(), _request(), principal)


@route(bp, RULE, access=EDIT, on_error=_on_error, doc=PAGE)
def rule_page(principal: Principal, rule_id: str) -> Response:
    """One rule: edit, send a test, delete."""
    return alerts_console.rule_page(get_runtime(), _request(), principal, rule_id)


@route(bp, RULE, access=EDIT, methods=["POST"], content_types=FORM, on_error=_on_error, doc=POSTED)
def save_rule(principal: Principal, rule_id: str) -> Response:
    """Save a rule."""
    return alerts_console.save_rule(get_runtime(), _request(), principal, rule_id)


@route(
    bp, RULE + "/delete", access=EDIT, methods=["POST"], content_types=FORM, on_error=_on_error, doc=POSTED
)
def delete_rule(principal: Principal, rule_id: str) -> Response:
    """Delete a rule (confirmed)."""
    return alerts_console.delete_rule(get_runtime(), _request(), principal, rule_id)


@route(bp, RULE + "/test", access=EDIT, methods=["POST"], content_types=FORM, on_error=_on_error, doc=TESTED)
def send_test(principal: Principal, rule_id: str) -> Response:
    """Send a sample alert of the rule to the webhook and show the outcome."""
    return alerts_console.send_test(get_runtime(), _request(), principal, rule_id)


@route(bp, WEBHOOK, access=ADMIN, methods=["POST"], content_types=FORM, on_error=_on_error, doc=POSTED)
def save_webhook(principal: Principal) -> Response:
    """Set or remove the webhook URL."""
    return alerts_console.save_webhook(get_runtime(), _request(), principal)


@route(
    bp,
    WEBHOOK + "/rotate",
    access=ADMIN,
    methods=["POST"],
    content_types=FORM,
    on_error=_on_error,
    doc=POSTED,
)
def rotate_secret(principal: Principal) -> Response:
    """Issue a new webhook signing secret (confirmed)."""
    return alerts_console.rotate_secret(get_runtime(), _request(), principal)
