"""The ingest function: Segment-compatible tracking API. Wiring only: routes call chalicelib logic."""

from chalice.app import Chalice, Request, Response

from chalicelib.service import ingest
from touchpoint.settings import get_settings
from touchpoint.web.auth import WRITE, Principal
from touchpoint.web.health import register_health
from touchpoint.web.routing import route

get_settings()  # validate the environment at cold start: a bad variable stops the function here

app = Chalice(app_name="touchpoint-ingest")
# gzip bodies sent as these types reach the function as bytes (API Gateway binary media types);
# `application/json` bodies with `Content-Encoding: gzip` are decompressed by API Gateway itself,
# and the handler decompresses whatever still arrives compressed.
app.api.binary_types.extend(["application/gzip", "application/x-gzip"])

# Segment SDKs send application/json; browsers' beacons send text/plain.
CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/gzip",
    "application/x-gzip",
    "application/octet-stream",
]

register_health(app, "ingest", tables=["config_table", "people_table", "state_table"], bucket=True)


def _current() -> Request:
    request = app.current_request
    assert request is not None
    return request


@route(app, "/v1/track", access=WRITE, methods=["POST"], content_types=CONTENT_TYPES)
def track(principal: Principal) -> Response:
    """A user action."""
    return ingest(principal, "track", _current())


@route(app, "/v1/identify", access=WRITE, methods=["POST"], content_types=CONTENT_TYPES)
def identify(principal: Principal) -> Response:
    """Who the user is (and the link of their anonymousId)."""
    return ingest(principal, "identify", _current())


@route(app, "/v1/page", access=WRITE, methods=["POST"], content_types=CONTENT_TYPES)
def page(principal: Principal) -> Response:
    """A web page view."""
    return ingest(principal, "page", _current())


@route(app, "/v1/screen", access=WRITE, methods=["POST"], content_types=CONTENT_TYPES)
def screen(principal: Principal) -> Response:
    """A mobile app screen view."""
    return ingest(principal, "screen", _current())


@route(app, "/v1/group", access=WRITE, methods=["POST"], content_types=CONTENT_TYPES)
def group(principal: Principal) -> Response:
    """A user joins a group."""
    return ingest(principal, "group", _current())


@route(app, "/v1/alias", access=WRITE, methods=["POST"], content_types=CONTENT_TYPES)
def alias(principal: Principal) -> Response:
    """Merge a previous id into the userId."""
    return ingest(principal, "alias", _current())


@route(app, "/v1/batch", access=WRITE, methods=["POST"], content_types=CONTENT_TYPES)
def batch(principal: Principal) -> Response:
    """Many events of any type (what the SDKs send)."""
    return ingest(principal, "batch", _current())
