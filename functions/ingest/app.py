"""The ingest function: Segment-compatible tracking API. Wiring only: routes call chalicelib logic."""

from chalice.app import Chalice, CORSConfig, Request, Response

from chalicelib.service import ingest
from touchpoint.models.events import (
    AliasEvent,
    BatchRequest,
    GroupEvent,
    IdentifyEvent,
    PageEvent,
    ScreenEvent,
    TrackEvent,
)
from touchpoint.settings import get_settings
from touchpoint.web.auth import WRITE, Principal
from touchpoint.web.contract import BINARY, Operation, Schema
from touchpoint.web.health import register_health
from touchpoint.web.middleware import register_observability
from touchpoint.web.routing import route

get_settings()  # validate the environment at cold start: a bad variable stops the function here

app = Chalice(app_name="touchpoint-ingest")
register_observability(app)
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

# Browsers post from the brand's own pages: analytics.js sends text/plain (no preflight) with the
# writeKey in the body; other browser SDKs send Authorization/JSON after a preflight. Write keys
# are public by design and no cookie is ever read here, so any origin may call.
BROWSER_CORS = CORSConfig(
    allow_origin="*",
    allow_headers=["Authorization", "Content-Type", "Content-Encoding"],
    expose_headers=["Retry-After", "X-RateLimit-Reset"],
    max_age=600,
)

# The contract's answer: `{"success": true}`, with what was quarantined or broke the tracking plan.
ANSWER = {
    "type": "object",
    "required": ["success"],
    "properties": {
        "success": {"const": True},
        "rejected": {"type": "array", "items": {"type": "object"}},
        "warnings": {"type": "array", "items": {"type": "object"}},
    },
}


def _doc(body: Schema) -> Operation:
    """A tracking route's contract: the event model for JSON and text bodies, bytes when gzipped."""
    return Operation(
        body=body,
        body_schema={t: BINARY for t in CONTENT_TYPES if t not in ("application/json", "text/plain")},
        response=ANSWER,
        statuses={413: "the body or an event is over its size limit", 429: "over the tenant's rate"},
    )


register_health(app, "ingest", tables=["config_table", "people_table", "state_table"], bucket=True)


def _current() -> Request:
    request = app.current_request
    assert request is not None
    return request


@route(
    app,
    "/v1/track",
    access=WRITE,
    methods=["POST"],
    content_types=CONTENT_TYPES,
    cors=BROWSER_CORS,
    doc=_doc(TrackEvent),
)
def track(principal: Principal) -> Response:
    """A user action."""
    return ingest(principal, "track", _current())


@route(
    app,
    "/v1/identify",
    access=WRITE,
    methods=["POST"],
    content_types=CONTENT_TYPES,
    cors=BROWSER_CORS,
    doc=_doc(IdentifyEvent),
)
def identify(principal: Principal) -> Response:
    """Who the user is (and the link of their anonymousId)."""
    return ingest(principal, "identify", _current())


@route(
    app,
    "/v1/page",
    access=WRITE,
    methods=["POST"],
    content_types=CONTENT_TYPES,
    cors=BROWSER_CORS,
    doc=_doc(PageEvent),
)
def page(principal: Principal) -> Response:
    """A web page view."""
    return ingest(principal, "page", _current())


@route(
    app,
    "/v1/screen",
    access=WRITE,
    methods=["POST"],
    content_types=CONTENT_TYPES,
    cors=BROWSER_CORS,
    doc=_doc(ScreenEvent),
)
def screen(principal: Principal) -> Response:
    """A mobile app screen view."""
    return ingest(principal, "screen", _current())


@route(
    app,
    "/v1/group",
    access=WRITE,
    methods=["POST"],
    content_types=CONTENT_TYPES,
    cors=BROWSER_CORS,
    doc=_doc(GroupEvent),
)
def group(principal: Principal) -> Response:
    """A user joins a group."""
    return ingest(principal, "group", _current())


@route(
    app,
    "/v1/alias",
    access=WRITE,
    methods=["POST"],
    content_types=CONTENT_TYPES,
    cors=BROWSER_CORS,
    doc=_doc(AliasEvent),
)
def alias(principal: Principal) -> Response:
    """Merge a previous id into the userId."""
    return ingest(principal, "alias", _current())


@route(
    app,
    "/v1/batch",
    access=WRITE,
    methods=["POST"],
    content_types=CONTENT_TYPES,
    cors=BROWSER_CORS,
    doc=_doc(BatchRequest),
)
def batch(principal: Principal) -> Response:
    """Many events of any type (what the SDKs send)."""
    return ingest(principal, "batch", _current())


def _short_path(kind: str, long_view: object, body: Schema) -> None:
    """analytics.js posts to `/v1/<first letter of the type>` (`/v1/t`, `/v1/p`, ..., `/v1/b`)."""

    def view(principal: Principal) -> Response:
        return ingest(principal, kind, _current())

    view.__name__ = f"{kind}_short"
    view.__doc__ = getattr(long_view, "__doc__", None)
    route(
        app,
        f"/v1/{kind[0]}",
        access=WRITE,
        methods=["POST"],
        content_types=CONTENT_TYPES,
        cors=BROWSER_CORS,
        doc=_doc(body),
    )(view)


for _kind, _view, _body in (
    ("track", track, TrackEvent),
    ("identify", identify, IdentifyEvent),
    ("page", page, PageEvent),
    ("screen", screen, ScreenEvent),
    ("group", group, GroupEvent),
    ("alias", alias, AliasEvent),
    ("batch", batch, BatchRequest),
):
    _short_path(_kind, _view, _body)
