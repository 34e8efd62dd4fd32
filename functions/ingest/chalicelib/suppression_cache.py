"""Person ids this container found absent from the suppression list, and at which generation.

The erasure raises the tenant's suppression generation after it has written the erased ids (see
`touchpoint.storage.identity`). An id found absent while the generation was `g` is still absent
while a later strongly consistent read of the generation gives `g` again, so a request checks only
the ids not cleared at the current generation. Ids found on the list are never remembered: they
are read again every time.

The generation itself is read at most once per `GENERATION_TTL_SECONDS` per tenant and container
(issue 12 allows it): an erasure reaches every container within 60 seconds (docs/SECURITY.md).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable

from touchpoint.storage.identity import IdentityRepository

MAX_IDS = 200_000
GENERATION_TTL_SECONDS = 60.0


def now() -> float:
    """The cache's clock (seconds, monotonic); tests replace it to move time on."""
    return time.monotonic()


_LOCK = threading.Lock()
# Keyed by repository so that a new runtime (tests, the local stack) starts with an empty cache.
_CLEARED: weakref.WeakKeyDictionary[IdentityRepository, OrderedDict[tuple[str, str], int]] = (
    weakref.WeakKeyDictionary()
)

_GENERATIONS: weakref.WeakKeyDictionary[IdentityRepository, dict[str, tuple[float, int]]] = (
    weakref.WeakKeyDictionary()
)


def current_generation(
    repository: IdentityRepository, tenant_id: str, clock: Callable[[], float] | None = None
) -> int:
    """The tenant's suppression generation, read at most once per `GENERATION_TTL_SECONDS` of `clock`."""
    current = (clock or now)()
    with _LOCK:
        entry = _GENERATIONS.get(repository, {}).get(tenant_id)
    if entry is not None and entry[0] > current:
        return entry[1]
    generation = repository.suppression_generation(tenant_id)
    with _LOCK:
        _GENERATIONS.setdefault(repository, {})[tenant_id] = (current + GENERATION_TTL_SECONDS, generation)
    return generation


def unchecked(
    repository: IdentityRepository, tenant_id: str, generation: int, person_ids: Iterable[str]
) -> set[str]:
    """The ids not found absent from the list at `generation` (these must be read)."""
    with _LOCK:
        cleared = _CLEARED.get(repository)
        if cleared is None:
            return set(person_ids)
        result: set[str] = set()
        for person_id in person_ids:
            key = (tenant_id, person_id)
            if cleared.get(key) == generation:
                cleared.move_to_end(key)
            else:
                result.add(person_id)
        return result


def remember_cleared(
    repository: IdentityRepository, tenant_id: str, generation: int, person_ids: Iterable[str]
) -> None:
    """Note ids read and found absent from the list; `generation` was read before that read."""
    with _LOCK:
        cleared = _CLEARED.setdefault(repository, OrderedDict())
        for person_id in person_ids:
            key = (tenant_id, person_id)
            cleared[key] = generation
            cleared.move_to_end(key)
        while len(cleared) > MAX_IDS:
            cleared.popitem(last=False)
