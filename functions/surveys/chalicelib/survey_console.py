"""The surveys console: the list, the editor (new and edit), the preview, activate/close and results.

Every change goes through `SurveyService` (the JSON API's rules and validation) and is recorded
in the audit log. An invalid form answers 400 with the same form, each problem next to its field
and nothing stored; a save after someone else's answers 409 with the form kept.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from chalice.app import Request, Response
from pydantic import ValidationError

from chalicelib import results_api, survey_editor
from chalicelib.audit_log import record_survey_change
from chalicelib.console_texts import text
from chalicelib.survey_editor import SurveyDraft
from touchpoint.models.surveys import QuestionKind, Survey, SurveyDefinition
from touchpoint.models.users import Role
from touchpoint.runtime import Runtime
from touchpoint.surveys.errors import (
    SurveyChangeError,
    SurveyError,
    SurveyExistsError,
    SurveyVersionConflictError,
)
from touchpoint.surveys.service import SurveyService, utc_now
from touchpoint.web.auth import Principal
from touchpoint.web.console.frame import (
    console_error,
    console_templates,
    page_lang,
    read_console_form,
    render_page,
    see_other,
)
from touchpoint.web.errors import ApiError, not_found
from touchpoint.web.locale import Lang
from touchpoint.web.scope import can_see, is_scoped

TEMPLATES = console_templates(Path(__file__).resolve().parent / "templates")
SURVEYS = "/console/surveys"
KINDS = [kind.value for kind in QuestionKind]
_TYPE_TEXTS = {
    "missing": "err_missing",
    "string_too_short": "err_missing",
    "too_short": "err_missing",
    "string_pattern_mismatch": "err_pattern",
    "int_parsing": "err_number",
    "int_type": "err_number",
    "int_from_float": "err_number",
    "greater_than_equal": "err_range",
    "less_than_equal": "err_range",
    "enum": "err_choice",
    "literal_error": "err_choice",
    "string_too_long": "err_too_long",
    "too_long": "err_too_long",
}


def page_error(request: Request | None, error: ApiError) -> Response:
    """The `on_error` of every console route of this function."""
    return console_error(TEMPLATES, request, error)


def _service(runtime: Runtime) -> SurveyService:
    return SurveyService(runtime)


def _survey(runtime: Runtime, principal: Principal, survey_id: str) -> Survey:
    survey = _service(runtime).get_survey(principal.tenant_id, survey_id)
    if survey is None:
        raise not_found("survey")
    return survey


def _counts_30d(runtime: Runtime, principal: Principal) -> Counter[str]:
    """Complete responses of the last 30 days per survey (only the caller's stores): one read per day."""
    now = utc_now()
    found: Counter[str] = Counter()
    for response in runtime.responses.for_tenant_period(principal.tenant_id, now - timedelta(days=30), now):
        if response.complete and can_see(principal, response.location_id):
            found[response.survey_id] += 1
    return found


def list_page(runtime: Runtime, request: Request, principal: Principal) -> Response:
    """`GET /console/surveys`: every survey with its status and recent responses."""
    lang = page_lang(request)
    surveys = _service(runtime).list_surveys(principal.tenant_id)
    notice = request.query_params.get("done") if request.query_params else None
    return render_page(
        TEMPLATES,
        request,
        principal,
        "surveys_list.html",
        title=text(lang, "surveys"),
        active="surveys",
        t=lambda key, **values: text(lang, key, **values),
        surveys=surveys,
        counts=_counts_30d(runtime, principal),
        can_edit=principal.role is not None and principal.role.at_least(Role.EDITOR),
        notice=text(lang, notice) if notice in ("saved", "activated", "closed") else "",
    )


def _messages(lang: Lang, problems: dict[str, tuple[str, str]]) -> dict[str, str]:
    messages = {}
    for name, (kind, message) in problems.items():
        key = _TYPE_TEXTS.get(kind)
        if key is not None:
            messages[name] = text(lang, key)
        elif kind in ("value_error", "assertion_error"):
            messages[name] = text(lang, "err_rule", message=message)
        else:
            messages[name] = text(lang, "err_invalid")
    return messages


def _editor_page(
    runtime: Runtime,
    request: Request,
    principal: Principal,
    draft: SurveyDraft,
    *,
    survey: Survey | None,
    status: int = 200,
    errors: dict[str, str] | None = None,
    problem: str = "",
) -> Response:
    lang = page_lang(request)
    pool = None
    if survey is not None and survey.incentive is not None and survey.incentive.kind == "pool":
        pool = _service(runtime).coupon_stats(principal.tenant_id, survey.survey_id)
    action = f"{SURVEYS}/{survey.survey_id}/edit" if survey is not None else f"{SURVEYS}/new"
    return render_page(
        TEMPLATES,
        request,
        principal,
        "survey_edit.html",
        title=text(lang, "edit_survey" if survey is not None else "new_survey"),
        active="surveys",
        status=status,
        t=lambda key, **values: text(lang, key, **values),
        draft=draft,
        survey=survey,
        pool=pool,
        kinds=KINDS,
        form_action=action,
        errors=errors or {},
        problem=problem,
    )


def new_page(runtime: Runtime, request: Request, principal: Principal) -> Response:
    """`GET /console/surveys/new`: the editor of a new survey."""
    return _editor_page(runtime, request, principal, survey_editor.new_draft(page_lang(request)), survey=None)


def edit_page(runtime: Runtime, request: Request, principal: Principal, survey_id: str) -> Response:
    """`GET /console/surveys/{id}/edit`: the editor with the stored survey."""
    survey = _survey(runtime, principal, survey_id)
    return _editor_page(runtime, request, principal, survey_editor.draft_of(survey), survey=survey)


def _store(
    runtime: Runtime, principal: Principal, survey: Survey | None, definition: SurveyDefinition, version: str
) -> Survey:
    service = _service(runtime)
    if survey is None:
        created = service.create_survey(principal.tenant_id, definition)
        record_survey_change(runtime, principal, "create", created)
        return created
    expected = int(version) if version.isdigit() else survey.version
    updated = service.update_survey(
        principal.tenant_id, survey.survey_id, definition, expected_version=expected
    )
    record_survey_change(runtime, principal, "update", updated)
    return updated


def save(runtime: Runtime, request: Request, principal: Principal, survey_id: str | None) -> Response:
    """`POST /console/surveys/new` or `.../{id}/edit`: a button of the editor (only `save` stores)."""
    survey = None if survey_id is None else _survey(runtime, principal, survey_id)
    fields = read_console_form(request)
    draft = survey_editor.draft_from_form(fields)
    if survey is not None:
        draft.survey_id = survey.survey_id
    action, index = survey_editor.parse_action(fields.get("action", "save"))
    if action != "save":
        survey_editor.apply_action(draft, action, index)
        return _editor_page(runtime, request, principal, draft, survey=survey)
    lang = page_lang(request)

    def again(status: int, problem: str, errors: dict[str, str] | None = None) -> Response:
        return _editor_page(
            runtime, request, principal, draft, survey=survey, status=status, errors=errors, problem=problem
        )

    checked = survey_editor.validate(draft, with_id=survey is None)
    if isinstance(checked, ValidationError):
        return again(
            400, text(lang, "fix_errors"), _messages(lang, survey_editor.validation_problems(checked))
        )
    try:
        _store(runtime, principal, survey, checked, draft.version)
    except SurveyVersionConflictError:
        return again(409, text(lang, "version_conflict"))
    except SurveyExistsError:
        return again(409, text(lang, "fix_errors"), {"survey_id": text(lang, "survey_exists")})
    except SurveyChangeError as error:
        problem = text(lang, "change_refused", message=error.message)
        return again(409, problem, {survey_editor.field_of(tuple(_location(error.field))): problem})
    return see_other(request, SURVEYS, done="saved", lang=lang)


def _location(field: str | None) -> list[str | int]:
    if not field:
        return []
    return [int(part) if part.isdigit() else part for part in field.split(".")]


def change_status(
    runtime: Runtime, request: Request, principal: Principal, survey_id: str, action: str
) -> Response:
    """`POST .../activate` or `.../close`."""
    read_console_form(request)  # refuses cross-site posts
    survey = _survey(runtime, principal, survey_id)
    service = _service(runtime)
    try:
        changed = (
            service.activate(principal.tenant_id, survey.survey_id)
            if action == "activate"
            else service.close(principal.tenant_id, survey.survey_id)
        )
    except SurveyVersionConflictError:
        raise ApiError(409, "version_conflict", text(page_lang(request), "version_conflict")) from None
    except SurveyError as error:
        raise ApiError(409, "survey_change_not_allowed", str(error)) from None
    record_survey_change(runtime, principal, action, changed)
    return see_other(
        request, SURVEYS, done="activated" if action == "activate" else "closed", lang=page_lang(request)
    )


def preview(runtime: Runtime, request: Request, principal: Principal, survey_id: str) -> Response:
    """`GET .../preview?lang=`: the respondent's form exactly as the QR form renders it."""
    # imported here: the respondent form's renderer is needed by this page only
    from touchpoint.respondent_form.render import HTML_HEADERS, PageContext, form_page

    survey = _survey(runtime, principal, survey_id)
    params: dict[str, str] = dict(request.query_params or {})
    wanted = params.get("lang")
    language = wanted if wanted in survey.languages else survey.default_language
    page = form_page(PageContext(language), survey, "preview", preview=True)
    return Response(body=page, status_code=200, headers=dict(HTML_HEADERS))


def results_page(runtime: Runtime, request: Request, principal: Principal, survey_id: str) -> Response:
    """`GET .../results`: the results as tables with CSS bars, and the CSV link."""
    lang = page_lang(request)
    params = dict(request.query_params or {})
    survey, results = results_api.results_document(runtime, principal, survey_id, params, lang)
    return render_page(
        TEMPLATES,
        request,
        principal,
        "survey_results.html",
        title=f"{text(lang, 'results')}: {survey.name}",
        active="surveys",
        t=lambda key, **values: text(lang, key, **values),
        survey=survey,
        r=results,
        scoped=is_scoped(principal),
    )
