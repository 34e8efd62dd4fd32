"""Routes of the surveys console (`/console/surveys...`). Wiring only: `survey_console` does the work."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib import survey_console
from touchpoint.runtime import get_runtime
from touchpoint.web.auth import EDIT, READ, Principal
from touchpoint.web.contract import FORM_FIELDS, LANG, Operation, Param
from touchpoint.web.errors import ApiError
from touchpoint.web.routing import route

bp = Blueprint(__name__)

SURVEYS = "/console/surveys"
SURVEY = SURVEYS + "/{survey_id}"
FORM = ["application/x-www-form-urlencoded"]
PAGE = Operation(query=(LANG,), media_type="text/html", html_errors=True)
POSTED = Operation(
    body=FORM_FIELDS,
    query=(LANG,),
    status=303,
    statuses={
        400: "invalid input (the form again, nothing stored)",
        403: "a cross-site post or a role below editor",
        409: "someone else saved meanwhile, or the change is not allowed in the survey's state",
    },
    media_type="text/html",
    html_errors=True,
)
PERIOD = (
    Param("from", "first tenant-local day (YYYY-MM-DD; default 29 days before `to`)"),
    Param("to", "last tenant-local day (YYYY-MM-DD; default today)"),
)
RESULTS_PAGE = Operation(query=(LANG, *PERIOD), media_type="text/html", html_errors=True)


def _request() -> Request:
    request = bp.current_request
    assert request is not None
    return request


def _on_error(error: ApiError) -> Response:
    return survey_console.page_error(bp.current_request, error)


@route(bp, SURVEYS, access=READ, on_error=_on_error, doc=PAGE)
def surveys_page(principal: Principal) -> Response:
    """The tenant's surveys: status, responses of the last 30 days, links."""
    return survey_console.list_page(get_runtime(), _request(), principal)


@route(bp, SURVEYS + "/new", access=EDIT, on_error=_on_error, doc=PAGE)
def new_survey_page(principal: Principal) -> Response:
    """The editor of a new survey."""
    return survey_console.new_page(get_runtime(), _request(), principal)


@route(
    bp, SURVEYS + "/new", access=EDIT, methods=["POST"], content_types=FORM, on_error=_on_error, doc=POSTED
)
def create_survey_form(principal: Principal) -> Response:
    """A button of the new survey's editor (save creates a draft)."""
    return survey_console.save(get_runtime(), _request(), principal, None)


@route(bp, SURVEY + "/edit", access=EDIT, on_error=_on_error, doc=PAGE)
def edit_survey_page(principal: Principal, survey_id: str) -> Response:
    """The editor of a stored survey."""
    return survey_console.edit_page(get_runtime(), _request(), principal, survey_id)


@route(
    bp, SURVEY + "/edit", access=EDIT, methods=["POST"], content_types=FORM, on_error=_on_error, doc=POSTED
)
def save_survey(principal: Principal, survey_id: str) -> Response:
    """A button of the editor (save stores the survey if unchanged since it was read)."""
    return survey_console.save(get_runtime(), _request(), principal, survey_id)


@route(bp, SURVEY + "/preview", access=READ, on_error=_on_error, doc=PAGE)
def preview_survey(principal: Principal, survey_id: str) -> Response:
    """The survey exactly as respondents see it (`lang`)."""
    return survey_console.preview(get_runtime(), _request(), principal, survey_id)


@route(
    bp,
    SURVEY + "/activate",
    access=EDIT,
    methods=["POST"],
    content_types=FORM,
    on_error=_on_error,
    doc=POSTED,
)
def activate_survey_form(principal: Principal, survey_id: str) -> Response:
    """Start taking responses."""
    return survey_console.change_status(get_runtime(), _request(), principal, survey_id, "activate")


@route(
    bp, SURVEY + "/close", access=EDIT, methods=["POST"], content_types=FORM, on_error=_on_error, doc=POSTED
)
def close_survey_form(principal: Principal, survey_id: str) -> Response:
    """Stop taking responses."""
    return survey_console.change_status(get_runtime(), _request(), principal, survey_id, "close")


@route(bp, SURVEY + "/results", access=READ, on_error=_on_error, doc=RESULTS_PAGE)
def survey_results_page(principal: Principal, survey_id: str) -> Response:
    """The survey's results (`from`, `to`): tables with bars, themes, the CSV link."""
    return survey_console.results_page(get_runtime(), _request(), principal, survey_id)
