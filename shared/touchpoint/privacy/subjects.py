"""Whom a privacy request is about: the id's shape, the person's ids, and the audit hash.

A person is the connected part of the identity graph around the requested id: the userId an
anonymousId (or an alias's previousId) is linked to, and every id linked to that userId, plus the
ids an earlier erasure recorded with the person on the suppression list (their links are gone).
Links come from the people table, where the earliest link of an id wins, as in the metric engine.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

MAX_PERSON_ID_LENGTH = 256
SUBJECT_HASH_PREFIX = "hmac-sha256:"
_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


class InvalidPersonIdError(ValueError):
    """The requested id cannot be a person id (names the problem)."""


def check_person_id(value: str) -> str:
    """The id unchanged when it can be a userId/anonymousId (1-256 characters, no control
    characters, not blank); InvalidPersonIdError otherwise."""
    if not value or not value.strip():
        raise InvalidPersonIdError("the person id must not be empty")
    if len(value) > MAX_PERSON_ID_LENGTH:
        raise InvalidPersonIdError(f"the person id is longer than {MAX_PERSON_ID_LENGTH} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise InvalidPersonIdError("the person id contains control characters")
    return value


def subject_hash(pepper: str, tenant_id: str, person_id: str) -> str:
    """`hmac-sha256:<hex>` of the id, keyed per tenant from the deployment's secret pepper.

    The same id always gives the same hash within a tenant (an operator holding the pepper can
    check whether an id was erased), but the hash cannot be reversed by trying ids without it.
    """
    salt = hmac.new(pepper.encode("utf-8"), f"privacy-audit:{tenant_id}".encode(), hashlib.sha256).digest()
    return SUBJECT_HASH_PREFIX + hmac.new(salt, person_id.encode("utf-8"), hashlib.sha256).hexdigest()


def _base32(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rest = divmod(number, 32)
        chars.append(_ID_ALPHABET[rest])
    return "".join(reversed(chars))


def new_request_id(prefix: str, now: datetime) -> str:
    """A new request id that sorts by time: `<prefix>` + ms timestamp + 60 random bits."""
    return prefix + _base32(int(now.timestamp() * 1000), 10) + _base32(secrets.randbits(60), 12)


def link_closure(
    person_id: str,
    links: Iterable[tuple[str, str]],
    groups: Callable[[Sequence[str]], Mapping[str, Sequence[str]]] | None = None,
) -> frozenset[str]:
    """Every id connected to `person_id` through links (`(anonymousId, userId)` pairs) or groups.

    `groups(ids)` returns, for those of `ids` on the suppression list, the ids stored with them;
    it is asked again for every id newly reached, until nothing new turns up.
    """
    neighbours: dict[str, set[str]] = defaultdict(set)
    for anonymous_id, user_id in links:
        neighbours[anonymous_id].add(user_id)
        neighbours[user_id].add(anonymous_id)
    found: set[str] = {person_id}
    frontier = [person_id]
    while frontier:
        reached: set[str] = set()
        for identifier in frontier:
            reached.update(neighbours.get(identifier, ()))
        if groups is not None:
            for group in groups(sorted(frontier)).values():
                reached.update(group)
        frontier = sorted(reached - found)
        found.update(frontier)
    return frozenset(found)
