"""QR tokens: which touchpoint a printed code belongs to, signed with the tenant's form secret.

A token reads `<tenant>.<location>.<touchpoint>.<version>.<signature>`: the ids are URL-safe
already (letters, digits, `-` and `_`), so they are written as they are (shorter than base64,
which keeps the QR code small); the signature is a 96-bit HMAC-SHA256 with the tenant's secret.
A forged or guessed token fails the signature; a rotated touchpoint has a new `version`, so its old
codes stop working; a revoked one is refused by the lookup after the signature check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from touchpoint.models.locations import Touchpoint
from touchpoint.qr.signing import signature, signature_matches

PURPOSE = "qr"
SIGNATURE_BYTES = 12
MAX_TOKEN_LENGTH = 256
_TENANT_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_VERSION_RE = re.compile(r"^[1-9][0-9]{0,8}$")


@dataclass(frozen=True)
class TouchpointRef:
    """The touchpoint a token names, and the token version it was signed for."""

    tenant_id: str
    location_id: str
    touchpoint_id: str
    version: int

    @property
    def message(self) -> str:
        """The signed part of the token."""
        return f"{self.tenant_id}.{self.location_id}.{self.touchpoint_id}.{self.version}"


def sign_token(secret: str, ref: TouchpointRef) -> str:
    """The QR token of a touchpoint at a token version."""
    for value, pattern in (
        (ref.tenant_id, _TENANT_RE),
        (ref.location_id, _ID_RE),
        (ref.touchpoint_id, _ID_RE),
    ):
        if not pattern.match(value):
            raise ValueError(f"{value!r} cannot be part of a QR token")
    if ref.version < 1:
        raise ValueError("token versions start at 1")
    return f"{ref.message}.{signature(secret, PURPOSE, ref.message, SIGNATURE_BYTES)}"


def token_for(secret: str, touchpoint: Touchpoint) -> str:
    """The QR token of a touchpoint's current version."""
    ref = TouchpointRef(
        touchpoint.tenant_id, touchpoint.location_id, touchpoint.touchpoint_id, touchpoint.token_version
    )
    return sign_token(secret, ref)


def parse_token(token: str) -> tuple[TouchpointRef, str] | None:
    """The unverified reference and signature of a well-formed token, or None.

    Only the shape is checked here: the caller looks up the tenant's secret by `tenant_id` and then
    calls `verify_token`.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    parts = token.split(".")
    if len(parts) != 5:
        return None
    tenant, location, touchpoint, version, sig = parts
    if not (
        _TENANT_RE.match(tenant)
        and _ID_RE.match(location)
        and _ID_RE.match(touchpoint)
        and _VERSION_RE.match(version)
        and sig
    ):
        return None
    return TouchpointRef(tenant, location, touchpoint, int(version)), sig


def verify_token(secret: str, token: str) -> TouchpointRef | None:
    """The reference of a token whose signature is valid for this secret, else None."""
    parsed = parse_token(token)
    if parsed is None:
        return None
    ref, sig = parsed
    if not signature_matches(secret, PURPOSE, ref.message, sig, SIGNATURE_BYTES):
        return None
    return ref
