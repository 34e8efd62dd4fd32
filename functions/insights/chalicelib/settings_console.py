"""The settings page (`/console/settings`, admins) and the rollups page (`/console/rollups`).

Both go through the same logic as the API (`touchpoint.tenant_settings`, `touchpoint.rollup.status`):
the settings form names the version it was rendered from (a change made meanwhile answers with the
current values and a notice, nothing stored), invalid input answers 400 with the form again and
each problem next to its field, nothing stored; every change is audited by that logic. The
rollups page lists each day's state; admins re-run a day or a period (marked for the dispatcher).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalice.app import Request, Response

from chalicelib.settings_texts import texts
from touchpoint.metrics.registry import REGISTRY, SUMMARY_METRICS
from touchpoint.models.inputs import InputError
from touchpoint.models.users import Role
from touchpoint.rollup import status
from touchpoint.runtime import Runtime
from touchpoint.tenant_settings import read_settings, update_settings
from touchpoint.web.auth import Principal
from touchpoint.web.console.frame import (
    console_templates,
    page_lang,
    read_console_form,
    render_page,
    see_other,
)
from touchpoint.web.errors import ApiError
from touchpoint.web.forms import FormFields

TEMPLATES = console_templates(Path(__file__).resolve().parent / "templates")
SETTINGS = "/console/settings"
ROLLUPS = "/console/rollups"
WEIGHTS = ("recency", "frequency", "monetary", "breadth", "feedback")
TEXT_FIELDS = (
    "name",
    "timezone",
    "currency",
    "north_star",
    "gross_margin",
    "retention_days_events",
    "retention_days_responses",
)


def _render(
    request: Request,
    principal: Principal,
    template: str,
    title_key: str,
    active: str,
    status_code: int = 200,
    **context: Any,
) -> Response:
    lang = page_lang(request)
    words = texts(lang)
    query: Mapping[str, str] = request.query_params or {}
    return render_page(
        TEMPLATES,
        request,
        principal,
        template,
        title=words[title_key],
        active=active,
        status=status_code,
        lang=lang,
        t=words,
        notice=words.get(f"done_{query.get('done', '')}"),
        **context,
    )


def _form_of(document: Mapping[str, Any]) -> dict[str, str]:
    """The settings as form values (text)."""
    form = {name: "" if document[name] is None else str(document[name]) for name in TEXT_FIELDS}
    form["conversion_events"] = "\n".join(document["conversion_events"])
    form["retention_days_comments"] = (
        "" if document["retention_days_comments"] is None else str(document["retention_days_comments"])
    )
    form["version"] = str(document["version"])
    for weight in WEIGHTS:
        form[f"engagement_weights.{weight}"] = str(document["engagement_weights"][weight])
    return form


def _settings_page(
    request: Request,
    principal: Principal,
    form: Mapping[str, str],
    *,
    errors: Mapping[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    lang = page_lang(request)
    return _render(
        request,
        principal,
        "settings.html",
        "settings_title",
        "settings",
        status_code,
        form=form,
        errors=dict(errors or {}),
        problem=problem,
        weights=WEIGHTS,
        metrics=[(name, REGISTRY[name].label(lang)) for name in SUMMARY_METRICS],
    )


def settings_page(runtime: Runtime, request: Request, principal: Principal) -> Response:
    """The settings form with the current values."""
    return _settings_page(request, principal, _form_of(read_settings(runtime, principal.tenant_id)))


def _body_of(fields: FormFields) -> dict[str, Any]:
    """The API's change from the posted form (every field of the page; blank comment retention: none)."""
    body: dict[str, Any] = {name: fields.get(name).strip() for name in TEXT_FIELDS}
    body["conversion_events"] = [
        line.strip() for line in fields.get("conversion_events").splitlines() if line.strip()
    ]
    body["engagement_weights"] = {w: fields.get(f"engagement_weights.{w}").strip() for w in WEIGHTS}
    comments = fields.get("retention_days_comments").strip()
    body["retention_days_comments"] = comments or None
    version = fields.get("version").strip()
    body["version"] = int(version) if version.isascii() and version.isdigit() else -1
    return body


def _posted_form(fields: FormFields) -> dict[str, str]:
    names = (*TEXT_FIELDS, "conversion_events", "retention_days_comments", "version")
    form = {name: fields.get(name) for name in names}
    form.update({f"engagement_weights.{w}": fields.get(f"engagement_weights.{w}") for w in WEIGHTS})
    return form


def _field_errors(error: ApiError, words: Mapping[str, str]) -> dict[str, str]:
    """Each named field's message in the page's language (nested weights under their own name)."""
    named = [str(d["field"]) for d in error.details or []] or [error.field or "form"]
    messages: dict[str, str] = {}
    for name in named:
        top = name.split(".")[0]
        messages.setdefault(name, words.get(f"invalid_{top}", words["invalid"]))
    return messages


def save_settings(runtime: Runtime, request: Request, principal: Principal) -> Response:
    """Save the form (400 with the form and field errors, or the current values after a conflict)."""
    fields = read_console_form(request)
    words = texts(page_lang(request))
    try:
        update_settings(runtime, principal, _body_of(fields), None)
    except ApiError as error:
        if error.status == 412:
            current = _form_of(read_settings(runtime, principal.tenant_id))
            return _settings_page(request, principal, current, problem=words["conflict"], status_code=409)
        if error.status != 400:
            raise
        return _settings_page(
            request,
            principal,
            _posted_form(fields),
            errors=_field_errors(error, words),
            problem=words["form_problem"],
            status_code=400,
        )
    return see_other(request, SETTINGS, done="settings_saved")


def _is_admin(principal: Principal) -> bool:
    return principal.role is not None and principal.role.at_least(Role.ADMIN)


def rollups_page(
    runtime: Runtime,
    request: Request,
    principal: Principal,
    *,
    problem: str | None = None,
    backfill_form: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """Each day's state (`?from&to`, default the last 30 days), with re-run forms for admins."""
    query = dict(request.query_params or {})
    try:
        listing = status.list_rollups(runtime, principal.tenant_id, query, datetime.now(UTC))
    except InputError as error:
        listing = status.list_rollups(runtime, principal.tenant_id, {}, datetime.now(UTC))
        problem, status_code = error.message, 400
    return _render(
        request,
        principal,
        "rollups.html",
        "rollups_title",
        "rollups",
        status_code,
        listing=listing,
        problem=problem,
        admin=_is_admin(principal),
        backfill_form=dict(backfill_form or {}),
    )


def _rolled(
    runtime: Runtime, request: Request, principal: Principal, action: Any, done: str, form: Mapping[str, str]
) -> Response:
    try:
        action()
    except (InputError, ApiError) as error:
        if isinstance(error, ApiError) and error.status != 400:
            raise
        return rollups_page(
            runtime, request, principal, problem=error.message, backfill_form=form, status_code=400
        )
    return see_other(request, ROLLUPS, done=done)


def backfill(runtime: Runtime, request: Request, principal: Principal) -> Response:
    """Mark the posted period dirty (400 with the page and the reason when it is not a valid one)."""
    fields = read_console_form(request)
    body = {"from": fields.get("from").strip(), "to": fields.get("to").strip()}
    return _rolled(
        runtime,
        request,
        principal,
        lambda: status.backfill(runtime, principal, body, datetime.now(UTC)),
        "backfill",
        body,
    )


def rerun(runtime: Runtime, request: Request, principal: Principal, day: str) -> Response:
    """Mark one day dirty."""
    read_console_form(request)  # refuses a cross-site post
    return _rolled(
        runtime,
        request,
        principal,
        lambda: status.rerun(runtime, principal, day, datetime.now(UTC)),
        "rerun",
        {},
    )
