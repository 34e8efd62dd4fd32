"""Routes of the tenant's API keys: `/v1/keys` (JSON) and the keys console `/console/keys` (admin).

Wiring only: `api_keys` holds the logic, `keys_console` the pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Request, Response

from chalicelib import api_keys
from chalicelib.lazy import LazyModule
from touchpoint.runtime import get_runtime
from touchpoint.web.auth import ADMIN, Principal
from touchpoint.web.console.wiring import FORM_CONTENT_TYPES, PAGE, form_post, request_of
from touchpoint.web.contract import Operation
from touchpoint.web.errors import ApiError
from touchpoint.web.routing import json_response, route

if TYPE_CHECKING:
    from chalicelib import admin_pages, keys_console
else:  # loaded by the first request that needs it
    admin_pages = LazyModule("chalicelib.admin_pages")
    keys_console = LazyModule("chalicelib.keys_console")

bp = Blueprint(__name__)

KEYS = "/v1/keys"
KEY = KEYS + "/{key_id}"
CONSOLE = "/console/keys"
CONSOLE_KEY = CONSOLE + "/{key_id}"
FORM = FORM_CONTENT_TYPES
KEY_FORM = form_post(
    {
        400: "no confirmation or an unknown kind (the page again)",
        403: "a cross-site post",
        409: "own or revoked key",
    },
    status=200,
)
REVOKE_FORM = form_post(
    {400: "no confirmation (the page again)", 403: "a cross-site post", 409: "the key of this request"}
)


def _request() -> Request:
    return request_of(bp)


def _on_error(error: ApiError) -> Response:
    return admin_pages.page_error(bp.current_request, error)


@route(bp, KEYS, access=ADMIN)
def get_keys(principal: Principal) -> dict[str, Any]:
    """The tenant's keys: kind, id, created, revoked (never a key or its hash)."""
    return {"keys": [api_keys.key_json(r) for r in api_keys.list_keys(get_runtime(), principal.tenant_id)]}


@route(
    bp,
    KEYS,
    access=ADMIN,
    methods=["POST"],
    doc=Operation(body=api_keys.NewKey, status=201, statuses={413: "the body is over 1 KB"}),
)
def post_key(principal: Principal) -> Response:
    """Create a key: `{"kind": "write|read|admin"}`; the answer holds the key, shown this once."""
    kind = api_keys.new_key_body(_request().raw_body)
    key, record = api_keys.create_key(get_runtime(), principal, kind)
    return json_response(201, api_keys.issued_json(key, record))


@route(
    bp, KEY + "/rotate", access=ADMIN, methods=["POST"], doc=Operation(status=201, statuses={409: "revoked"})
)
def post_key_rotate(principal: Principal, key_id: str) -> Response:
    """A new key of the same kind (shown this once); the old one is revoked at once."""
    key, record, old = api_keys.rotate_key(get_runtime(), principal, key_id)
    return json_response(201, {**api_keys.issued_json(key, record), "revoked": api_keys.key_json(old)})


@route(
    bp,
    KEY + "/revoke",
    access=ADMIN,
    methods=["POST"],
    doc=Operation(statuses={409: "the key of this request"}),
)
def post_key_revoke(principal: Principal, key_id: str) -> dict[str, Any]:
    """Revoke a key (not the one this request uses); revoking a revoked key changes nothing."""
    return api_keys.key_json(api_keys.revoke_key(get_runtime(), principal, key_id))


@route(bp, CONSOLE, access=ADMIN, on_error=_on_error, doc=PAGE)
def keys_page(principal: Principal) -> Response:
    """The keys console: every key and the form for a new one."""
    return keys_console.keys_page(get_runtime(), _request(), principal)


@route(
    bp,
    CONSOLE,
    access=ADMIN,
    methods=["POST"],
    content_types=FORM,
    on_error=_on_error,
    doc=KEY_FORM,
)
def create_key_page(principal: Principal) -> Response:
    """Create a key; the answer shows it once."""
    return keys_console.create_key(get_runtime(), _request(), principal)


@route(bp, CONSOLE_KEY, access=ADMIN, on_error=_on_error, doc=PAGE)
def key_page(principal: Principal, key_id: str) -> Response:
    """One key with its rotate and revoke forms."""
    return keys_console.key_page(get_runtime(), _request(), principal, key_id)


@route(
    bp,
    CONSOLE_KEY + "/rotate",
    access=ADMIN,
    methods=["POST"],
    content_types=FORM,
    on_error=_on_error,
    doc=KEY_FORM,
)
def rotate_key_page(principal: Principal, key_id: str) -> Response:
    """Rotate a key (confirmed); the answer shows the new key once."""
    return keys_console.change_key(get_runtime(), _request(), principal, key_id, "rotate")


@route(
    bp,
    CONSOLE_KEY + "/revoke",
    access=ADMIN,
    methods=["POST"],
    content_types=FORM,
    on_error=_on_error,
    doc=REVOKE_FORM,
)
def revoke_key_page(principal: Principal, key_id: str) -> Response:
    """Revoke a key (confirmed)."""
    return keys_console.change_key(get_runtime(), _request(), principal, key_id, "revoke")
