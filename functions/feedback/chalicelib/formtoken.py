"""Form tokens: a signed, single-use ticket in every rendered form (CSRF-safe, stateless to issue).

A form token reads `<tenant>.<location>.<touchpoint>.<version>.<rendered ms>.<nonce>.<signature>`,
signed (128-bit HMAC-SHA256) with the tenant's form secret for the purpose `form`, so it cannot be
made without the server, and it binds the touchpoint and QR token version it was shown for and the
time it was first shown (the minimum fill time is measured from there, also across re-renders after
a bad answer). The nonce is written to the state table when the form is submitted, once.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from touchpoint.qr.signing import b64url_encode, signature, signature_matches
from touchpoint.qr.tokens import TouchpointRef

PURPOSE = "form"
SIGNATURE_BYTES = 16
_NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,32}$")
_DIGITS_RE = re.compile(r"^[0-9]{1,16}$")


@dataclass(frozen=True)
class FormTicket:
    """What a valid form token says."""

    ref: TouchpointRef
    rendered_ms: int
    nonce: str


def new_nonce() -> str:
    """A fresh random nonce (96 bits)."""
    return b64url_encode(secrets.token_bytes(12))


def _message(ticket: FormTicket) -> str:
    return f"{ticket.ref.message}.{ticket.rendered_ms}.{ticket.nonce}"


def issue(secret: str, ticket: FormTicket) -> str:
    """The signed form token of a ticket."""
    message = _message(ticket)
    return f"{message}.{signature(secret, PURPOSE, message, SIGNATURE_BYTES)}"


def verify(secret: str, token: str, expected: TouchpointRef) -> FormTicket | None:
    """The ticket of a token signed with `secret` for the `expected` touchpoint, else None."""
    parts = token.split(".") if len(token) <= 400 else []
    if len(parts) != 7:
        return None
    tenant, location, touchpoint, version, rendered, nonce, sig = parts
    if not (_DIGITS_RE.match(version) and _DIGITS_RE.match(rendered) and _NONCE_RE.match(nonce)):
        return None
    ref = TouchpointRef(tenant, location, touchpoint, int(version))
    if ref != expected:
        return None
    ticket = FormTicket(ref, int(rendered), nonce)
    if not signature_matches(secret, PURPOSE, _message(ticket), sig, SIGNATURE_BYTES):
        return None
    return ticket
