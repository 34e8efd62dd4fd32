"""The webhook signature: HMAC-SHA256 over `<unix time>.<body>` with the tenant's webhook secret.

Header: `X-Touchpoint-Signature: t=<unix seconds>,v1=<hex digest>`. A receiver recomputes the
digest over the timestamp and the raw body, compares in constant time and rejects old timestamps
(replays). `verify_signature` is what a receiver in Python would run.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Touchpoint-Signature"
EVENT_HEADER = "X-Touchpoint-Event"
DELIVERY_HEADER = "X-Touchpoint-Delivery"
DEFAULT_TOLERANCE_S = 300


def new_secret() -> str:
    """A new webhook signing secret (`whsec_` + 64 hex digits)."""
    return "whsec_" + secrets.token_hex(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for a body sent at `timestamp`."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secret: str, header: str, body: bytes, now: int, tolerance_s: int = DEFAULT_TOLERANCE_S
) -> bool:
    """True when `header` signs `body` with `secret` and its time is within `tolerance_s` of `now`."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))
