"""Secured Chalice routes: authentication, error mapping and JSON responses in one wrapper.

Every HTTP route of every function is registered through `route()`, which records the route's
`Access` on the view (tests enumerate them for the authorization matrix), authenticates the
caller before the view runs, turns `ApiError` into its JSON response and any other exception into
a bare 500 without a stack trace.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

from chalice.app import Chalice, Request, Response

from touchpoint.observability import logger
from touchpoint.runtime import get_runtime
from touchpoint.web.auth import Access, Principal, authenticate, write_key_from_json
from touchpoint.web.errors import ApiError

View = Callable[..., Any]
ACCESS_ATTRIBUTE = "__touchpoint_access__"
JSON_HEADERS = {"Content-Type": "application/json"}


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with the given status."""
    return Response(
        body=json.dumps(body, default=str), status_code=status, headers={**JSON_HEADERS, **(headers or {})}
    )


def error_response(error: ApiError) -> Response:
    """The response for an ApiError."""
    return json_response(error.status, error.body(), error.headers)


def _body_write_key(request: Request) -> Callable[[], str | None]:
    def read() -> str | None:
        try:
            return write_key_from_json(json.loads(request.raw_body or b"null"))
        except (ValueError, UnicodeDecodeError):
            return None

    return read


def current_principal(app: Chalice, access: Access) -> Principal | None:
    """Authenticate the current request for a route's access (None for public routes)."""
    if access.public:
        return None
    request = app.current_request
    assert request is not None
    return authenticate(dict(request.headers), _body_write_key(request), access, get_runtime().tenants)


def route(
    app: Chalice,
    path: str,
    *,
    access: Access,
    methods: Sequence[str] = ("GET",),
    content_types: Sequence[str] | None = None,
) -> Callable[[View], View]:
    """Register `view(principal, **uri_params)` as a route that checks `access` first.

    Public views are called as `view(None, **uri_params)`. A view returns a Chalice Response or
    any JSON-serialisable value (sent with 200).
    """

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def handler(**params: Any) -> Response:
            try:
                principal = current_principal(app, access)
                result = view(principal, **params)
            except ApiError as error:
                if error.status >= 500:
                    logger.warning("request failed", extra={"code": error.code, "status": error.status})
                return error_response(error)
            except Exception:
                logger.exception("unhandled error")
                return json_response(
                    500, {"code": "internal_error", "message": "internal error, please retry"}
                )
            if isinstance(result, Response):
                return result
            return json_response(200, result)

        setattr(handler, ACCESS_ATTRIBUTE, access)
        kwargs: dict[str, Any] = {"methods": list(methods)}
        if content_types is not None:
            kwargs["content_types"] = list(content_types)
        app.route(path, **kwargs)(handler)
        return view

    return decorator


def route_access(app: Chalice) -> dict[tuple[str, str], Access | None]:
    """Every (path, method) of an app with the Access its view declares (None = unsecured)."""
    table: dict[tuple[str, str], Access | None] = {}
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            table[(path, method)] = getattr(entry.view_function, ACCESS_ATTRIBUTE, None)
    return table
