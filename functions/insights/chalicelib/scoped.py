"""Store scope on the insights routes: a store manager reads only their stores' numbers and comments.

Metric points carry their store in `breakdown["location"]`; tenant totals and channel or survey
breakdowns carry none, so they are the whole tenant's and a scoped caller does not see them. The
wrappers here stand between the routes and the repositories, so every page and API reads through
the same filter (`touchpoint.web.scope`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from chalicelib.comment_drilldown import ResponseSource
from chalicelib.queries import MetricsReader
from touchpoint.alerts.models import FiredAlert
from touchpoint.models.surveys import StoredResponse
from touchpoint.storage.metrics import StoredPoint
from touchpoint.web.auth import Principal
from touchpoint.web.errors import ApiError
from touchpoint.web.scope import can_see, is_scoped

LOCATION = "location"


class ScopedMetrics:
    """A metrics reader that returns only the points of stores the caller may see."""

    def __init__(self, reader: MetricsReader, principal: Principal) -> None:
        self._reader = reader
        self._principal = principal

    def read(self, tenant_id: str, metric: str, first: date, last: date) -> list[StoredPoint]:
        """The points of `metric`, limited to the caller's stores."""
        points = self._reader.read(tenant_id, metric, first, last)
        return [p for p in points if can_see(self._principal, p.breakdown.get(LOCATION))]


class ScopedResponses:
    """A response source that yields only answers given at stores the caller may see."""

    def __init__(self, source: ResponseSource, principal: Principal) -> None:
        self._source = source
        self._principal = principal

    def for_tenant_period(self, tenant_id: str, start: datetime, end: datetime) -> Iterator[StoredResponse]:
        """The tenant's answers in the period, limited to the caller's stores."""
        for response in self._source.for_tenant_period(tenant_id, start, end):
            if can_see(self._principal, response.location_id):
                yield response


def metrics_reader(reader: MetricsReader, principal: Principal) -> MetricsReader:
    """The reader a caller reads metrics through (scoped callers get the filtered one)."""
    return ScopedMetrics(reader, principal) if is_scoped(principal) else reader


def response_source(source: ResponseSource, principal: Principal) -> ResponseSource:
    """The response source a caller reads comments through."""
    return ScopedResponses(source, principal) if is_scoped(principal) else source


def store_breakdown(principal: Principal, breakdown: str | None) -> str | None:
    """The breakdown a metrics query reads: a scoped caller reads store rows (403 for any other split)."""
    if not is_scoped(principal):
        return breakdown
    if breakdown in (None, LOCATION):
        return LOCATION
    raise ApiError(
        403, "forbidden", f"your account sees its stores only: breakdown {breakdown!r} is tenant-wide"
    )


def refuse_tenant_wide(principal: Principal) -> None:
    """403 for a document only the whole tenant's view has (the summary of tenant totals)."""
    if is_scoped(principal):
        raise ApiError(403, "forbidden", "your account sees its stores only: this is tenant-wide data")


def visible_alerts(principal: Principal, alerts: Iterable[FiredAlert]) -> list[FiredAlert]:
    """The fired alerts of the caller's stores (alerts on tenant totals are tenant-wide)."""
    return [a for a in alerts if can_see(principal, a.breakdown.get(LOCATION))]


def visible_alert_documents(
    principal: Principal, documents: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The public documents of fired alerts of the caller's stores."""
    return [d for d in documents if can_see(principal, (d.get("breakdown") or {}).get(LOCATION))]
