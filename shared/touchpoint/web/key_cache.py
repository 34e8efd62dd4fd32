"""Write-key records remembered per container for up to `WRITE_KEY_TTL_SECONDS` (issue 12).

Routes that take only write keys (the tracking API, survey answers) are called once per event by
browsers and apps; reading the key's record on every call is one DynamoDB read per request. A
found, active write key is therefore remembered for at most 60 seconds, so a revoked or rotated
write key stops working within 60 seconds (docs/SECURITY.md). Unknown, revoked and non-write
keys are never remembered (a new key works at once; a wrong key is read again every time), and
the cache holds SHA-256 digests of keys, never the keys, bounded to `MAX_KEYS` entries.
"""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable

from touchpoint.models.tenants import ApiKeyRecord, KeyKind
from touchpoint.web.auth import KeyLookup

WRITE_KEY_TTL_SECONDS = 60.0
MAX_KEYS = 10_000


def now() -> float:
    """The caches' clock (seconds, monotonic); tests replace it to move time on."""
    return time.monotonic()


class CachedWriteKeys:
    """A `KeyLookup` that remembers active write-key records for `ttl_s` seconds of `clock` (default: `now`)."""

    def __init__(
        self,
        keys: KeyLookup,
        *,
        ttl_s: float = WRITE_KEY_TTL_SECONDS,
        clock: Callable[[], float] | None = None,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self._keys = keys
        self._ttl_s = ttl_s
        self._clock = clock
        self._max_keys = max_keys
        self._lock = threading.Lock()
        self._records: OrderedDict[bytes, tuple[float, ApiKeyRecord]] = OrderedDict()

    def clear(self) -> None:
        """Forget every remembered key (the next lookup of each reads the table)."""
        with self._lock:
            self._records.clear()

    def find_key(self, key: str) -> ApiKeyRecord | None:
        """The key's record: from the cache while fresh, otherwise read (and remembered if an active write key)."""
        digest = hashlib.sha256(key.encode("utf-8")).digest()
        current = (self._clock or now)()
        with self._lock:
            entry = self._records.get(digest)
            if entry is not None and entry[0] > current:
                return entry[1]
        record = self._keys.find_key(key)
        with self._lock:
            if record is not None and record.active and record.kind is KeyKind.WRITE:
                self._records[digest] = (current + self._ttl_s, record)
                self._records.move_to_end(digest)
                while len(self._records) > self._max_keys:
                    self._records.popitem(last=False)
            else:
                self._records.pop(digest, None)
        return record


_LOCK = threading.Lock()
# One cache per repository, so that a new runtime (tests, the local stack) starts empty.
_CACHES: weakref.WeakKeyDictionary[KeyLookup, CachedWriteKeys] = weakref.WeakKeyDictionary()


def cached_write_keys(keys: KeyLookup) -> CachedWriteKeys:
    """The container's write-key cache in front of `keys` (one per repository)."""
    with _LOCK:
        cache = _CACHES.get(keys)
        if cache is None:
            cache = _CACHES[keys] = CachedWriteKeys(keys)
        return cache
