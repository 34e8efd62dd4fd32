"""`GET /openapi.json`: the API contract of every function, as `touchpoint openapi` wrote it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from chalice.app import Response

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")


@cache
def _document() -> str:
    return DOCUMENT_PATH.read_text(encoding="utf-8")


def openapi_response() -> Response:
    """The document (read once per container), cacheable for five minutes."""
    return Response(
        body=_document(),
        status_code=200,
        headers={"Content-Type": "application/json", "Cache-Control": "public, max-age=300"},
    )
