"""The stores & QR codes console: stores, their touchpoints, survey binding, downloads, rotate, revoke.

Every change goes through the admin API's logic (`chalicelib.admin`), so the console and the JSON
API cannot differ; the QR and poster downloads are the admin API's own routes (editors may call
them). Store scope: a store manager lists and opens only their stores (the routing place refuses
any other store by its path; the listing filters with `visible`) and cannot create stores, since
a new store would lie outside their scope. Invalid input answers 400 with the form again and
stores nothing; every change is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chalice.app import Request, Response
from pydantic import ValidationError

from chalicelib import admin
from chalicelib.stores_texts import texts
from touchpoint.models.locations import Location, Touchpoint, TouchpointKind
from touchpoint.models.surveys import Survey, SurveyStatus
from touchpoint.qr.codes import form_url
from touchpoint.runtime import Runtime
from touchpoint.surveys.service import SurveyService
from touchpoint.web.auth import Principal
from touchpoint.web.console.fields import field_messages, invalid_fields
from touchpoint.web.console.frame import (
    console_error,
    console_templates,
    page_lang,
    read_console_form,
    render_page,
    see_other,
)
from touchpoint.web.errors import ApiError
from touchpoint.web.forms import FormFields
from touchpoint.web.scope import is_scoped, visible

TEMPLATES = console_templates(Path(__file__).resolve().parent / "templates")
NAV = "stores"
BASE = "/console/stores"
STORE_FIELDS = ("location_id", "name", "address", "default_language")
TOUCHPOINT_FIELDS = ("touchpoint_id", "kind", "label")
POSTERS = (("A4", "pdf"), ("A5", "pdf"), ("A4", "svg"), ("A5", "svg"))


def page_error(request: Request | None, error: ApiError) -> Response:
    """The console's answer to a client error on these pages (sign-in redirect, 403/404 in the frame)."""
    return console_error(TEMPLATES, request, error)


def _render(
    request: Request, principal: Principal, template: str, title: str, status: int = 200, **context: Any
) -> Response:
    lang = page_lang(request)
    query: Mapping[str, str] = request.query_params or {}
    words = texts(lang)
    notice = words.get(f"done_{query.get('done', '')}")
    return render_page(
        TEMPLATES,
        request,
        principal,
        template,
        title=title,
        active=NAV,
        status=status,
        lang=lang,
        t=words,
        notice=notice,
        **context,
    )


def _problems(request: Request, error: ValidationError | ApiError) -> dict[str, str]:
    words = texts(page_lang(request))
    if isinstance(error, ValidationError):
        return field_messages(invalid_fields(error), words, words["form_problem"])
    field = error.field or "form"
    return {field: words.get(f"taken_{field}") or words.get(f"invalid_{field}") or error.message}


def _store_values(form: FormFields) -> dict[str, Any]:
    return {
        "name": form.get("name"),
        "address": form.get("address") or None,
        "default_language": form.get("default_language", "de"),
        "has_door_counter": form.has("has_door_counter"),
    }


def _audit(runtime: Runtime, principal: Principal, action: str, target: str, **detail: Any) -> None:
    runtime.audit.record(principal, action, target, detail)


# Stores ------------------------------------------------------------------------------------------


def stores_page(
    runtime: Runtime,
    request: Request,
    principal: Principal,
    *,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The stores the caller may see, and (without a store scope) the form for a new store."""
    stores = visible(
        principal, runtime.locations.list_locations(principal.tenant_id), lambda s: s.location_id
    )
    return _render(
        request,
        principal,
        "stores.html",
        texts(page_lang(request))["title"],
        status=status,
        stores=stores,
        may_create=not is_scoped(principal),
        form=form or {"default_language": "de"},
        errors=errors or {},
    )


def create_store(runtime: Runtime, request: Request, principal: Principal) -> Response:
    """A new store from the form (403 for a store manager; 400 with the form on invalid input)."""
    form = read_console_form(request)
    values = {"location_id": form.get("location_id"), **_store_values(form)}
    if is_scoped(principal):
        words = texts(page_lang(request))
        return stores_page(
            runtime, request, principal, form=values, errors={"form": words["scoped_no_create"]}, status=403
        )
    try:
        location = admin.add_location(runtime, principal.tenant_id, admin.NewLocation.model_validate(values))
    except (ValidationError, ApiError) as error:
        if isinstance(error, ApiError) and error.status not in (400, 409):
            raise
        return stores_page(
            runtime, request, principal, form=values, errors=_problems(request, error), status=400
        )
    _audit(runtime, principal, "stores.create", f"location:{location.location_id}", name=location.name)
    return see_other(request, f"{BASE}/{location.location_id}", done="store_created")


def store_page(
    runtime: Runtime,
    request: Request,
    principal: Principal,
    location_id: str,
    *,
    store_form: Mapping[str, Any] | None = None,
    touchpoint_form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    """One store: its edit form, its touchpoints and the form for a new touchpoint."""
    location = admin.require_location(runtime, principal.tenant_id, location_id)
    touchpoints = runtime.locations.list_touchpoints(principal.tenant_id, location_id)
    surveys = _survey_names(runtime, principal.tenant_id)
    return _render(
        request,
        principal,
        "store.html",
        location.name,
        status=status,
        store=location,
        touchpoints=[_touchpoint_row(tp, surveys) for tp in touchpoints],
        kinds=[k.value for k in TouchpointKind],
        store_form=store_form or location.model_dump(),
        touchpoint_form=touchpoint_form or {"kind": TouchpointKind.TILL.value},
        errors=errors or {},
    )


def save_store(runtime: Runtime, request: Request, principal: Principal, location_id: str) -> Response:
    """The store's changed name, address, language or door counter (400 with the form when invalid)."""
    form = read_console_form(request)
    values = _store_values(form)
    admin.require_location(runtime, principal.tenant_id, location_id)
    try:
        changes = admin.LocationFields.model_validate(values)
    except ValidationError as error:
        return store_page(
            runtime,
            request,
            principal,
            location_id,
            store_form=values,
            errors=_problems(request, error),
            status=400,
        )
    admin.change_location(runtime, principal.tenant_id, location_id, changes)
    _audit(runtime, principal, "stores.update", f"location:{location_id}", **changes.model_dump())
    return see_other(request, f"{BASE}/{location_id}", done="store_saved")


# Touchpoints -------------------------------------------------------------------------------------


def _survey_names(runtime: Runtime, tenant_id: str) -> dict[str, str]:
    return {s.survey_id: s.name for s in SurveyService(runtime).list_surveys(tenant_id)}


def _active_surveys(runtime: Runtime, tenant_id: str) -> list[Survey]:
    return SurveyService(runtime).list_surveys(tenant_id, SurveyStatus.ACTIVE)


def _touchpoint_row(touchpoint: Touchpoint, surveys: Mapping[str, str]) -> dict[str, Any]:
    survey = None if touchpoint.survey_id is None else surveys.get(touchpoint.survey_id, touchpoint.survey_id)
    return {**touchpoint.model_dump(), "survey_name": survey}


def create_touchpoint(runtime: Runtime, request: Request, principal: Principal, location_id: str) -> Response:
    """A new touchpoint in the store (the default in-store survey until another is bound)."""
    form = read_console_form(request)
    values = {name: form.get(name) for name in TOUCHPOINT_FIELDS}
    admin.require_location(runtime, principal.tenant_id, location_id)
    try:
        new = admin.NewTouchpoint.model_validate(values)
        touchpoint = admin.add_touchpoint(runtime, principal.tenant_id, location_id, new)
    except (ValidationError, ApiError) as error:
        if isinstance(error, ApiError) and error.status not in (400, 409):
            raise
        problems = _problems(request, error)
        return store_page(
            runtime, request, principal, location_id, touchpoint_form=values, errors=problems, status=400
        )
    target = f"touchpoint:{location_id}/{touchpoint.touchpoint_id}"
    _audit(
        runtime, principal, "touchpoints.create", target, kind=touchpoint.kind.value, label=touchpoint.label
    )
    return see_other(
        request, f"{BASE}/{location_id}/touchpoints/{touchpoint.touchpoint_id}", done="touchpoint_created"
    )


def touchpoint_page(
    runtime: Runtime,
    request: Request,
    principal: Principal,
    location_id: str,
    touchpoint_id: str,
    base_url: str,
    *,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    """One touchpoint: its form address, QR and poster downloads, survey binding, rotate and revoke."""
    location: Location = admin.require_location(runtime, principal.tenant_id, location_id)
    touchpoint = admin.require_touchpoint(runtime, principal.tenant_id, location_id, touchpoint_id)
    secret = runtime.tenants.get_form_secret(principal.tenant_id)
    url = None if touchpoint.revoked else form_url(base_url, admin.token_of(touchpoint, secret))
    download = f"/v1/locations/{location_id}/touchpoints/{touchpoint_id}"
    return _render(
        request,
        principal,
        "touchpoint.html",
        f"{location.name} · {touchpoint.label}",
        status=status,
        store=location,
        touchpoint=touchpoint,
        form_url=url,
        download=download,
        posters=POSTERS,
        surveys=_active_surveys(runtime, principal.tenant_id),
        errors=errors or {},
    )


def bind_survey(
    runtime: Runtime,
    request: Request,
    principal: Principal,
    location_id: str,
    touchpoint_id: str,
    base_url: str,
) -> Response:
    """Show one of the tenant's active surveys at the touchpoint (empty: the default in-store survey)."""
    form = read_console_form(request)
    chosen = form.get("survey_id") or None
    admin.require_touchpoint(runtime, principal.tenant_id, location_id, touchpoint_id)
    active = {s.survey_id for s in _active_surveys(runtime, principal.tenant_id)}
    if chosen is not None and chosen not in active:
        words = texts(page_lang(request))
        errors = {"survey_id": words["invalid_survey_id"]}
        return touchpoint_page(
            runtime, request, principal, location_id, touchpoint_id, base_url, errors=errors, status=400
        )
    admin.set_survey(runtime, principal.tenant_id, location_id, touchpoint_id, chosen)
    _audit(
        runtime,
        principal,
        "touchpoints.bind_survey",
        f"touchpoint:{location_id}/{touchpoint_id}",
        survey_id=chosen,
    )
    return see_other(request, f"{BASE}/{location_id}/touchpoints/{touchpoint_id}", done="survey_bound")


def change_code(
    runtime: Runtime,
    request: Request,
    principal: Principal,
    location_id: str,
    touchpoint_id: str,
    base_url: str,
    action: str,
) -> Response:
    """Rotate or revoke the touchpoint's codes once the form's confirmation box is ticked."""
    form = read_console_form(request)
    admin.require_touchpoint(runtime, principal.tenant_id, location_id, touchpoint_id)
    if not form.has("confirm"):
        errors = {f"{action}_confirm": texts(page_lang(request))["confirm_needed"]}
        return touchpoint_page(
            runtime, request, principal, location_id, touchpoint_id, base_url, errors=errors, status=400
        )
    change = admin.rotate if action == "rotate" else admin.revoke
    changed = change(runtime, principal.tenant_id, location_id, touchpoint_id, base_url)
    target = f"touchpoint:{location_id}/{touchpoint_id}"
    _audit(runtime, principal, f"touchpoints.{action}", target, token_version=changed["token_version"])
    done = "rotated" if action == "rotate" else "revoked"
    return see_other(request, f"{BASE}/{location_id}/touchpoints/{touchpoint_id}", done=done)
