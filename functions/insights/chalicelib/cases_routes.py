"""Routes of follow-up cases, case rules and "you said, we did" announcements. Wiring only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Request, Response

from chalicelib.announcement_inputs import AnnouncementInput
from chalicelib.case_inputs import CaseOpening, CasePatch, ReplyInput
from chalicelib.lazy import LazyModule
from touchpoint.models.case_rules import CaseRules
from touchpoint.models.cases import CaseStatus
from touchpoint.runtime import get_runtime
from touchpoint.web.auth import ADMIN, EDIT, READ, Principal
from touchpoint.web.contract import FROM_DAY, TO_DAY, Operation, Param
from touchpoint.web.routing import json_response, route

if TYPE_CHECKING:
    from chalicelib import announcements_api, cases_api
else:  # loaded by the first request that needs it
    announcements_api = LazyModule("chalicelib.announcements_api")
    cases_api = LazyModule("chalicelib.cases_api")

bp = Blueprint(__name__)

TOO_LARGE = "the body is over 16 KB"
CASE_FILTERS = (
    Param("status", "case status", {"type": "string", "enum": [s.value for s in CaseStatus]}),
    Param("location_id", "store id"),
    FROM_DAY,
    TO_DAY,
    Param("assignee", "assignee e-mail"),
    Param("limit", "cases per page (1-200, default 50)", {"type": "integer", "minimum": 1, "maximum": 200}),
    Param("cursor", "the `next` of the previous page"),
)
DRY_RUN = Param("dry_run", "count the recipients, send nothing", {"type": "boolean"})


def _request() -> Request:
    request = bp.current_request
    assert request is not None
    return request


@route(bp, "/v1/cases", access=READ, doc=Operation(query=CASE_FILTERS))
def get_cases(principal: Principal) -> dict[str, Any]:
    """The caller's visible cases, newest first (`status`, `location_id`, `from`, `to`, `assignee`, `cursor`)."""
    return cases_api.list_cases(get_runtime(), principal, _request().query_params)


@route(
    bp,
    "/v1/cases",
    access=EDIT,
    methods=["POST"],
    doc=Operation(body=CaseOpening, status=201, statuses={413: TOO_LARGE}),
)
def post_case(principal: Principal) -> Response:
    """Open a case for an answer or a person (200 with the existing case when the answer has one)."""
    status, case = cases_api.open_case(get_runtime(), principal, _request().raw_body)
    return json_response(status, case)


@route(bp, "/v1/cases/rules", access=ADMIN, doc=Operation())
def get_case_rules(principal: Principal) -> dict[str, Any]:
    """The tenant's case rules and SLA hours."""
    return cases_api.get_rules(get_runtime(), principal)


@route(
    bp,
    "/v1/cases/rules",
    access=ADMIN,
    methods=["PUT"],
    doc=Operation(body=CaseRules, statuses={413: TOO_LARGE}),
)
def put_case_rules(principal: Principal) -> dict[str, Any]:
    """Replace the tenant's case rules (rules left out: on, every store)."""
    return cases_api.put_rules(get_runtime(), principal, _request().raw_body)


@route(bp, "/v1/cases/{case_id}", access=READ, doc=Operation())
def get_case(principal: Principal, case_id: str) -> dict[str, Any]:
    """One case: its answer, history, notes, replies and whether the customer consented to contact."""
    return cases_api.get_case(get_runtime(), principal, case_id)


@route(
    bp,
    "/v1/cases/{case_id}",
    access=EDIT,
    methods=["PATCH"],
    doc=Operation(
        body=CasePatch,
        statuses={
            409: "a status change the case may not make, or the case changed meanwhile",
            413: TOO_LARGE,
        },
    ),
)
def patch_case(principal: Principal, case_id: str) -> dict[str, Any]:
    """Change the status and/or assignee, and/or add an internal note."""
    return cases_api.patch_case(get_runtime(), principal, case_id, _request().raw_body)


@route(
    bp,
    "/v1/cases/{case_id}/replies",
    access=EDIT,
    methods=["POST"],
    doc=Operation(
        body=ReplyInput,
        status=201,
        statuses={
            409: "no consent to contact the customer by e-mail (`no_consent`), or the case changed",
            413: TOO_LARGE,
            502: "SES refused the e-mail (the attempt is stored on the case)",
        },
    ),
)
def post_reply(principal: Principal, case_id: str) -> Response:
    """E-mail the customer (in their language, quoting their answer) and store the reply on the case."""
    return json_response(201, cases_api.reply(get_runtime(), principal, case_id, _request().raw_body))


@route(
    bp,
    "/v1/announcements",
    access=ADMIN,
    methods=["POST"],
    doc=Operation(
        query=(DRY_RUN,),
        body=AnnouncementInput,
        statuses={409: "the announcement id was used for another announcement", 413: TOO_LARGE},
    ),
)
def post_announcement(principal: Principal) -> dict[str, Any]:
    """Announce ("you said, we did"): e-mail every consenting respondent of a theme or store in a date range (once each)."""
    request = _request()
    return announcements_api.announce_request(
        get_runtime(), principal, request.query_params, request.raw_body
    )
