"""Content addressing: canonical event bytes, derived message ids and lake object keys.

A retried request must give the same keys, so what is hashed leaves out what changes between
attempts: `sentAt` (the SDKs set it anew on each attempt), `receivedAt` and `writeKey`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from touchpoint.storage.lake import partition_prefix

RAW_AREA = "raw/events"
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


@dataclass
class ObjectDigest:
    """The running content hash of one lake object (tenant, day, then each event in order)."""

    tenant_id: str
    day: date
    _hash: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._hash = hashlib.sha256(f"{self.tenant_id}\n{self.day.isoformat()}\n".encode())

    def add(self, message_id: str, canonical: bytes) -> None:
        """Add one event (its messageId and canonical bytes)."""
        self._hash.update(message_id.encode("utf-8") + b"\x00" + canonical + b"\n")

    def key(self) -> str:
        """`raw/events/tenant=<t>/dt=<day>/<sha256>.jsonl.gz`."""
        return f"{partition_prefix(RAW_AREA, self.tenant_id, self.day)}{self._hash.hexdigest()}.jsonl.gz"


def object_key(tenant_id: str, day: date, events: Iterable[tuple[str, bytes]]) -> str:
    """The lake key of one day's events of a request, from `(messageId, canonical bytes)` pairs."""
    digest = ObjectDigest(tenant_id, day)
    for message_id, canonical in events:
        digest.add(message_id, canonical)
    return digest.key()
