"""Respondent logic: show an active survey, take a response, complete a partial one."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.errors import service_errors
from chalicelib.presenters import respondent_survey_view
from chalicelib.requests import parse_model
from touchpoint.models.surveys import ResponseSubmission, SubmittedResponse, SurveyStatus
from touchpoint.surveys.service import SurveyService
from touchpoint.web.errors import not_found
from touchpoint.web.routing import json_response


def submission_from(body: dict[str, Any]) -> ResponseSubmission:
    """The submission in a request body (`writeKey` is the SDK-style key, not an answer field)."""
    fields = {k: v for k, v in body.items() if k != "writeKey"}
    return parse_model(ResponseSubmission, fields)


def _result(submitted: SubmittedResponse, status: int) -> Response:
    return json_response(status, submitted.model_dump(mode="json", by_alias=True))


def submit(
    service: SurveyService, tenant_id: str, survey_id: str, submission: ResponseSubmission
) -> Response:
    """Store a new response (partial or complete): 201 with its id and any coupon."""
    with service_errors():
        submitted = service.submit_response(tenant_id, survey_id, submission)
    return _result(submitted, 201)


def complete(
    service: SurveyService, tenant_id: str, survey_id: str, response_id: str, submission: ResponseSubmission
) -> Response:
    """Add answers to a partial response and (with `complete`, the default) complete it."""
    with service_errors():
        submitted = service.submit_response(
            tenant_id, survey_id, submission, response_id=response_id, must_exist=True
        )
    return _result(submitted, 200)


def respondent_survey(service: SurveyService, tenant_id: str, survey_id: str) -> dict[str, Any]:
    """An active survey for rendering (drafts and closed surveys are not found)."""
    survey = service.get_survey(tenant_id, survey_id)
    if survey is None or survey.status is not SurveyStatus.ACTIVE:
        raise not_found("survey")
    return respondent_survey_view(survey)
