"""Routes of the feedback inbox and the case pages (wiring only: logic in inbox_views, case_views)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib.inbox import DEFAULT_LIMIT, MAX_LIMIT, SENTIMENTS
from chalicelib.lazy import LazyModule
from touchpoint.loop.bands import BAND_NAMES
from touchpoint.models.cases import CaseStatus
from touchpoint.models.surveys import CHANNELS
from touchpoint.runtime import get_runtime
from touchpoint.web.auth import EDIT, READ, Principal
from touchpoint.web.console.wiring import FORM_CONTENT_TYPES, PAGE, form_post, request_of
from touchpoint.web.contract import FROM_DAY, LANG, TO_DAY, Operation, Param
from touchpoint.web.errors import ApiError
from touchpoint.web.routing import route

if TYPE_CHECKING:
    from chalicelib import case_views, inbox_views, loop_pages
else:  # loaded by the first request that needs it
    case_views = LazyModule("chalicelib.case_views")
    inbox_views = LazyModule("chalicelib.inbox_views")
    loop_pages = LazyModule("chalicelib.loop_pages")

bp = Blueprint(__name__)

HTML = "text/html"
ANSWERS = (
    Param("location", "only this store"),
    Param("survey", "only this survey"),
    Param("channel", "only this channel", {"type": "string", "enum": list(CHANNELS)}),
    Param("band", "only answers with a score in this band", {"type": "string", "enum": list(BAND_NAMES)}),
    Param(
        "sentiment",
        "only answers with a comment of this sentiment",
        {"type": "string", "enum": list(SENTIMENTS)},
    ),
    Param("theme", "only answers with a comment whose key phrase holds every word of this theme"),
    FROM_DAY,
    TO_DAY,
    Param("cursor", "where the previous page ended (its nextCursor)"),
    Param(
        "limit",
        f"answers per page (default {DEFAULT_LIMIT})",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
    ),
)
CASE_LIST = (
    Param("status", "only cases in this status", {"type": "string", "enum": [s.value for s in CaseStatus]}),
    Param("location_id", "only cases of this store"),
    Param("assignee", "only cases assigned to this e-mail address"),
    Param("cursor", "where the previous page ended"),
    LANG,
)
FORM_POST = form_post(
    {
        403: "a cross-site post",
        404: "the answer, person's store or case is not visible",
        409: "the case cannot change so",
    }
)


def _page_error(error: ApiError) -> Response:
    return loop_pages.page_error(bp.current_request, error)


@route(bp, "/v1/answers", access=READ, doc=Operation(query=ANSWERS))
def get_answers(principal: Principal) -> dict[str, Any]:
    """The inbox as JSON: complete answers newest first, filtered, one page per call (`nextCursor`)."""
    return inbox_views.answers_document(get_runtime(), principal, request_of(bp).query_params)


@route(
    bp,
    "/dashboard/inbox",
    access=READ,
    on_error=_page_error,
    doc=Operation(query=(*ANSWERS, LANG), media_type=HTML),
)
def get_inbox(principal: Principal) -> Response:
    """The inbox page: answers newest first with filters and an "open case" button."""
    return inbox_views.inbox_page(get_runtime(), principal, request_of(bp))


@route(
    bp, "/dashboard/cases", access=READ, on_error=_page_error, doc=Operation(query=CASE_LIST, media_type=HTML)
)
def get_cases_page(principal: Principal) -> Response:
    """The case list: newest first, filtered by status, store and assignee, overdue cases marked."""
    return case_views.cases_page(get_runtime(), principal, request_of(bp))


@route(
    bp,
    "/dashboard/cases",
    access=EDIT,
    methods=["POST"],
    content_types=FORM_CONTENT_TYPES,
    on_error=_page_error,
    doc=FORM_POST,
)
def post_cases_page(principal: Principal) -> Response:
    """Open a case for an answer (`response_id`, `survey_id`) or a person (`person_id`)."""
    return case_views.open_case(get_runtime(), principal, request_of(bp))


@route(
    bp,
    "/dashboard/cases/{case_id}",
    access=READ,
    on_error=_page_error,
    doc=PAGE,
)
def get_case_page(principal: Principal, case_id: str) -> Response:
    """One case: its answer, history, notes, replies, consent and the forms to act on it."""
    return case_views.case_page(get_runtime(), principal, request_of(bp), case_id)


@route(
    bp,
    "/dashboard/cases/{case_id}",
    access=EDIT,
    methods=["POST"],
    content_types=FORM_CONTENT_TYPES,
    on_error=_page_error,
    doc=FORM_POST,
)
def post_case_page(principal: Principal, case_id: str) -> Response:
    """Act on a case (`action` = status, assign, note or reply, with the `version` the form was made from)."""
    return case_views.post_case(get_runtime(), principal, request_of(bp), case_id)
