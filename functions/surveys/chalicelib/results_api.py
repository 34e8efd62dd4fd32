"""Survey results for the API, the CSV download and the console page (`touchpoint.surveys.results`)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalice.app import Response

from touchpoint.models.surveys import Survey
from touchpoint.runtime import Runtime
from touchpoint.surveys.results import results_csv_rows, results_period, survey_results
from touchpoint.surveys.service import SurveyService
from touchpoint.web.auth import Principal
from touchpoint.web.errors import not_found

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def results_document(
    runtime: Runtime,
    principal: Principal,
    survey_id: str,
    params: dict[str, str],
    language: str | None = None,
) -> tuple[Survey, dict[str, Any]]:
    """The survey and its results for `from`/`to` (tenant-local days; the caller's stores only)."""
    survey = SurveyService(runtime).get_survey(principal.tenant_id, survey_id)
    if survey is None:
        raise not_found("survey")
    tenant = runtime.tenants.get_tenant(principal.tenant_id)
    timezone = tenant.config.timezone if tenant is not None else "UTC"
    today = datetime.now(UTC).astimezone(ZoneInfo(timezone)).date()
    return survey, survey_results(runtime, principal, survey, results_period(params, today), language)


def results_json(
    runtime: Runtime, principal: Principal, survey_id: str, params: dict[str, str]
) -> dict[str, Any]:
    """`GET /v1/surveys/{id}/results`."""
    return results_document(runtime, principal, survey_id, params, params.get("lang"))[1]


def _safe(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) and not _is_number(cell) else cell


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def results_csv(runtime: Runtime, principal: Principal, survey_id: str, params: dict[str, str]) -> Response:
    """`GET /v1/surveys/{id}/results.csv`: the same figures as one long table."""
    survey, results = results_document(runtime, principal, survey_id, params, params.get("lang"))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[_safe(cell) for cell in row] for row in results_csv_rows(results)])
    filename = f"results-{survey.survey_id}-{results['from']}-{results['to']}.csv"
    return Response(
        body=buffer.getvalue(),
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
