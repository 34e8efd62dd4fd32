"""The public base URL of the form, for the QR codes the admin API hands out."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chalice.app import Request

from chalicelib.policy import get_policy
from touchpoint.qr.codes import form_url
from touchpoint.web.base_path import base_path, get_base_path_settings

# A host name or address with an optional port, nothing else (no scheme, path or second value).
_HOST_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})(?::[0-9]{1,5})?$")


def _forwarded_host(headers: Mapping[str, str]) -> str | None:
    """`X-Forwarded-Host` when it is one plain host: the public host a proxy was reached at (the
    deployment's CloudFront function sets it from the viewer's Host; API Gateway's Host is its own)."""
    value = headers.get("x-forwarded-host", "").strip()
    return value if _HOST_RE.match(value) else None


def public_base_url(
    configured: str | None,
    headers: Mapping[str, str],
    context: Mapping[str, Any],
    configured_prefix: str | None = None,
) -> str:
    """`TOUCHPOINT_PUBLIC_BASE_URL` if set, else this API's own address as the caller reached it.

    The host is a proxy's `X-Forwarded-Host` (when it is a plain host) or the request's Host. A
    caller that forges the header only changes the URLs handed back to itself. The address is the host with the request's path prefix (`touchpoint.web.base_path`: the
    configured `TOUCHPOINT_BASE_PATH`, a proxy's `X-Forwarded-Prefix`, or API Gateway's stage or
    base path mapping), so a QR code printed from a stage URL opens the form under that stage.
    """
    if configured:
        return configured.rstrip("/")
    lowered = {k.lower(): v for k, v in headers.items()}
    host = (
        _forwarded_host(lowered) or lowered.get("host") or str(context.get("domainName") or "") or "localhost"
    )
    proto = lowered.get("x-forwarded-proto", "").split(",")[0].strip() or (
        "https" if host.endswith(".amazonaws.com") else "http"
    )
    return f"{proto}://{host}{base_path(headers, context, configured_prefix)}"


def request_base_url(request: Request) -> str:
    """The public base URL of the form for this request (the function's policy and base path)."""
    return public_base_url(
        get_policy().public_base_url,
        dict(request.headers),
        request.context or {},
        get_base_path_settings().base_path,
    )


__all__ = ["form_url", "public_base_url", "request_base_url"]
