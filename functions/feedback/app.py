"""The feedback function: QR-code feedback forms in stores. Wiring only: routes call chalicelib logic."""

import time
from typing import Any

from chalice.app import Chalice, Response

from chalicelib import admin, artwork, form, stores_console_routes
from chalicelib.policy import get_policy
from chalicelib.urls import request_base_url
from touchpoint.runtime import get_runtime
from touchpoint.settings import get_settings
from touchpoint.web.auth import ADMIN, EDIT, PUBLIC, Principal
from touchpoint.web.base_path import get_base_path_settings
from touchpoint.web.contract import FORM_FIELDS, LANG, Operation, Param
from touchpoint.web.health import register_health
from touchpoint.web.middleware import register_observability
from touchpoint.web.routing import route

get_settings()  # validate the environment at cold start: a bad variable stops the function here
get_base_path_settings()  # TOUCHPOINT_BASE_PATH, the prefix of links and redirects
get_policy()

app = Chalice(app_name="touchpoint-feedback")
register_observability(app)
# PNG is a default binary type; posters may be PDF. A client must send a matching Accept header
# (`image/png`, `application/pdf` or `*/*`), as API Gateway needs it to return the raw bytes.
app.api.binary_types.append("application/pdf")

register_health(
    app, "feedback", tables=["cases_table", "config_table", "responses_table", "state_table"], bucket=True
)
app.register_blueprint(stores_console_routes.bp)  # the stores & QR codes console

LOCATIONS = "/v1/locations"
LOCATION = LOCATIONS + "/{location_id}"
TOUCHPOINTS = LOCATION + "/touchpoints"
TOUCHPOINT = TOUCHPOINTS + "/{touchpoint_id}"
FORM_CONTENT_TYPES = ["application/x-www-form-urlencoded"]

# The contract's outcomes and query parameters (`touchpoint openapi`).
TAKEN = {409: "the id is taken", 413: "the body is over 16 KB"}
POSTER_QUERY = (
    Param("size", "paper size", {"type": "string", "enum": ["A4", "A5"]}),
    Param("format", "svg (default) or pdf", {"type": "string", "enum": ["svg", "pdf"]}),
    LANG,
)
FORM_OUTCOMES = {
    404: "unknown, rotated or revoked code",
    409: "already submitted",
    410: "the survey is closed",
    413: "the form is too large",
    422: "an answer is missing or invalid (the form again)",
    429: "too many submissions",
}


def _body() -> bytes | None:
    request = app.current_request
    assert request is not None
    raw = request.raw_body
    return (raw.encode("utf-8") if isinstance(raw, str) else raw) or None


def _query() -> dict[str, str]:
    request = app.current_request
    assert request is not None
    return dict(request.query_params or {})


def _base_url() -> str:
    request = app.current_request
    assert request is not None
    return request_base_url(request)


def _form_request(token: str) -> form.FormRequest:
    request = app.current_request
    assert request is not None
    source_ip = ((request.context or {}).get("identity") or {}).get("sourceIp")
    return form.FormRequest(
        token=token,
        headers=dict(request.headers),
        query=_query(),
        body=_body(),
        source_ip=source_ip,
    )


@route(app, LOCATIONS, access=ADMIN, methods=["POST"], doc=Operation(body=admin.NewLocation, statuses=TAKEN))
def create_location(principal: Principal) -> Any:
    """Create a store."""
    return admin.create_location(get_runtime(), principal.tenant_id, _body())


@route(app, LOCATIONS, access=ADMIN)
def list_locations(principal: Principal) -> Any:
    """The tenant's stores."""
    return admin.list_locations(get_runtime(), principal.tenant_id)


@route(app, LOCATION, access=ADMIN)
def get_location(principal: Principal, location_id: str) -> Any:
    """One store."""
    return admin.get_location(get_runtime(), principal.tenant_id, location_id)


@route(
    app, TOUCHPOINTS, access=ADMIN, methods=["POST"], doc=Operation(body=admin.NewTouchpoint, statuses=TAKEN)
)
def create_touchpoint(principal: Principal, location_id: str) -> Any:
    """Create a touchpoint (and its QR code) in a store."""
    return admin.create_touchpoint(get_runtime(), principal.tenant_id, location_id, _body(), _base_url())


@route(app, TOUCHPOINTS, access=ADMIN)
def list_touchpoints(principal: Principal, location_id: str) -> Any:
    """A store's touchpoints with their QR URLs."""
    return admin.list_touchpoints(get_runtime(), principal.tenant_id, location_id, _base_url())


@route(app, TOUCHPOINT, access=ADMIN)
def get_touchpoint(principal: Principal, location_id: str, touchpoint_id: str) -> Any:
    """One touchpoint with its QR URL."""
    return admin.get_touchpoint(get_runtime(), principal.tenant_id, location_id, touchpoint_id, _base_url())


@route(
    app,
    TOUCHPOINT,
    access=ADMIN,
    methods=["PUT"],
    doc=Operation(body=admin.SurveyBinding, statuses={413: TAKEN[413]}),
)
def bind_survey(principal: Principal, location_id: str, touchpoint_id: str) -> Any:
    """Bind a survey to a touchpoint (`{"survey_id": null}`: the default in-store survey)."""
    return admin.bind_survey(
        get_runtime(), principal.tenant_id, location_id, touchpoint_id, _body(), _base_url()
    )


@route(app, TOUCHPOINT + "/rotate", access=ADMIN, methods=["POST"])
def rotate_touchpoint(principal: Principal, location_id: str, touchpoint_id: str) -> Any:
    """Issue a new QR code; the old ones stop working."""
    return admin.rotate(get_runtime(), principal.tenant_id, location_id, touchpoint_id, _base_url())


@route(app, TOUCHPOINT + "/revoke", access=ADMIN, methods=["POST"])
def revoke_touchpoint(principal: Principal, location_id: str, touchpoint_id: str) -> Any:
    """Stop every QR code of the touchpoint."""
    return admin.revoke(get_runtime(), principal.tenant_id, location_id, touchpoint_id, _base_url())


@route(app, TOUCHPOINT + "/qr.svg", access=EDIT, doc=Operation(media_type="image/svg+xml"))
def qr_svg(principal: Principal, location_id: str, touchpoint_id: str) -> Response:
    """The QR code as SVG."""
    return artwork.qr_image(
        get_runtime(), principal.tenant_id, location_id, touchpoint_id, _base_url(), "svg"
    )


@route(app, TOUCHPOINT + "/qr.png", access=EDIT, doc=Operation(media_type="image/png"))
def qr_png(principal: Principal, location_id: str, touchpoint_id: str) -> Response:
    """The QR code as PNG (send `Accept: image/png`)."""
    return artwork.qr_image(
        get_runtime(), principal.tenant_id, location_id, touchpoint_id, _base_url(), "png"
    )


@route(
    app, TOUCHPOINT + "/poster", access=EDIT, doc=Operation(query=POSTER_QUERY, media_type="image/svg+xml")
)
def poster(principal: Principal, location_id: str, touchpoint_id: str) -> Response:
    """A printable poster: `?size=A4|A5&format=svg|pdf&lang=de|en` (PDF: send `Accept: application/pdf`)."""
    return artwork.poster_response(
        get_runtime(), principal.tenant_id, location_id, touchpoint_id, _base_url(), _query()
    )


@route(
    app,
    "/f/{token}",
    access=PUBLIC,
    doc=Operation(
        query=(LANG,), media_type="text/html", statuses={410: "the survey is closed"}, html_errors=True
    ),
)
def show_form(_principal: None, token: str) -> Response:
    """The public feedback form of a QR code."""
    return form.show_form(get_runtime(), _form_request(token), time.time())


@route(
    app,
    "/f/{token}",
    access=PUBLIC,
    methods=["POST"],
    content_types=FORM_CONTENT_TYPES,
    doc=Operation(body=FORM_FIELDS, media_type="text/html", statuses=FORM_OUTCOMES, html_errors=True),
)
def submit_form(_principal: None, token: str) -> Response:
    """A submitted feedback form."""
    return form.submit_form(get_runtime(), _form_request(token), get_policy(), time.time())
