"""Admin logic: create, update, activate, close, read and list surveys."""

from __future__ import annotations

from typing import Any

from chalicelib.audit_log import record_survey_change
from chalicelib.errors import service_errors
from chalicelib.presenters import survey_view
from touchpoint.models.surveys import SurveyDefinition, SurveyStatus
from touchpoint.runtime import Runtime
from touchpoint.surveys.service import SurveyService
from touchpoint.web.auth import Principal
from touchpoint.web.errors import bad_request


def _pool_view(service: SurveyService, tenant_id: str, survey: Any) -> dict[str, Any]:
    pool = None
    if survey.incentive is not None and survey.incentive.kind == "pool":
        pool = service.coupon_stats(tenant_id, survey.survey_id)
    return survey_view(survey, pool)


def create_survey(runtime: Runtime, principal: Principal, definition: SurveyDefinition) -> dict[str, Any]:
    """Create a draft survey (recorded in the audit log); returns its view."""
    service = SurveyService(runtime)
    with service_errors():
        survey = service.create_survey(principal.tenant_id, definition)
    record_survey_change(runtime, principal, "create", survey)
    return _pool_view(service, principal.tenant_id, survey)


def update_survey(
    runtime: Runtime, principal: Principal, survey_id: str, body: dict[str, Any], definition: SurveyDefinition
) -> dict[str, Any]:
    """Replace a survey's definition (optionally only if `version` still matches; audited)."""
    expected = body.get("version")
    if expected is not None and (not isinstance(expected, int) or isinstance(expected, bool)):
        raise bad_request("version must be a whole number", field="version")
    service = SurveyService(runtime)
    with service_errors():
        survey = service.update_survey(principal.tenant_id, survey_id, definition, expected_version=expected)
    record_survey_change(runtime, principal, "update", survey)
    return _pool_view(service, principal.tenant_id, survey)


def get_survey(service: SurveyService, tenant_id: str, survey_id: str) -> dict[str, Any]:
    """One survey's admin view (404 when the tenant has no such survey)."""
    with service_errors():
        survey = service.require_survey(tenant_id, survey_id)
    return _pool_view(service, tenant_id, survey)


def change_status(runtime: Runtime, principal: Principal, survey_id: str, action: str) -> dict[str, Any]:
    """Activate or close a survey (audited)."""
    service = SurveyService(runtime)
    with service_errors():
        if action == "activate":
            survey = service.activate(principal.tenant_id, survey_id)
        else:
            survey = service.close(principal.tenant_id, survey_id)
    record_survey_change(runtime, principal, action, survey)
    return _pool_view(service, principal.tenant_id, survey)


def list_surveys(service: SurveyService, tenant_id: str, params: dict[str, str]) -> dict[str, Any]:
    """The tenant's surveys, newest first (optionally `status=draft|active|closed`)."""
    raw = params.get("status")
    status = None
    if raw:
        try:
            status = SurveyStatus(raw)
        except ValueError:
            raise bad_request("status must be draft, active or closed", field="status") from None
    surveys = service.list_surveys(tenant_id, status)
    return {"surveys": [survey_view(s) for s in surveys]}
