"""Content addressing: canonical event bytes and the messageId of an event sent without one.

A retried request must give the same messageIds (readers count an event once by it), so what is
hashed leaves out what changes between attempts: `sentAt` (the SDKs set it anew on each attempt),
`receivedAt` and `writeKey`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

VOLATILE_KEYS = frozenset({"sentAt", "receivedAt", "writeKey"})


def canonical_bytes(event: dict[str, Any]) -> bytes:
    """The event as sorted, compact UTF-8 JSON without its volatile keys.

    Raises UnicodeEncodeError for text with an unpaired UTF-16 surrogate (not storable as UTF-8).
    """
    stable = {k: v for k, v in event.items() if k not in VOLATILE_KEYS}
    text = json.dumps(stable, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def derived_message_id(canonical: bytes, index: int) -> str:
    """A deterministic messageId for an event that has none: its content and place in the request."""
    digest = hashlib.sha256(f"{index}\n".encode() + canonical).hexdigest()
    return f"tp-{digest[:32]}"
