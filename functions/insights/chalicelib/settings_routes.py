"""Routes of the tenant settings and the rollup status: the API and the console pages. Wiring only: the
logic is in `touchpoint.tenant_settings` and `touchpoint.rollup.status`, the pages in `settings_console`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Request, Response

from chalicelib.lazy import LazyModule
from touchpoint.runtime import get_runtime
from touchpoint.tenant_settings import SettingsInput, etag, read_settings, update_settings
from touchpoint.web.auth import ADMIN, READ, Principal
from touchpoint.web.console.frame import console_error
from touchpoint.web.console.wiring import FORM_CONTENT_TYPES, PAGE, form_post
from touchpoint.web.contract import FROM_DAY, LANG, TO_DAY, Operation
from touchpoint.web.errors import ApiError
from touchpoint.web.routing import json_response, route

if TYPE_CHECKING:
    from chalicelib import alerts_api, settings_console
    from touchpoint.rollup import status
else:  # loaded by the first request that needs it
    alerts_api = LazyModule("chalicelib.alerts_api")
    settings_console = LazyModule("chalicelib.settings_console")
    status = LazyModule("touchpoint.rollup.status")

bp = Blueprint(__name__)

TOO_LARGE = "the body is over 16 KB"
SETTINGS = "/console/settings"
ROLLUPS = "/console/rollups"
BACKFILL = {
    "type": "object",
    "required": ["from", "to"],
    "additionalProperties": False,
    "properties": {"from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"}},
}


REFUSED = "a cross-site post or a role below admin"
SAVED = form_post(
    {
        400: "invalid input (the form again, nothing stored)",
        403: REFUSED,
        409: "changed meanwhile (the current values)",
    }
)
MARKED = form_post({400: "not a valid day or period (the page again, nothing marked)", 403: REFUSED})
ROLLUPS_PAGE = Operation(query=(FROM_DAY, TO_DAY, LANG), media_type="text/html", html_errors=True)


def _request() -> Request:
    request = bp.current_request
    assert request is not None
    return request


def _header(request: Request, name: str) -> str | None:
    return next((str(v) for k, v in dict(request.headers).items() if str(k).lower() == name), None)


def _with_etag(document: dict[str, Any]) -> Response:
    return json_response(200, document, {"ETag": etag(int(document["version"]))})


@route(bp, "/v1/settings", access=ADMIN, doc=Operation())
def get_settings_document(principal: Principal) -> Response:
    """The tenant's settings with their `version` (also the `ETag`)."""
    return _with_etag(read_settings(get_runtime(), principal.tenant_id))


@route(
    bp,
    "/v1/settings",
    access=ADMIN,
    methods=["PUT"],
    doc=Operation(
        body=SettingsInput,
        statuses={
            412: "the settings changed since the version named",
            413: TOO_LARGE,
            428: "neither If-Match nor version names the version the change is based on",
        },
    ),
)
def put_settings_document(principal: Principal) -> Response:
    """Change settings (fields left out keep their value), based on the version in If-Match or `version`."""
    request = _request()
    document = update_settings(
        get_runtime(), principal, alerts_api.json_body(request.raw_body), _header(request, "if-match")
    )
    return _with_etag(document)


@route(bp, "/v1/rollups", access=READ, doc=Operation(query=(FROM_DAY, TO_DAY)))
def get_rollups(principal: Principal) -> dict[str, Any]:
    """Each day's rollup state (done, dirty, running, failed, never), newest first: `?from&to` (30 days)."""
    return status.list_rollups(
        get_runtime(), principal.tenant_id, dict(_request().query_params or {}), datetime.now(UTC)
    )


@route(
    bp,
    "/v1/rollups/backfill",
    access=ADMIN,
    methods=["POST"],
    doc=Operation(body=BACKFILL, status=202, statuses={413: TOO_LARGE}),
)
def post_rollups_backfill(principal: Principal) -> Response:
    """Mark the days `{from, to}` (at most 400) dirty: the hourly dispatcher recomputes them."""
    result = status.backfill(
        get_runtime(), principal, alerts_api.json_body(_request().raw_body), datetime.now(UTC)
    )
    return json_response(202, result)


@route(bp, "/v1/rollups/{date}/rerun", access=ADMIN, methods=["POST"], doc=Operation(status=202))
def post_rollup_rerun(principal: Principal, date: str) -> Response:
    """Mark one day (`YYYY-MM-DD`) dirty: the hourly dispatcher recomputes it."""
    return json_response(202, status.rerun(get_runtime(), principal, date, datetime.now(UTC)))


def _on_error(error: ApiError) -> Response:
    return console_error(settings_console.TEMPLATES, bp.current_request, error)


@route(bp, SETTINGS, access=ADMIN, on_error=_on_error, doc=PAGE)
def settings_page(principal: Principal) -> Response:
    """The settings form (admins)."""
    return settings_console.settings_page(get_runtime(), _request(), principal)


@route(
    bp,
    SETTINGS,
    access=ADMIN,
    methods=["POST"],
    content_types=FORM_CONTENT_TYPES,
    on_error=_on_error,
    doc=SAVED,
)
def save_settings_page(principal: Principal) -> Response:
    """Save the settings form."""
    return settings_console.save_settings(get_runtime(), _request(), principal)


@route(bp, ROLLUPS, access=READ, on_error=_on_error, doc=ROLLUPS_PAGE)
def rollups_page(principal: Principal) -> Response:
    """Each day's rollup state; re-run forms for admins."""
    return settings_console.rollups_page(get_runtime(), _request(), principal)


@route(
    bp,
    ROLLUPS + "/backfill",
    access=ADMIN,
    methods=["POST"],
    content_types=FORM_CONTENT_TYPES,
    on_error=_on_error,
    doc=MARKED,
)
def backfill_page(principal: Principal) -> Response:
    """Mark a period for recomputation."""
    return settings_console.backfill(get_runtime(), _request(), principal)


@route(
    bp,
    ROLLUPS + "/{date}/rerun",
    access=ADMIN,
    methods=["POST"],
    content_types=FORM_CONTENT_TYPES,
    on_error=_on_error,
    doc=MARKED,
)
def rerun_page(principal: Principal, date: str) -> Response:
    """Mark one day for recomputation."""
    return settings_console.rerun(get_runtime(), _request(), principal, date)
