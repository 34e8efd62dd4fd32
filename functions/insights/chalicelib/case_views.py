"""The case pages' logic: the case list, one case with its forms, and opening a case by hand.

Every form is turned into the case API's request and goes through its service
(`chalicelib.cases_api`: the same validation, scope and history as `PATCH /v1/cases/{id}`,
`POST /v1/cases/{id}/replies` and `POST /v1/cases`), then answers 303 back to the case with a
notice. A form that cannot be applied answers with the case page again under the API's status,
the problem named next to the field or above the forms, the typed values kept and nothing
changed: 400 for invalid input, 409 for a status the case cannot take, a reply without the
customer's consent or a case that changed since the page was loaded (each form carries the
version it was made from).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from chalice.app import MultiDict, Request, Response

from chalicelib import cases_api
from chalicelib.inbox import score_band
from chalicelib.loop_pages import TEMPLATES, band_label, context, local_time, names_of, now_utc, tenant_of
from chalicelib.loop_texts import REPLY_GREETING
from chalicelib.queries import params_of, single
from touchpoint.models.cases import CASE_ID_PATTERN, TRANSITIONS, Case, CaseStatus
from touchpoint.models.users import UserStatus
from touchpoint.storage.cases import CaseRecord
from touchpoint.web.console.frame import read_console_form, render_page, see_other
from touchpoint.web.errors import ApiError, not_found
from touchpoint.web.scope import can_see

if TYPE_CHECKING:
    from touchpoint.models.surveys import StoredResponse
    from touchpoint.runtime import Runtime
    from touchpoint.web.auth import Principal
    from touchpoint.web.forms import FormFields

PAGE_SIZE = 25
ACTIONS: tuple[str, ...] = ("status", "assign", "note", "reply")
STATUSES: tuple[str, ...] = tuple(s.value for s in CaseStatus)
#: The page text of each error code of the case API.
_PROBLEMS: dict[str, str] = {
    "invalid_transition": "invalid_transition",
    "case_changed": "stale",
    "no_consent": "no_consent",
    "mail_failed": "reply_failed",
    "mail_not_configured": "mail_not_configured",
}
#: The page text of a 400 about each form field.
_FIELD_PROBLEMS: dict[str, str] = {"assignee": "not_team_member", "status": "invalid_transition"}


class CaseFormError(Exception):
    """A case form that cannot be applied: the status, the text key and the field it concerns."""

    def __init__(self, status: int, key: str, field: str | None = None) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.field = field

    @classmethod
    def of(cls, error: ApiError) -> CaseFormError:
        """The form problem of a case API error."""
        if error.code in _PROBLEMS:
            return cls(error.status, _PROBLEMS[error.code])
        field = (error.field or "").split(".")[0] or None
        return cls(error.status, _FIELD_PROBLEMS.get(field or "", "field_required"), field)


# The case list ----------------------------------------------------------------------------------


def cases_page(runtime: Runtime, principal: Principal, request: Request) -> Response:
    """`GET /dashboard/cases`: cases newest first (filters, overdue marked, a link to the next page)."""
    values = context(request, principal)
    lang, text = values["lang"], values["t"]
    params = params_of(request.query_params)
    if single(params, "limit") is None:
        params["limit"] = [str(PAGE_SIZE)]
    listing = cases_api.list_cases(runtime, principal, MultiDict(params))
    timezone = tenant_of(runtime, principal).config.timezone
    names = names_of(runtime, principal)
    now = now_utc()
    rows = [_case_row(Case.model_validate(view), lang, timezone, names, now) for view in listing["cases"]]
    filters = {
        name: value
        for name in ("status", "location_id", "assignee", "limit")
        if (value := single(params, name))
    }
    next_link = urlencode({**filters, "cursor": listing["next"], "lang": lang}) if listing["next"] else None
    return render_page(
        TEMPLATES,
        request,
        principal,
        "cases.html",
        title=text("cases_title"),
        active="cases",
        filters=filters,
        statuses=STATUSES,
        stores=sorted(names.stores.items(), key=lambda kv: kv[1].lower()),
        rows=rows,
        next_link=next_link,
        paged=single(params, "cursor") is not None,
        first_link=urlencode({**filters, "lang": lang}),
        **values,
    )


def is_overdue(case: Case, now: Any) -> bool:
    """An open case past its due time."""
    return case.status is not CaseStatus.RESOLVED and case.due_at <= now


def _case_row(case: Case, lang: Any, timezone: str, names: Any, now: Any) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "opened": local_time(lang, case.opened_at, timezone),
        "store": names.store(case.location_id, lang),
        "band": case.band,
        "band_label": band_label(lang, case.band),
        "sentiment": case.sentiment,
        "source": case.source,
        "status": case.status.value,
        "assignee": case.assignee,
        "due": local_time(lang, case.due_at, timezone),
        "overdue": is_overdue(case, now),
    }


# One case ---------------------------------------------------------------------------------------


def _record(runtime: Runtime, principal: Principal, case_id: str) -> CaseRecord:
    found = re.match(CASE_ID_PATTERN, case_id) is not None
    record = runtime.cases.record(principal.tenant_id, case_id) if found else None
    if record is None or not can_see(principal, record.case.location_id):
        raise not_found("case")
    return record


def _answer(runtime: Runtime, case: Case) -> StoredResponse | None:
    if case.survey_id is None or case.response_id is None:
        return None
    return runtime.responses.get(case.tenant_id, case.survey_id, case.response_id)


def _team(runtime: Runtime, principal: Principal, case: Case) -> list[str]:
    """The e-mails of team members (not disabled) who may see the case's store."""
    return sorted(
        u.email
        for u in runtime.users.list(principal.tenant_id)
        if u.status is not UserStatus.DISABLED
        and (u.store_scope is None or case.location_id in u.store_scope)
    )


def case_page(
    runtime: Runtime,
    principal: Principal,
    request: Request,
    case_id: str,
    *,
    status: int = 200,
    problem: CaseFormError | None = None,
    form: FormFields | None = None,
) -> Response:
    """`GET /dashboard/cases/{case_id}`: the case, its answer, history, notes, replies and forms."""
    values = context(request, principal)
    lang, text = values["lang"], values["t"]
    record = _record(runtime, principal, case_id)
    case = record.case
    timezone = tenant_of(runtime, principal).config.timezone
    names = names_of(runtime, principal)
    answer = _answer(runtime, case)
    consent = case.response_id is not None and runtime.contacts.has_consent(case.tenant_id, case.response_id)
    customer_lang = answer.language if answer is not None and answer.language in REPLY_GREETING else "en"
    kept = {
        name: form.get(name) if form else "" for name in ("status", "assignee", "note", "subject", "body")
    }
    return render_page(
        TEMPLATES,
        request,
        principal,
        "case.html",
        title=text("case_title", case_id=case.case_id),
        active="cases",
        status=status,
        case=case,
        row=_case_row(case, lang, timezone, names, now_utc()),
        survey=names.survey(case.survey_id),
        answer=answer,
        answer_time=local_time(lang, answer.submitted_at, timezone) if answer else None,
        score_bands=[band_label(lang, score_band(s.kind, s.value)) for s in answer.scores] if answer else [],
        history=[
            {"at": local_time(lang, h.at, timezone), "actor": h.actor, "action": h.action, "detail": h.detail}
            for h in record.history
        ],
        notes=[
            {"at": local_time(lang, n.at, timezone), "actor": n.actor, "text": n.text} for n in record.notes
        ],
        replies=[
            {
                "at": local_time(lang, r.at, timezone),
                "actor": r.actor,
                "subject": r.subject,
                "body": r.body,
                "status": r.status,
            }
            for r in record.replies
        ],
        consent=consent,
        next_statuses=sorted(s.value for s in TRANSITIONS[case.status]),
        team=_team(runtime, principal, case),
        problem=text(problem.key) if problem and problem.field is None else None,
        field_errors={problem.field: text(problem.key)} if problem and problem.field else {},
        kept=kept,
        reply_subject=kept["subject"],
        reply_body=kept["body"] or REPLY_GREETING[customer_lang],
        **values,
    )


def _request_of(case: Case, form: FormFields) -> dict[str, Any]:
    """The case API request a form stands for (CaseFormError for an unknown action or stale version)."""
    action = form.get("action")
    if action not in ACTIONS:
        raise CaseFormError(400, "unknown_action")
    version = form.get("version")
    if not version.isdigit() or int(version) != case.version:
        raise CaseFormError(409, "stale")
    if action == "reply":
        return {"subject": form.get("subject") or None, "body": form.get("body")}
    if action == "status":
        return {"status": form.get("status"), "version": case.version}
    if action == "assign":
        return {"assignee": form.get("assignee") or None, "version": case.version}
    return {"note": form.get("note"), "version": case.version}


def post_case(runtime: Runtime, principal: Principal, request: Request, case_id: str) -> Response:
    """`POST /dashboard/cases/{case_id}`: change status, assign, add a note or send a reply."""
    form = read_console_form(request)
    record = _record(runtime, principal, case_id)
    case = record.case
    try:
        body = json.dumps(_request_of(case, form))
        if form.get("action") == "reply":
            cases_api.reply(runtime, principal, case.case_id, body)
            notice = "reply_sent"
        else:
            cases_api.patch_case(runtime, principal, case.case_id, body)
            notice = "saved"
    except ApiError as error:
        if error.status == 404:
            raise
        problem = CaseFormError.of(error)
        return case_page(
            runtime, principal, request, case_id, status=problem.status, problem=problem, form=form
        )
    except CaseFormError as problem:
        return case_page(
            runtime, principal, request, case_id, status=problem.status, problem=problem, form=form
        )
    lang = context(request, principal)["lang"]
    return see_other(request, f"/dashboard/cases/{case.case_id}", notice=notice, lang=lang)


# Opening a case by hand -------------------------------------------------------------------------


def open_case(runtime: Runtime, principal: Principal, request: Request) -> Response:
    """`POST /dashboard/cases`: open a case for an answer (`response_id`, `survey_id`) or a person
    (`person_id`, optional `location_id`) through the case API, then 303 to it."""
    form = read_console_form(request)
    names = {
        "response_id": "responseId",
        "survey_id": "surveyId",
        "person_id": "personId",
        "location_id": "locationId",
        "note": "note",
    }
    body = {key: form.get(name) for name, key in names.items() if form.get(name)}
    status, case = cases_api.open_case(runtime, principal, json.dumps(body))
    notice = "case_opened" if status == 201 else "case_exists"
    lang = context(request, principal)["lang"]
    return see_other(request, f"/dashboard/cases/{case['caseId']}", notice=notice, lang=lang)
