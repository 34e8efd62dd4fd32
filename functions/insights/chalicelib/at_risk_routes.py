"""Routes of the people at risk (wiring only: logic in at_risk_views)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib.lazy import LazyModule
from touchpoint.runtime import get_runtime
from touchpoint.web.auth import READ, Principal
from touchpoint.web.console.wiring import request_of
from touchpoint.web.contract import DAY, LANG, Operation, Param
from touchpoint.web.errors import ApiError
from touchpoint.web.routing import route

if TYPE_CHECKING:
    from chalicelib import at_risk_views, loop_pages
else:  # loaded by the first request that needs it
    at_risk_views = LazyModule("chalicelib.at_risk_views")
    loop_pages = LazyModule("chalicelib.loop_pages")

bp = Blueprint(__name__)

DATE = Param("date", "the tenant-local day, YYYY-MM-DD (default: yesterday)", DAY)


def _page_error(error: ApiError) -> Response:
    return loop_pages.page_error(bp.current_request, error)


@route(bp, "/v1/people/at-risk", access=READ, doc=Operation(query=(DATE,)))
def get_people_at_risk(principal: Principal) -> dict[str, Any]:
    """People whose engagement score fell by 20 points or more in the 30 days up to `date`."""
    return at_risk_views.at_risk_document(get_runtime(), principal, request_of(bp).query_params)


@route(bp, "/v1/people/at-risk.csv", access=READ, doc=Operation(query=(DATE,), media_type="text/csv"))
def get_people_at_risk_csv(principal: Principal) -> Response:
    """The people at risk as CSV."""
    return at_risk_views.at_risk_csv(get_runtime(), principal, request_of(bp).query_params)


@route(
    bp,
    "/dashboard/at-risk",
    access=READ,
    on_error=_page_error,
    doc=Operation(query=(DATE, LANG), media_type="text/html"),
)
def get_at_risk_page(principal: Principal) -> Response:
    """The people at risk: score, change, last visit, last feedback, CLV to date, open a case."""
    return at_risk_views.at_risk_page(get_runtime(), principal, request_of(bp))
