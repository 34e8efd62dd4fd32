"""Store scope: a store manager sees and acts only on the stores they are given.

Applied twice, on purpose. The routing place (`touchpoint.web.routing.route`) refuses any request
that *names* a store outside the caller's scope, as the path's `location_id` or the query's
`location` / `location_id`, with the same 404 an unknown store gets (so a scope reveals nothing
about other stores). Every query that lists or counts things across stores then keeps only what
`can_see` allows, so nothing of another store leaks through a listing, a total or an export.
Answers and cases without a store (an e-mail survey) belong to the whole tenant: a scoped
person does not see them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from touchpoint.web.auth import Principal
from touchpoint.web.errors import ApiError, not_found

T = TypeVar("T")

#: The query parameters that name one store.
LOCATION_QUERY_PARAMS = ("location", "location_id")


def is_scoped(principal: Principal | None) -> bool:
    """True when the caller is limited to some stores."""
    return principal is not None and principal.locations is not None


def can_see(principal: Principal | None, location_id: str | None) -> bool:
    """True when the caller may see data of this store (None: data of no store)."""
    if principal is None or principal.locations is None:
        return True
    return location_id is not None and location_id in principal.locations


def require_location(principal: Principal | None, location_id: str | None) -> None:
    """404 (as for an unknown store) when the caller may not see this store."""
    if not can_see(principal, location_id):
        raise not_found("location")


def visible(
    principal: Principal | None, items: Iterable[T], location_of: Callable[[T], str | None]
) -> list[T]:
    """The items of stores the caller may see."""
    return [item for item in items if can_see(principal, location_of(item))]


def check_named_locations(
    principal: Principal | None, uri_params: Mapping[str, Any], query: Mapping[str, Any] | None
) -> None:
    """Refuse (404) a request naming a store outside the caller's scope, by path or query."""
    if not is_scoped(principal):
        return
    named: list[str] = []
    if uri_params.get("location_id") is not None:
        named.append(str(uri_params["location_id"]))
    if query:
        getlist = getattr(query, "getlist", None)
        for name in LOCATION_QUERY_PARAMS:
            if name in query:
                named += [str(v) for v in (getlist(name) if getlist else [query[name]])]
    for location_id in named:
        if not can_see(principal, location_id):
            raise not_found("location")


def scope_error(principal: Principal | None) -> ApiError | None:
    """A 403 for tenant-wide data a scoped caller may not read (None when they may)."""
    if is_scoped(principal):
        return ApiError(403, "forbidden", "this is tenant-wide data; your account sees only its stores")
    return None
