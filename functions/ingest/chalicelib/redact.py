"""Rejected input gets the protection accepted events get before it is quarantined (pure).

Accepted events have `context.ip` truncated (dropped when it is not an IP) and the contact traits
(`email`, `phone`) of `traits` and `context.traits` replaced by salted hashes unless the tenant
stores them. `redact_event` does the same to a copy of a rejected event; `redact_body` to every
event of a request body that was refused as a whole (unreadable envelope, too large) when its
bytes, or their gzip content, still parse as JSON (a body with nothing to protect is kept as it
came). A body that does not parse is kept as it came: it cannot be taken apart safely (the
quarantine line says `redacted: false`).
"""

from __future__ import annotations

import functools
import json
import zlib
from dataclasses import dataclass
from typing import Any

from touchpoint.privacy import protect_contact_traits, truncate_ip

#: Lambda's own request limit: no body to redact can be larger once decompressed.
MAX_REDACTED_BYTES = 6 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


# A batch's events usually share one address: truncate each distinct one once.
_truncated_text = functools.lru_cache(maxsize=4096)(truncate_ip)


def _truncate(value: Any) -> str | None:
    return _truncated_text(value) if isinstance(value, str) else truncate_ip(value)


@dataclass(frozen=True)
class Protection:
    """How a tenant's events are protected: whether contact traits are stored, and their salt."""

    store_contact_traits: bool
    contact_salt: bytes


def protect_context(context: dict[str, Any], protection: Protection) -> tuple[dict[str, Any], bool]:
    """`context` (changed in place) with the IP truncated and contact traits hashed.

    Returns the context and whether a non-empty `ip` that is not an IP address was dropped.
    """
    dropped = False
    if "ip" in context:
        original = context["ip"]
        truncated = _truncate(original)
        if truncated is None:
            context.pop("ip")
            dropped = original not in (None, "")
        else:
            context["ip"] = truncated
    traits = context.get("traits")
    if not protection.store_contact_traits and isinstance(traits, dict):
        protected = protect_contact_traits(traits, protection.contact_salt)
        if protected is not None:
            context["traits"] = protected
    return context, dropped


def protect_traits(event: dict[str, Any], protection: Protection) -> None:
    """Hash the contact values of the event's own `traits` (in place) unless they are stored."""
    traits = event.get("traits")
    if not protection.store_contact_traits and isinstance(traits, dict):
        protected = protect_contact_traits(traits, protection.contact_salt)
        if protected is not None:
            event["traits"] = protected


def redact_event(raw: Any, protection: Protection) -> Any:
    """A copy of a raw event with its IP and contact traits protected (other values as they are)."""
    if not isinstance(raw, dict):
        return raw
    event = dict(raw)
    context = event.get("context")
    if isinstance(context, dict):
        event["context"], _ = protect_context(dict(context), protection)
    protect_traits(event, protection)
    return event


def redact_payload(payload: Any, protection: Protection) -> Any:
    """A parsed body with every event it carries redacted (a batch's items and its context)."""
    if not isinstance(payload, dict):
        return payload
    redacted = redact_event(payload, protection)  # a single event, or a batch's shared context
    batch = payload.get("batch")
    if isinstance(batch, list):
        redacted["batch"] = [redact_event(event, protection) for event in batch]
    return redacted


def _inflate(raw: bytes) -> bytes | None:
    out = bytearray()
    rest = raw
    try:
        while rest:
            inflater = zlib.decompressobj(wbits=31)
            out += inflater.decompress(rest, MAX_REDACTED_BYTES - len(out) + 1)
            if len(out) > MAX_REDACTED_BYTES or inflater.unconsumed_tail or not inflater.eof:
                return None
            rest = inflater.unused_data
    except zlib.error:
        return None
    return bytes(out)


def redact_body(raw: bytes, protection: Protection) -> tuple[bytes, bool]:
    """A refused body made safe to keep, and whether it could be checked.

    A body that parses as JSON (gzip bodies are decompressed first, at most `MAX_REDACTED_BYTES`)
    is returned as it came when nothing in it needs protecting, else re-encoded as plain JSON
    with its events redacted: `(bytes, True)`. A body that does not parse: `(raw, False)`.
    """
    data = _inflate(raw) if raw.startswith(_GZIP_MAGIC) else raw
    if data is None or len(data) > MAX_REDACTED_BYTES:
        return raw, False
    try:
        payload = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return raw, False
    try:
        redacted = redact_payload(payload, protection)
        if redacted == payload:
            return raw, True
        # ASCII-escaped: the body may hold text that is not storable as UTF-8 (lone surrogates)
        text = json.dumps(redacted, separators=(",", ":"))
        return text.encode("ascii"), True
    except (RecursionError, ValueError):
        return raw, False
