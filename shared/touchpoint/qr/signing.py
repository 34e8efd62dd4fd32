"""HMAC-SHA256 signatures over short texts, for tokens that travel in URLs and forms.

Each signature is bound to a purpose (`qr`, `form`, ...) so that a value signed for one use can
never be replayed as another, and truncated to a length that keeps URLs short while staying far
beyond guessing (96 bits or more).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

MIN_SIGNATURE_BYTES = 12


def b64url_encode(data: bytes) -> str:
    """URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes | None:
    """Decode URL-safe base64 without padding; None when the text is not valid."""
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None


def signature(secret: str, purpose: str, message: str, length: int = MIN_SIGNATURE_BYTES) -> str:
    """The truncated HMAC-SHA256 of `message` for `purpose`, base64url encoded."""
    if length < MIN_SIGNATURE_BYTES:
        raise ValueError(f"signatures shorter than {MIN_SIGNATURE_BYTES} bytes are too easy to guess")
    digest = hmac.new(
        secret.encode("utf-8"), f"touchpoint:{purpose}\x00{message}".encode(), hashlib.sha256
    ).digest()
    return b64url_encode(digest[:length])


def signature_matches(
    secret: str, purpose: str, message: str, presented: str, length: int = MIN_SIGNATURE_BYTES
) -> bool:
    """True when `presented` is the signature of `message` (compared in constant time)."""
    expected = signature(secret, purpose, message, length)
    return hmac.compare_digest(expected.encode("ascii"), presented.encode("ascii", "replace"))
