"""Person ids this container found absent from the suppression list, and at which generation.

The erasure raises the tenant's suppression generation after it has written the erased ids (see
`touchpoint.storage.identity`). An id found absent while the generation was `g` is still absent
while a later strongly consistent read of the generation gives `g` again, so each request reads
the generation (one small read) and checks only the ids not cleared at it. Ids found on the list
are never remembered: they are read again every time.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable

from touchpoint.storage.identity import IdentityRepository

MAX_IDS = 200_000

_LOCK = threading.Lock()
# Keyed by repository so that a new runtime (tests, the local stack) starts with an empty cache.
_CLEARED: weakref.WeakKeyDictionary[IdentityRepository, OrderedDict[tuple[str, str], int]] = (
    weakref.WeakKeyDictionary()
)


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
