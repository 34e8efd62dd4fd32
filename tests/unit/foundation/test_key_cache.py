"""Write keys remembered per container: a revoked write key fails within 60 s, nothing else is remembered."""

from __future__ import annotations

from datetime import UTC, datetime

from touchpoint.keys import generate_key, hash_key
from touchpoint.models.tenants import ApiKeyRecord, KeyKind
from touchpoint.web.auth import WRITE, authenticate
from touchpoint.web.errors import ApiError
from touchpoint.web.key_cache import WRITE_KEY_TTL_SECONDS, CachedWriteKeys


class Keys:
    """A key store that counts its reads; `revoke` marks a key revoked as the repository does."""

    def __init__(self) -> None:
        self.records: dict[str, ApiKeyRecord] = {}
        self.reads = 0

    def add(self, kind: KeyKind) -> str:
        key = generate_key(kind)
        self.records[key] = ApiKeyRecord(
            key_id=f"k{len(self.records)}",
            tenant_id="acme",
            kind=kind,
            key_hash=hash_key(key),
            created_at=datetime.now(UTC),
        )
        return key

    def revoke(self, key: str) -> None:
        self.records[key] = self.records[key].model_copy(update={"revoked_at": datetime.now(UTC)})

    def find_key(self, key: str) -> ApiKeyRecord | None:
        self.reads += 1
        return self.records.get(key)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _accepted(cache: CachedWriteKeys, key: str) -> bool:
    try:
        authenticate({"Authorization": f"Bearer {key}"}, lambda: None, WRITE, cache)
    except ApiError as error:
        if error.status != 401:
            raise
        return False
    return True


def test_a_revoked_write_key_is_refused_within_60_seconds() -> None:
    keys, clock = Keys(), Clock()
    cache = CachedWriteKeys(keys, clock=clock)
    key = keys.add(KeyKind.WRITE)
    assert _accepted(cache, key) and keys.reads == 1
    keys.revoke(key)
    clock.t += WRITE_KEY_TTL_SECONDS - 0.001  # still remembered: accepted without a read
    assert _accepted(cache, key) and keys.reads == 1
    clock.t += 0.001  # 60 s after the read: read again, refused
    assert not _accepted(cache, key) and keys.reads == 2
    assert not _accepted(cache, key) and keys.reads == 3  # a revoked key is never remembered


def test_within_60_seconds_a_write_key_is_read_once() -> None:
    keys, clock = Keys(), Clock()
    cache = CachedWriteKeys(keys, clock=clock)
    key = keys.add(KeyKind.WRITE)
    for _ in range(5):
        clock.t += 10
        assert _accepted(cache, key)
    assert keys.reads == 1  # 40 s after the first read
    clock.t += 20
    assert _accepted(cache, key) and keys.reads == 2


def test_unknown_read_and_admin_keys_are_read_every_time() -> None:
    keys, clock = Keys(), Clock()
    cache = CachedWriteKeys(keys, clock=clock)
    unknown = generate_key(KeyKind.WRITE)
    assert cache.find_key(unknown) is None and cache.find_key(unknown) is None
    assert keys.reads == 2
    # a key issued after a miss works at once
    keys.records[unknown] = ApiKeyRecord(
        key_id="new",
        tenant_id="acme",
        kind=KeyKind.WRITE,
        key_hash=hash_key(unknown),
        created_at=datetime.now(UTC),
    )
    assert _accepted(cache, unknown) and keys.reads == 3
    for kind in (KeyKind.READ, KeyKind.ADMIN):
        key = keys.add(kind)
        before = keys.reads
        assert cache.find_key(key) is not None and cache.find_key(key) is not None
        assert keys.reads == before + 2


def test_the_cache_is_bounded_and_holds_no_key() -> None:
    keys, clock = Keys(), Clock()
    cache = CachedWriteKeys(keys, clock=clock, max_keys=2)
    first, second, third = (keys.add(KeyKind.WRITE) for _ in range(3))
    for key in (first, second, third):
        cache.find_key(key)
    assert keys.reads == 3
    cache.find_key(third)
    cache.find_key(second)
    assert keys.reads == 3  # the two newest are remembered
    cache.find_key(first)
    assert keys.reads == 4  # the oldest was dropped
    remembered = repr(vars(cache))
    assert all(key not in remembered for key in (first, second, third))
