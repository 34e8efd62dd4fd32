"""API keys: generation, format and hashing. Only the hash of a key is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from touchpoint.models.tenants import KeyKind

_PREFIX = {KeyKind.WRITE: "tpw", KeyKind.READ: "tpr", KeyKind.ADMIN: "tpa"}
KEY_PATTERN = re.compile(r"^tp[wra]_[A-Za-z0-9]{32}$")


def generate_key(kind: KeyKind) -> str:
    """A new random key of the kind, e.g. `tpw_...` (190 bits of entropy)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    body = "".join(secrets.choice(alphabet) for _ in range(32))
    return f"{_PREFIX[kind]}_{body}"


def looks_like_key(candidate: str) -> bool:
    """True when the string has the shape of a Touchpoint key (cheap check before any lookup)."""
    return bool(KEY_PATTERN.match(candidate))


def hash_key(key: str, pepper: str = "") -> str:
    """The stored form of a key: HMAC-SHA256 with the deployment's pepper, hex encoded."""
    return hmac.new(pepper.encode("utf-8"), key.encode("utf-8"), hashlib.sha256).hexdigest()
