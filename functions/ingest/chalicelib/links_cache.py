"""Identity links this container already knows are stored, so returning people cost no read.

Stored links only ever change to an earlier one, so a link remembered here is never earlier than
the stored one: a candidate that does not precede the remembered link cannot precede the stored
link either and needs neither a read nor a write. Anything else is read and written as usual.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable

from touchpoint.storage.identity import IdentityLink, IdentityRepository

MAX_LINKS = 100_000

_LOCK = threading.Lock()
# Keyed by repository so that a new runtime (tests, the local stack) starts with an empty cache.
_CACHE: weakref.WeakKeyDictionary[IdentityRepository, OrderedDict[tuple[str, str], IdentityLink]] = (
    weakref.WeakKeyDictionary()
)


def unknown_links(
    repository: IdentityRepository, tenant_id: str, links: Iterable[IdentityLink]
) -> list[IdentityLink]:
    """The candidate links that may change what is stored (the others are known already)."""
    with _LOCK:
        known = _CACHE.get(repository)
        if known is None:
            return list(links)
        result = []
        for link in links:
            remembered = known.get((tenant_id, link.anonymous_id))
            if remembered is None or link.precedes(remembered):
                result.append(link)
            else:
                known.move_to_end((tenant_id, link.anonymous_id))
        return result


def remember(repository: IdentityRepository, tenant_id: str, links: Iterable[IdentityLink]) -> None:
    """Note links that are stored now (read from the table or just written)."""
    with _LOCK:
        known = _CACHE.setdefault(repository, OrderedDict())
        for link in links:
            key = (tenant_id, link.anonymous_id)
            current = known.get(key)
            if current is None or link.precedes(current):
                known[key] = link
            known.move_to_end(key)
        while len(known) > MAX_LINKS:
            known.popitem(last=False)
