"""The surveys function: NPS/CSAT/CES surveys and responses. Wiring only: routes call chalicelib logic.

Admin key: create, update, activate, close and list surveys; list and export responses.
Write key (apps, e-mail landing pages): read an active survey, post a response, complete a partial.
Admin key, people's rights (this function owns the people-facing data; the logic is shared with
the CLI in `touchpoint.privacy`): erase a person, export what is stored about them, erasure status.
"""

from typing import Any

from chalice.app import Chalice, Response

from chalicelib import admin, collect, export, listing, people, results_api, survey_console_routes
from chalicelib.requests import (
    MAX_DEFINITION_BYTES,
    MAX_RESPONSE_BYTES,
    SurveyUpdate,
    json_body,
    parse_model,
    query,
)
from touchpoint.models.surveys import CHANNELS, ResponseSubmission, SubmittedResponse, SurveyDefinition
from touchpoint.models.tenants import KeyKind
from touchpoint.runtime import get_runtime
from touchpoint.settings import get_settings
from touchpoint.surveys.service import SurveyService
from touchpoint.web.auth import ADMIN, READ, WRITE, Access, Principal
from touchpoint.web.base_path import request_base_path
from touchpoint.web.contract import Operation, Param
from touchpoint.web.health import register_health
from touchpoint.web.middleware import register_observability
from touchpoint.web.routing import json_response, route

get_settings()  # validate the environment at cold start: a bad variable stops the function here

app = Chalice(app_name="touchpoint-surveys")
register_observability(app)

register_health(
    app, "surveys", tables=["cases_table", "config_table", "responses_table", "state_table"], bucket=True
)

ADMIN_OR_WRITE = Access.of(KeyKind.ADMIN, KeyKind.WRITE)

app.register_blueprint(survey_console_routes.bp)  # the surveys console (/console/surveys...)

# The contract's query parameters and outcomes (`touchpoint openapi`).
CONFLICT = "the survey's state does not allow it (see `code`)"
TOO_LARGE = "the body is over its size limit"
STATUS = Param(
    "status", "only surveys in this state", {"type": "string", "enum": ["draft", "active", "closed"]}
)
FILTERS = (
    Param("channel", "only this channel", {"type": "string", "enum": list(CHANNELS)}),
    Param("location", "only this store (location id)"),
    Param("from", "from this day (YYYY-MM-DD) or instant (ISO 8601 with a zone)"),
    Param("to", "up to this day (inclusive) or instant"),
)
PAGE = (
    Param(
        "limit", "responses per page (1-500, default 100)", {"type": "integer", "minimum": 1, "maximum": 500}
    ),
    Param("next", "the `next` token of the previous page"),
)
EXPORT = (
    Param("survey_id", "the survey", required=True),
    Param("format", "csv (default) or JSON lines", {"type": "string", "enum": ["csv", "jsonl"]}),
)
PERSON_PAGE = (
    Param("after", "the `next` cursor of the previous page"),
    Param("limit", "lines per page", {"type": "integer", "minimum": 1, "maximum": 10000}),
)


def _service() -> SurveyService:
    return SurveyService(get_runtime())


def _request() -> Any:
    request = app.current_request
    assert request is not None
    return request


@route(
    app,
    "/v1/surveys",
    access=ADMIN,
    methods=["POST"],
    doc=Operation(body=SurveyDefinition, status=201, statuses={409: CONFLICT, 413: TOO_LARGE}),
)
def create_survey(principal: Principal) -> Response:
    """Create a draft survey."""
    definition = parse_model(SurveyDefinition, json_body(_request(), MAX_DEFINITION_BYTES))
    return json_response(201, admin.create_survey(get_runtime(), principal, definition))


@route(app, "/v1/surveys", access=ADMIN, methods=["GET"], doc=Operation(query=(STATUS,)))
def list_surveys(principal: Principal) -> Any:
    """The tenant's surveys (`status` filter)."""
    return admin.list_surveys(_service(), principal.tenant_id, query(_request()))


@route(app, "/v1/surveys/{survey_id}", access=ADMIN_OR_WRITE, methods=["GET"])
def get_survey(principal: Principal, survey_id: str) -> Any:
    """Admin key: the full survey. Write key: an active survey as respondents see it."""
    if principal.kind is KeyKind.WRITE:
        return collect.respondent_survey(_service(), principal.tenant_id, survey_id)
    return admin.get_survey(_service(), principal.tenant_id, survey_id)


@route(
    app,
    "/v1/surveys/{survey_id}",
    access=ADMIN,
    methods=["PUT"],
    doc=Operation(body=SurveyUpdate, statuses={409: CONFLICT, 413: TOO_LARGE}),
)
def update_survey(principal: Principal, survey_id: str) -> Any:
    """Replace a survey's definition (`version` in the body: only if unchanged since read)."""
    body = json_body(_request(), MAX_DEFINITION_BYTES)
    definition = parse_model(SurveyDefinition, {k: v for k, v in body.items() if k != "version"})
    return admin.update_survey(get_runtime(), principal, survey_id, body, definition)


@route(
    app,
    "/v1/surveys/{survey_id}/activate",
    access=ADMIN,
    methods=["POST"],
    doc=Operation(statuses={409: CONFLICT}),
)
def activate_survey(principal: Principal, survey_id: str) -> Any:
    """Start taking responses."""
    return admin.change_status(get_runtime(), principal, survey_id, "activate")


@route(
    app,
    "/v1/surveys/{survey_id}/close",
    access=ADMIN,
    methods=["POST"],
    doc=Operation(statuses={409: CONFLICT}),
)
def close_survey(principal: Principal, survey_id: str) -> Any:
    """Stop taking responses."""
    return admin.change_status(get_runtime(), principal, survey_id, "close")


@route(
    app,
    "/v1/surveys/{survey_id}/responses",
    access=WRITE,
    methods=["POST"],
    doc=Operation(
        body=ResponseSubmission,
        response=SubmittedResponse,
        status=201,
        statuses={409: CONFLICT, 413: TOO_LARGE},
    ),
)
def post_response(principal: Principal, survey_id: str) -> Response:
    """Take a response (partial with `"complete": false`)."""
    submission = collect.submission_from(json_body(_request(), MAX_RESPONSE_BYTES))
    return collect.submit(_service(), principal.tenant_id, survey_id, submission)


@route(
    app,
    "/v1/surveys/{survey_id}/responses/{response_id}",
    access=WRITE,
    methods=["PUT"],
    doc=Operation(
        body=ResponseSubmission, response=SubmittedResponse, statuses={409: CONFLICT, 413: TOO_LARGE}
    ),
)
def complete_response(principal: Principal, survey_id: str, response_id: str) -> Response:
    """Add answers to a partial response and complete it."""
    submission = collect.submission_from(json_body(_request(), MAX_RESPONSE_BYTES))
    return collect.complete(_service(), principal.tenant_id, survey_id, response_id, submission)


@route(
    app,
    "/v1/surveys/{survey_id}/responses",
    access=ADMIN,
    methods=["GET"],
    doc=Operation(query=FILTERS + PAGE),
)
def list_responses(principal: Principal, survey_id: str) -> Any:
    """A page of the survey's responses (`channel`, `location`, `from`, `to`, `limit`, `next`)."""
    return listing.list_responses(get_runtime(), principal.tenant_id, survey_id, query(_request()))


@route(
    app,
    "/v1/surveys/{survey_id}/results",
    access=READ,
    methods=["GET"],
    doc=Operation(query=survey_console_routes.PERIOD),
)
def survey_results(principal: Principal, survey_id: str) -> Any:
    """Responses per day, completion, score histograms, NPS split, choices and themes (`from`, `to`)."""
    return results_api.results_json(get_runtime(), principal, survey_id, query(_request()))


@route(
    app,
    "/v1/surveys/{survey_id}/results.csv",
    access=READ,
    methods=["GET"],
    doc=Operation(query=survey_console_routes.PERIOD, media_type="text/csv"),
)
def survey_results_csv(principal: Principal, survey_id: str) -> Response:
    """The results as CSV (one long table: section, question, key, count, share)."""
    return results_api.results_csv(get_runtime(), principal, survey_id, query(_request()))


@route(
    app,
    "/v1/responses/export",
    access=ADMIN,
    methods=["GET"],
    doc=Operation(
        query=EXPORT + FILTERS,
        media_type="text/csv",
        statuses={303: "too large to answer inline: `Location` is a download URL", 404: "no such survey"},
    ),
)
def export_responses(principal: Principal) -> Response:
    """A survey's responses as CSV or JSON lines (inline when small, else 303 to a download URL)."""
    return export.export_request(get_runtime(), principal.tenant_id, query(_request()))


@route(
    app,
    "/v1/people/{person_id}",
    access=ADMIN,
    methods=["DELETE"],
    doc=Operation(statuses={202: "erased where it could be now; the lake part continues later"}),
)
def erase_person(principal: Principal, person_id: str) -> Response:
    """Erase everything stored about a person (200 done, 202 when the lake part continues later)."""
    return people.erase(get_runtime(), principal, person_id, request_base_path(app.current_request))


@route(app, "/v1/people/{person_id}/export", access=ADMIN, methods=["GET"], doc=Operation(query=PERSON_PAGE))
def export_person(principal: Principal, person_id: str) -> Any:
    """Everything stored about a person, as JSON, page by page (`after`, `limit`)."""
    return people.export(get_runtime(), principal, person_id, query(_request()))


@route(app, "/v1/erasures/{erasure_id}", access=ADMIN, methods=["GET"])
def erasure_status(principal: Principal, erasure_id: str) -> Any:
    """Where an erasure stands and what it removed."""
    return people.erasure_status(get_runtime(), principal, erasure_id)
