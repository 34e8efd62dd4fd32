"""Secured Chalice routes: authentication, error mapping and JSON responses in one wrapper.

Every HTTP route of every function is registered through `route()`, which records the route's
`Access` on the view (tests enumerate them for the authorization matrix), authenticates the
caller before the view runs, turns `ApiError` into its JSON response and any other exception into
a bare 500 without a stack trace. Input from outside is read by `touchpoint.models.inputs`: its
`InputError` (and a query or path parameter holding a NUL or a lone surrogate, checked here for
every route) answers 400 naming the parameter. A storage fault (throttling, a 5xx answer, a
timeout) answers 503 with `Retry-After` and a JSON body: any one while the key is looked up, a
transient one raised by the view. Routes that take only write keys read a key's record through a
per-container cache of at most 60 s (`touchpoint.web.key_cache`).
"""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from chalice.app import Blueprint, Chalice, CORSConfig, Request, Response

from touchpoint.models.inputs import InputError, text_problem
from touchpoint.observability import logger
from touchpoint.runtime import get_runtime
from touchpoint.web.auth import WRITE, Access, Principal, authenticate, write_key_from_json
from touchpoint.web.contract import UNDOCUMENTED, Operation
from touchpoint.web.errors import ApiError, bad_request, is_transient_storage_error, storage_unavailable
from touchpoint.web.key_cache import cached_write_keys
from touchpoint.web.scope import check_named_locations

View = Callable[..., Any]
ACCESS_ATTRIBUTE = "__touchpoint_access__"
OPERATION_ATTRIBUTE = "__touchpoint_operation__"
HTML_ERRORS_ATTRIBUTE = "__touchpoint_html_errors__"
JSON_HEADERS = {"Content-Type": "application/json"}


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with the given status."""
    return Response(
        body=json.dumps(body, default=str), status_code=status, headers={**JSON_HEADERS, **(headers or {})}
    )


def error_response(error: ApiError) -> Response:
    """The response for an ApiError."""
    return json_response(error.status, error.body(), error.headers)


_GZIP_MAGIC = b"\x1f\x8b"
_MAX_INFLATED_BODY = 6 * 1024 * 1024  # Lambda's own payload limit


def _inflate(body: bytes) -> bytes | None:
    """A gzip body decompressed (at most 6 MB, so a small bomb cannot blow up), or None."""
    try:
        inflater = zlib.decompressobj(wbits=31)
        data = inflater.decompress(body, _MAX_INFLATED_BODY)
    except zlib.error:
        return None
    return None if inflater.unconsumed_tail else data


def _body_write_key(request: Request) -> Callable[[], str | None]:
    def read() -> str | None:
        body = request.raw_body or b"null"
        if isinstance(body, bytes) and body.startswith(_GZIP_MAGIC):
            body = _inflate(body) or b"null"  # SDKs may gzip a body that carries `writeKey`
        try:
            return write_key_from_json(json.loads(body))
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None

    return read


def check_parameters(request: Request | None, uri_params: dict[str, Any]) -> None:
    """400 when a path or query parameter holds text no route can use (a NUL, a lone surrogate)."""
    named: list[tuple[str, Any]] = list(uri_params.items())
    query = request.query_params if request is not None else None
    if query:
        getlist = getattr(query, "getlist", None)
        named += [(str(k), v) for k in query for v in (getlist(k) if getlist else [query[k]])]
    for name, value in named:
        problem = text_problem(str(name)) or text_problem(str(value))
        if problem is not None:
            raise InputError(f"parameter {name!r} {problem}", str(name))


def current_principal(app: Chalice | Blueprint, access: Access) -> Principal | None:
    """Authenticate the current request for a route's access (None for public routes)."""
    if access.public:
        return None
    request = app.current_request
    assert request is not None
    try:
        runtime = get_runtime()
        # Write-only routes remember active write keys for up to 60 s (touchpoint.web.key_cache).
        keys = cached_write_keys(runtime.tenants) if access.kinds == WRITE.kinds else runtime.tenants
        return authenticate(
            dict(request.headers),
            _body_write_key(request),
            access,
            keys,
            sessions=runtime.tenants,
            users=lambda: runtime.users,
            pepper=runtime.settings.key_pepper,
            method=request.method or "GET",
        )
    except (ClientError, BotoCoreError) as error:
        # The key could not be looked up: neither 401 (the key may be fine) nor 500 (a retry may work).
        logger.warning("key lookup failed", extra={"error": type(error).__name__})
        raise storage_unavailable("could not check the API key, please retry") from None


def route(
    app: Chalice | Blueprint,
    path: str,
    *,
    access: Access,
    methods: Sequence[str] = ("GET",),
    content_types: Sequence[str] | None = None,
    on_error: Callable[[ApiError], Response] | None = None,
    cors: CORSConfig | None = None,
    doc: Operation = UNDOCUMENTED,
) -> Callable[[View], View]:
    """Register `view(principal, **uri_params)` as a route that checks `access` first.

    Public views are called as `view(None, **uri_params)`. A view returns a Chalice Response or
    any JSON-serialisable value (sent with 200). `on_error` renders client errors (4xx, including
    a missing or rejected key) for routes that answer browsers with HTML instead of JSON. `cors`
    lets browsers on other origins call the route (Chalice adds the headers and the preflight).
    `doc` is what the API contract (`touchpoint openapi`) says about its body, answer and query.
    A request naming a store outside the caller's store scope is refused here (`touchpoint.web.scope`).
    `app` may be a Blueprint (registered on the function's app in `app.py`).
    """

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def handler(**params: Any) -> Response:
            try:
                principal = current_principal(app, access)
                check_parameters(app.current_request, params)
                request = app.current_request
                check_named_locations(principal, params, request.query_params if request else None)
                result = view(principal, **params)
            except InputError as error:
                invalid = bad_request(error.message, field=error.field)
                return on_error(invalid) if on_error is not None else error_response(invalid)
            except ApiError as error:
                if error.status >= 500:
                    logger.warning("request failed", extra={"code": error.code, "status": error.status})
                elif on_error is not None:
                    return on_error(error)
                return error_response(error)
            except RecursionError:
                # json.loads of a body nested thousands of levels deep (e.g. via request.json_body)
                too_deep = ApiError(400, "invalid_json", "the JSON body is nested too deeply", field="body")
                return on_error(too_deep) if on_error is not None else error_response(too_deep)
            except Exception as error:
                if is_transient_storage_error(error):
                    logger.warning("storage fault", extra={"error": type(error).__name__})
                    return error_response(storage_unavailable())
                logger.exception("unhandled error")
                return json_response(
                    500, {"code": "internal_error", "message": "internal error, please retry"}
                )
            if isinstance(result, Response):
                return result
            return json_response(200, result)

        setattr(handler, ACCESS_ATTRIBUTE, access)
        setattr(handler, OPERATION_ATTRIBUTE, doc)
        setattr(handler, HTML_ERRORS_ATTRIBUTE, on_error is not None)
        kwargs: dict[str, Any] = {"methods": list(methods)}
        if content_types is not None:
            kwargs["content_types"] = list(content_types)
        if cors is not None:
            kwargs["cors"] = cors
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
