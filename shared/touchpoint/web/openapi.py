"""The OpenAPI 3.1 document of every public route, built from the route tables and the models.

Each function's Chalice app holds its routes; `route()` records on each view the key kinds it
accepts (`Access`) and what the contract says about it (`Operation`). `build_document` turns
those into one document for the one public host: paths, path and query parameters, request
bodies and success answers (pydantic `model_json_schema`), the error body every 4xx/5xx answer
carries (`ErrorBody`), and the key schemes. The same (path, method) served by several functions
(`/health`) must agree on its access and is documented once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from touchpoint.models.tenants import KeyKind
from touchpoint.web.auth import SESSION_COOKIE, Access
from touchpoint.web.contract import ANY_JSON, BINARY, UNDOCUMENTED, Operation, Schema
from touchpoint.web.errors import ErrorBody
from touchpoint.web.routing import ACCESS_ATTRIBUTE, HTML_ERRORS_ATTRIBUTE, OPERATION_ATTRIBUTE

OPENAPI_VERSION = "3.1.0"
_REF_TEMPLATE = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"\{([^}]+)\}")
_METHOD_ORDER = ("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS")
_BINARY_TYPES = ("image/png", "application/pdf")

SECURITY_SCHEMES: dict[str, Any] = {
    "basicKey": {
        "type": "http",
        "scheme": "basic",
        "description": "An API key as the user name and an empty password: what Segment SDKs send "
        "with the write key (`tpw_...`). Write routes also take `writeKey` in the JSON body.",
    },
    "bearerKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <key>`: a read (`tpr_...`), admin (`tpa_...`) or "
        "write key, as the route accepts.",
    },
    "dashboardSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The dashboard's signed session (after `POST /dashboard/login` with a read "
        "key); accepted where a read key is.",
    },
}

_SHARED_ERRORS: dict[int, str] = {
    400: "the request cannot be read: `field` names the parameter or body field",
    503: "storage is unavailable: retry after `Retry-After` seconds",
}
_KEY_ERRORS: dict[int, str] = {
    401: "no key, or an unknown, revoked or malformed one",
    403: "a valid key of a kind this route does not take",
}
_NOT_FOUND = "nothing of that id for this tenant"
#: The JSON error answers most routes share, once under `components.responses`.
_SHARED_RESPONSES: dict[tuple[int, str], str] = {
    (400, _SHARED_ERRORS[400]): "BadRequest",
    (401, _KEY_ERRORS[401]): "Unauthorized",
    (403, _KEY_ERRORS[403]): "Forbidden",
    (404, _NOT_FOUND): "NotFound",
    (503, _SHARED_ERRORS[503]): "StorageUnavailable",
}


class RouteInfo:
    """One (path, method) of one function, as its route table declares it."""

    def __init__(self, function: str, path: str, method: str, entry: Any) -> None:
        view = entry.view_function
        self.function = function
        self.path = path
        self.method = method
        self.name: str = entry.view_name
        self.summary = (view.__doc__ or "").strip().splitlines()[0] if view.__doc__ else ""
        self.access: Access | None = getattr(view, ACCESS_ATTRIBUTE, None)
        self.operation: Operation = getattr(view, OPERATION_ATTRIBUTE, UNDOCUMENTED)
        self.html_errors: bool = getattr(view, HTML_ERRORS_ATTRIBUTE, False)
        self.content_types: list[str] = list(entry.content_types)


def route_infos(apps: Iterable[tuple[str, Any]]) -> list[RouteInfo]:
    """Every route of the given (function name, Chalice app) pairs."""
    return [
        RouteInfo(function, path, method, entry)
        for function, app in apps
        for path, methods in app.routes.items()
        for method, entry in methods.items()
    ]


def live_routes(apps: Iterable[tuple[str, Any]]) -> set[tuple[str, str]]:
    """Every (path, METHOD) the apps serve."""
    return {(info.path, info.method) for info in route_infos(apps)}


def documented_routes(document: Mapping[str, Any]) -> set[tuple[str, str]]:
    """Every (path, METHOD) an OpenAPI document lists."""
    return {
        (path, method.upper())
        for path, item in document.get("paths", {}).items()
        for method in item
        if method.upper() in _METHOD_ORDER
    }


class _Schemas:
    """Collects the models the operations name; their schemas go into `components.schemas` at the end."""

    def __init__(self) -> None:
        self.wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
        self.refs: dict[tuple[Any, JsonSchemaMode], dict[str, Any]] = {}

    def use(self, schema: Schema, mode: JsonSchemaMode) -> Any:
        """A placeholder for `schema` (resolved in `resolve`): a model's $ref or a copy of a dict."""
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            self.wanted[(schema, mode)] = None
            return ("model", schema, mode)
        return dict(schema)

    def build(self) -> dict[str, Any]:
        """Every collected model's schema, by name, and their $refs."""
        if not self.wanted:
            return {}
        keys, defs = models_json_schema(list(self.wanted), ref_template=_REF_TEMPLATE)
        self.refs = {key: dict(value) for key, value in keys.items()}
        return dict(sorted(defs.get("$defs", {}).items()))

    def resolve(self, value: Any) -> Any:
        """Replace the placeholders in a built document by the models' $refs."""
        if isinstance(value, tuple) and len(value) == 3 and value[0] == "model":
            return self.refs[(value[1], value[2])]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value


def _security(access: Access) -> list[dict[str, list[str]]]:
    if access.public:
        return []
    schemes = ["basicKey", "bearerKey"] if access.kinds == {KeyKind.WRITE} else ["bearerKey", "basicKey"]
    if KeyKind.READ in access.kinds:
        schemes.append("dashboardSession")
    return [{name: []} for name in schemes]


def _success_schema(operation: Operation, schemas: _Schemas) -> Any:
    if operation.response is not None:
        return schemas.use(operation.response, "serialization")
    if operation.media_type == "application/json":
        return dict(ANY_JSON)
    if operation.media_type in _BINARY_TYPES:
        return dict(BINARY)
    return {"type": "string"}


def _error(description: str, html: bool, schemas: _Schemas) -> dict[str, Any]:
    content: dict[str, Any] = {"application/json": {"schema": schemas.use(ErrorBody, "serialization")}}
    if html:  # a page for the browser; failures of the wrapper itself (5xx) stay JSON
        content["text/html"] = {"schema": {"type": "string"}}
    return {"description": description, "content": content}


def _operation(info: RouteInfo, functions: list[str], schemas: _Schemas) -> dict[str, Any]:
    assert info.access is not None
    doc = info.operation
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in _PATH_PARAM.findall(info.path)
    ]
    parameters += [
        {
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": p.description,
            "schema": dict(p.schema),
        }
        for p in doc.query
    ]
    operation: dict[str, Any] = {
        "operationId": info.name,
        "summary": info.summary,
        "tags": [info.function],
        "security": _security(info.access),
        "x-touchpoint-keys": sorted(k.value for k in info.access.kinds),
        "x-touchpoint-functions": functions,
    }
    if parameters:
        operation["parameters"] = parameters
    if doc.body is not None:
        content = {
            media: {"schema": schemas.use(doc.body_schema.get(media, doc.body), "validation")}
            for media in info.content_types
        }
        operation["requestBody"] = {"required": True, "content": content}
    responses: dict[int, Any] = {
        doc.status: {
            "description": info.summary or "success",
            "content": {doc.media_type: {"schema": _success_schema(doc, schemas)}},
        }
    }
    errors = dict(_SHARED_ERRORS)
    if not info.access.public:
        errors.update(_KEY_ERRORS)
    if _PATH_PARAM.search(info.path):
        errors[404] = _NOT_FOUND
    for status, description in doc.statuses.items():
        if status < 400:
            responses[status] = {"description": description}
        else:
            errors[status] = description
    html = info.html_errors or doc.html_errors
    for status, description in errors.items():
        shared = None if html else _SHARED_RESPONSES.get((status, description))
        responses[status] = (
            {"$ref": f"#/components/responses/{shared}"} if shared else _error(description, html, schemas)
        )
    operation["responses"] = {str(status): responses[status] for status in sorted(responses)}
    return operation


def build_document(apps: Sequence[tuple[str, Any]], *, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the apps' routes (ValueError when two disagree on one route)."""
    infos = route_infos(apps)
    by_route: dict[tuple[str, str], list[RouteInfo]] = {}
    for info in infos:
        if info.access is None:
            raise ValueError(f"{info.function} {info.method} {info.path} is not registered through route()")
        by_route.setdefault((info.path, info.method), []).append(info)
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for (path, method), same in sorted(by_route.items()):
        first = same[0]
        if any(other.access != first.access for other in same[1:]):
            raise ValueError(f"{method} {path} has different access in {[i.function for i in same]}")
        paths.setdefault(path, {})[method.lower()] = _operation(first, [i.function for i in same], schemas)
    for path, item in paths.items():
        paths[path] = {m.lower(): item[m.lower()] for m in _METHOD_ORDER if m.lower() in item}
    shared_responses = {
        name: _error(description, False, schemas) for (_, description), name in _SHARED_RESPONSES.items()
    }
    components = schemas.build()
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Touchpoint API",
            "version": version,
            "summary": "Tracking (Segment compatible), surveys, QR feedback, metrics, alerts and the dashboard.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "paths": schemas.resolve(paths),
        "components": {
            "schemas": components,
            "responses": schemas.resolve(shared_responses),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def render(document: Mapping[str, Any]) -> str:
    """The document as the committed file spells it (stable order, two-space indent)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
