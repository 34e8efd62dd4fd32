"""What the API contract says about a route beyond its path, method and key kinds.

`route(..., doc=Operation(...))` records it on the view beside the route's `Access`;
`touchpoint.web.openapi` reads both from every app's route table to build the OpenAPI document.
A body or response is a pydantic model (its `model_json_schema()` goes into the document) or a
plain JSON schema for the few shapes no model describes. The summary is the view's docstring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

Schema = type[BaseModel] | Mapping[str, Any]
"""A pydantic model or a JSON schema."""

STRING: Mapping[str, Any] = {"type": "string"}
DAY: Mapping[str, Any] = {"type": "string", "format": "date"}
ANY_JSON: Mapping[str, Any] = {"type": "object"}
BINARY: Mapping[str, Any] = {"type": "string", "format": "binary"}
FORM_FIELDS: Mapping[str, Any] = {"type": "object", "additionalProperties": {"type": "string"}}


@dataclass(frozen=True)
class Param:
    """A query parameter."""

    name: str
    description: str
    schema: Mapping[str, Any] = field(default_factory=lambda: STRING)
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """The documented request body, success answer and query parameters of one route.

    `status` and `media_type` describe the success answer; `statuses` adds outcomes beyond the
    ones every route shares (400, 401/403 for keyed routes, 404 with path parameters, 503), e.g.
    `{409: "the id is taken"}`. `body_schema` overrides the body's schema for one media type
    (`application/gzip` bodies are bytes). `html_errors`: the view answers its own errors with
    pages (routes with `on_error` are documented so anyway).
    """

    query: tuple[Param, ...] = ()
    body: Schema | None = None
    body_schema: Mapping[str, Schema] = field(default_factory=dict)
    response: Schema | None = None
    status: int = 200
    media_type: str = "application/json"
    statuses: Mapping[int, str] = field(default_factory=dict)
    html_errors: bool = False


UNDOCUMENTED = Operation()

# Query parameters several routes share.
FROM_DAY = Param("from", "first day, YYYY-MM-DD (tenant-local)", DAY)
TO_DAY = Param("to", "last day, YYYY-MM-DD (inclusive)", DAY)
LANG = Param("lang", "page language", {"type": "string", "enum": ["de", "en"]})
