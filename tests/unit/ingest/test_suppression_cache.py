"""The suppression generation is read at most once per 60 s per tenant: a new erasure reaches ingest within 60 s."""

from __future__ import annotations

from typing import Any

from tests.unit.ingest.support import module

cache = module("suppression_cache")


class Identity:
    """Stands in for an IdentityRepository: a generation per tenant, reads counted."""

    def __init__(self) -> None:
        self.generations: dict[str, int] = {}
        self.reads = 0

    def suppression_generation(self, tenant_id: str) -> int:
        self.reads += 1
        return self.generations.get(tenant_id, 0)


class Clock:
    def __init__(self) -> None:
        self.t = 500.0

    def __call__(self) -> float:
        return self.t


def test_a_new_erasure_is_seen_within_60_seconds() -> None:
    identity: Any = Identity()
    clock = Clock()
    assert cache.current_generation(identity, "acme", clock) == 0
    identity.generations["acme"] = 1  # an erasure finished
    clock.t += cache.GENERATION_TTL_SECONDS - 0.001
    assert cache.current_generation(identity, "acme", clock) == 0 and identity.reads == 1
    clock.t += 0.001
    assert cache.current_generation(identity, "acme", clock) == 1 and identity.reads == 2


def test_ids_cleared_at_the_old_generation_are_checked_again_after_it_moves() -> None:
    identity: Any = Identity()
    clock = Clock()
    generation = cache.current_generation(identity, "acme", clock)
    cache.remember_cleared(identity, "acme", generation, {"u1", "u2"})
    assert (
        cache.unchecked(identity, "acme", cache.current_generation(identity, "acme", clock), {"u1"}) == set()
    )
    identity.generations["acme"] = 1
    clock.t += cache.GENERATION_TTL_SECONDS
    moved = cache.current_generation(identity, "acme", clock)
    assert cache.unchecked(identity, "acme", moved, {"u1", "u2"}) == {"u1", "u2"}


def test_tenants_are_read_separately() -> None:
    identity: Any = Identity()
    clock = Clock()
    identity.generations.update({"acme": 3, "globex": 7})
    assert cache.current_generation(identity, "acme", clock) == 3
    assert cache.current_generation(identity, "globex", clock) == 7
    assert cache.current_generation(identity, "acme", clock) == 3 and identity.reads == 2
