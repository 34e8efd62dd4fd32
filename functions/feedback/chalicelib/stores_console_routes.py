"""Routes of the stores & QR codes console (`/console/stores...`). Wiring only: `stores_console` does the work."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib import stores_console
from chalicelib.urls import request_base_url
from touchpoint.runtime import get_runtime
from touchpoint.web.auth import EDIT, Principal
from touchpoint.web.console.wiring import FORM_CONTENT_TYPES, PAGE, form_post, request_of
from touchpoint.web.errors import ApiError
from touchpoint.web.routing import route

bp = Blueprint(__name__)

STORES = "/console/stores"
STORE = STORES + "/{location_id}"
TOUCHPOINT = STORE + "/touchpoints/{touchpoint_id}"
FORM = FORM_CONTENT_TYPES
POSTED = form_post(
    {400: "invalid input (the form again, nothing stored)", 403: "a cross-site post or a role below editor"}
)


def _request() -> Request:
    return request_of(bp)


def _on_error(error: ApiError) -> Response:
    return stores_console.page_error(bp.current_request, error)


@route(bp, STORES, access=EDIT, on_error=_on_error, doc=PAGE)
def stores_page(principal: Principal) -> Response:
    """The stores the caller may see, with the form for a new store."""
    return stores_console.stores_page(get_runtime(), _request(), principal)


@route(bp, STORES, access=EDIT, methods=["POST"], content_types=FORM, on_error=_on_error, doc=POSTED)
def create_store(principal: Principal) -> Response:
    """Create a store (not for a store manager)."""
    return stores_console.create_store(get_runtime(), _request(), principal)


@route(bp, STORE, access=EDIT, on_error=_on_error, doc=PAGE)
def store_page(principal: Principal, location_id: str) -> Response:
    """One store: edit form, touchpoints, new touchpoint."""
    return stores_console.store_page(get_runtime(), _request(), principal, location_id)


@route(bp, STORE, access=EDIT, methods=["POST"], content_types=FORM, on_error=_on_error, doc=POSTED)
def save_store(principal: Principal, location_id: str) -> Response:
    """Save a store's name, address, language and door counter."""
    return stores_console.save_store(get_runtime(), _request(), principal, location_id)


@route(
    bp,
    STORE + "/touchpoints",
    access=EDIT,
    methods=["POST"],
    content_types=FORM,
    on_error=_on_error,
    doc=POSTED,
)
def create_touchpoint_form(principal: Principal, location_id: str) -> Response:
    """Create a touchpoint in the store."""
    return stores_console.create_touchpoint(get_runtime(), _request(), principal, location_id)


@route(bp, TOUCHPOINT, access=EDIT, on_error=_on_error, doc=PAGE)
def touchpoint_page(principal: Principal, location_id: str, touchpoint_id: str) -> Response:
    """One touchpoint: downloads, survey, rotate, revoke."""
    request = _request()
    return stores_console.touchpoint_page(
        get_runtime(), request, principal, location_id, touchpoint_id, request_base_url(request)
    )


@route(
    bp,
    TOUCHPOINT + "/survey",
    access=EDIT,
    methods=["POST"],
    content_types=FORM,
    on_error=_on_error,
    doc=POSTED,
)
def bind_survey_form(principal: Principal, location_id: str, touchpoint_id: str) -> Response:
    """Bind one of the tenant's active surveys (or the default in-store survey)."""
    request = _request()
    return stores_console.bind_survey(
        get_runtime(), request, principal, location_id, touchpoint_id, request_base_url(request)
    )


@route(
    bp,
    TOUCHPOINT + "/rotate",
    access=EDIT,
    methods=["POST"],
    content_types=FORM,
    on_error=_on_error,
    doc=POSTED,
)
def rotate_touchpoint_form(principal: Principal, location_id: str, touchpoint_id: str) -> Response:
    """Issue a new code (the confirmation box ticked)."""
    request = _request()
    return stores_console.change_code(
        get_runtime(), request, principal, location_id, touchpoint_id, request_base_url(request), "rotate"
    )


@route(
    bp,
    TOUCHPOINT + "/revoke",
    access=EDIT,
    methods=["POST"],
    content_types=FORM,
    on_error=_on_error,
    doc=POSTED,
)
def revoke_touchpoint_form(principal: Principal, location_id: str, touchpoint_id: str) -> Response:
    """Stop every code of the touchpoint (the confirmation box ticked)."""
    request = _request()
    return stores_console.change_code(
        get_runtime(), request, principal, location_id, touchpoint_id, request_base_url(request), "revoke"
    )
