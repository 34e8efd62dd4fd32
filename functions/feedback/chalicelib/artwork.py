"""QR images and printable posters of a touchpoint, as HTTP responses of the admin API."""

from __future__ import annotations

from collections.abc import Mapping

from chalice.app import Response

from chalicelib.admin import require_location, require_touchpoint, token_of
from touchpoint.models.locations import Touchpoint
from touchpoint.qr.codes import form_url, qr_png, qr_svg
from touchpoint.qr.poster import CONTENT_TYPES, poster
from touchpoint.runtime import Runtime
from touchpoint.web.errors import ApiError, bad_request

_DOWNLOAD_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def _current(
    runtime: Runtime, tenant_id: str, location_id: str, touchpoint_id: str, base_url: str
) -> tuple[Touchpoint, str]:
    """The touchpoint and the URL of its current code (409 while it is revoked)."""
    touchpoint = require_touchpoint(runtime, tenant_id, location_id, touchpoint_id)
    if touchpoint.revoked:
        raise ApiError(
            409, "revoked", f"touchpoint '{touchpoint_id}' is revoked; rotate it to issue a new QR code"
        )
    return touchpoint, form_url(base_url, token_of(touchpoint, runtime.tenants.get_form_secret(tenant_id)))


def qr_image(
    runtime: Runtime, tenant_id: str, location_id: str, touchpoint_id: str, base_url: str, kind: str
) -> Response:
    """The touchpoint's QR code as SVG or PNG."""
    _, url = _current(runtime, tenant_id, location_id, touchpoint_id, base_url)
    filename = f"{location_id}-{touchpoint_id}.{kind}"
    headers = {**_DOWNLOAD_HEADERS, "Content-Disposition": f'inline; filename="{filename}"'}
    if kind == "svg":
        return Response(
            body=qr_svg(url, title=url), status_code=200, headers={**headers, "Content-Type": "image/svg+xml"}
        )
    return Response(body=qr_png(url), status_code=200, headers={**headers, "Content-Type": "image/png"})


def _choice(query: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = query.get(name, default)
    if value not in allowed:
        raise bad_request(f"{name} must be one of {', '.join(allowed)}", field=name)
    return value


def poster_response(
    runtime: Runtime,
    tenant_id: str,
    location_id: str,
    touchpoint_id: str,
    base_url: str,
    query: Mapping[str, str],
) -> Response:
    """A printable poster: `size=A4|A5`, `format=svg|pdf`, `lang=de|en` (default: the store's language)."""
    size = _choice(query, "size", ("A4", "A5"), "A4")
    fmt = _choice(query, "format", ("svg", "pdf"), "svg")
    location = require_location(runtime, tenant_id, location_id)
    language = _choice(
        query,
        "lang",
        ("de", "en"),
        location.default_language if location.default_language in ("de", "en") else "de",
    )
    touchpoint, url = _current(runtime, tenant_id, location_id, touchpoint_id, base_url)
    body = poster(
        location.name,
        url,
        size="A4" if size == "A4" else "A5",
        language="de" if language == "de" else "en",
        fmt="svg" if fmt == "svg" else "pdf",
        label=touchpoint.label,
    )
    filename = f"{location_id}-{touchpoint_id}-{size}-{language}.{fmt}"
    headers: dict[str, str | list[str]] = {
        **_DOWNLOAD_HEADERS,
        "Content-Type": CONTENT_TYPES[fmt],
        "Content-Disposition": f'inline; filename="{filename}"',
    }
    return Response(body=body.decode("utf-8") if fmt == "svg" else body, status_code=200, headers=headers)
