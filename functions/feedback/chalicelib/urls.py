"""The public base URL of the form, for the QR codes the admin API hands out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from touchpoint.qr.codes import form_url


def public_base_url(configured: str | None, headers: Mapping[str, str], context: Mapping[str, Any]) -> str:
    """`TOUCHPOINT_PUBLIC_BASE_URL` if set, else this API's own address as the caller reached it.

    Behind API Gateway's own domain (`*.amazonaws.com`) the stage is part of the path; on a custom
    domain or locally it is not.
    """
    if configured:
        return configured.rstrip("/")
    lowered = {k.lower(): v for k, v in headers.items()}
    host = lowered.get("host") or str(context.get("domainName") or "") or "localhost"
    proto = lowered.get("x-forwarded-proto", "").split(",")[0].strip() or (
        "https" if host.endswith(".amazonaws.com") else "http"
    )
    base = f"{proto}://{host}"
    stage = context.get("stage")
    if host.endswith(".amazonaws.com") and stage:
        base += f"/{stage}"
    return base


__all__ = ["form_url", "public_base_url"]
