"""Which survey a touchpoint shows, through the shared survey service."""

from __future__ import annotations

from touchpoint.models.locations import Touchpoint
from touchpoint.models.surveys import Survey
from touchpoint.runtime import Runtime
from touchpoint.surveys import DEFAULT_IN_STORE_SURVEY_ID
from touchpoint.surveys.service import SurveyService
from touchpoint.web.errors import ApiError


def check_survey_exists(runtime: Runtime, tenant_id: str, survey_id: str) -> Survey:
    """The survey to bind to a touchpoint (400 naming `survey_id` when the tenant has none of that id)."""
    survey = SurveyService(runtime).get_survey(tenant_id, survey_id)
    if survey is None:
        raise ApiError(400, "unknown_survey", f"survey '{survey_id}' not found", field="survey_id")
    return survey


def ensure_default_survey(runtime: Runtime, tenant_id: str) -> Survey:
    """The tenant's active default in-store survey (one CSAT question and a comment), made on first use."""
    return SurveyService(runtime).ensure_default_in_store_survey(tenant_id)


def survey_for(runtime: Runtime, touchpoint: Touchpoint) -> Survey | None:
    """The survey a touchpoint shows: its bound survey, else the default in-store survey; None if gone."""
    service = SurveyService(runtime)
    if touchpoint.survey_id is not None:
        return service.get_survey(touchpoint.tenant_id, touchpoint.survey_id)
    survey = service.get_survey(touchpoint.tenant_id, DEFAULT_IN_STORE_SURVEY_ID)
    return survey if survey is not None else service.ensure_default_in_store_survey(touchpoint.tenant_id)
