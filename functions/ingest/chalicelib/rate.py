"""The tenant's rate limit, admitted from a per-container lease of the shared window.

Every admitted request is counted in the tenant's one-second window in the state table, but not
with one call each: the container claims a lease of several requests of the current second and
admits them locally. Leases double while the container uses them up within the second (1, 2, 4,
... up to `MAX_LEASE`) and never exceed an eighth of the room the window had at the last claim,
so near the limit they shrink to single requests. The window therefore never admits more than
the limit; a 429 can come early only by the requests other containers leased in the same second
and did not use (each at most an eighth of the room it saw).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from touchpoint.storage.rate_limits import RateLimitRepository

MAX_LEASE = 64
_ROOM_SHARE = 8


@dataclass
class _Lease:
    second: int
    left: int = 0
    last: int = 0
    room: int = 0


_LOCK = threading.Lock()
# Keyed by repository so that a new runtime (tests, the local stack) starts with no lease.
_LEASES: weakref.WeakKeyDictionary[RateLimitRepository, dict[str, _Lease]] = weakref.WeakKeyDictionary()


def _take_local(repository: RateLimitRepository, tenant_id: str, second: int) -> tuple[bool, int]:
    """Admit from the lease if it has room; otherwise how many to claim next."""
    with _LOCK:
        leases = _LEASES.setdefault(repository, {})
        lease = leases.get(tenant_id)
        if lease is None or lease.second != second:
            leases[tenant_id] = _Lease(second)
            return False, 1
        if lease.left > 0:
            lease.left -= 1
            return True, 0
        return False, max(1, min(2 * lease.last, MAX_LEASE, lease.room // _ROOM_SHARE))


def admit(repository: RateLimitRepository, tenant_id: str, limit: int) -> bool:
    """True when one more request of the tenant fits its limit in the current second.

    Storage errors propagate (the caller decides whether to let the request through).
    """
    second = repository.second()
    admitted, want = _take_local(repository, tenant_id, second)
    if admitted:
        return True
    granted, after = repository.lease(tenant_id, limit, want, second)
    with _LOCK:
        lease = _LEASES.setdefault(repository, {}).setdefault(tenant_id, _Lease(second))
        if lease.second == second:
            lease.left += max(0, granted - 1)
            lease.last = max(granted, 1)
            lease.room = limit - after
    return granted > 0


def forget_leases() -> None:
    """Drop every local lease (tests)."""
    with _LOCK:
        _LEASES.clear()
