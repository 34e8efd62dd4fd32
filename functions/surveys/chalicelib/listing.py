"""Admin listing of a survey's responses, filtered and paginated with an opaque `next` token."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import service_errors
from chalicelib.presenters import response_view
from chalicelib.requests import PageToken, page_limit, response_filter
from touchpoint.runtime import Runtime
from touchpoint.surveys import service as survey_service
from touchpoint.surveys.service import SurveyService


def list_responses(
    runtime: Runtime, tenant_id: str, survey_id: str, params: dict[str, str]
) -> dict[str, Any]:
    """`{"responses": [...], "next": token | null}` in submission order."""
    with service_errors():
        survey = SurveyService(runtime).require_survey(tenant_id, survey_id)
    window = response_filter(params, survey, survey_service.utc_now())
    limit = page_limit(params)
    after = PageToken.decode(params["next"], survey_id).position if params.get("next") else None
    found, position = runtime.responses.page(tenant_id, survey_id, window, after=after, limit=limit)
    token = None if position is None else PageToken(survey_id, position).encode()
    return {"responses": [response_view(r) for r in found], "next": token}
