"""Admin API logic: stores (locations), their touchpoints, binding a survey, rotating and revoking codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.surveys import check_survey_exists, ensure_default_survey
from touchpoint.models.inputs import strict_json
from touchpoint.models.locations import LOCATION_ID_PATTERN, Location, Touchpoint, TouchpointKind
from touchpoint.qr.codes import form_url
from touchpoint.qr.tokens import token_for
from touchpoint.runtime import Runtime
from touchpoint.storage.locations import LocationExistsError, LocationNotFoundError, TouchpointNotFoundError
from touchpoint.web.errors import ApiError, bad_request, from_validation_error, not_found

MAX_BODY_BYTES = 16 * 1024
_Model = TypeVar("_Model", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocationFields(_Strict):
    """What may change about a store (the console's edit form)."""

    name: str = Field(min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    default_language: str = Field(default="de", pattern=r"^(de|en)$")
    has_door_counter: bool = False


class NewLocation(LocationFields):
    """Body of `POST /v1/locations`."""

    location_id: str = Field(pattern=LOCATION_ID_PATTERN)


class NewTouchpoint(_Strict):
    """Body of `POST /v1/locations/{location_id}/touchpoints`."""

    touchpoint_id: str = Field(pattern=LOCATION_ID_PATTERN)
    kind: TouchpointKind
    label: str = Field(min_length=1, max_length=200)
    survey_id: str | None = Field(default=None, min_length=1, max_length=64)


class SurveyBinding(_Strict):
    """Body of `PUT .../touchpoints/{touchpoint_id}`: the survey to show (null: the default survey)."""

    survey_id: str | None = Field(min_length=1, max_length=64)


def read_json(raw: bytes | None) -> dict[str, Any]:
    """The JSON object of a request body (400 when it is missing, too large or not an object)."""
    if not raw:
        raise bad_request("the request body must be a JSON object")
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "payload_too_large", f"the request body exceeds {MAX_BODY_BYTES} bytes")
    body = strict_json(raw)
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    return body


def _parse(model: type[_Model], raw: bytes | None) -> _Model:
    try:
        return model.model_validate(read_json(raw))
    except ValidationError as error:
        raise from_validation_error(error) from None


def location_json(location: Location) -> dict[str, Any]:
    """The API form of a store."""
    return location.model_dump(mode="json", exclude={"tenant_id"})


def touchpoint_json(touchpoint: Touchpoint, secret: str, base_url: str) -> dict[str, Any]:
    """The API form of a touchpoint, with its QR token and URL (null while revoked)."""
    body = touchpoint.model_dump(mode="json", exclude={"tenant_id"})
    if touchpoint.revoked:
        body["token"] = None
        body["qr_url"] = None
    else:
        body["token"] = token_of(touchpoint, secret)
        body["qr_url"] = form_url(base_url, body["token"])
    return body


def token_of(touchpoint: Touchpoint, secret: str) -> str:
    """The QR token of a touchpoint's current version."""
    return token_for(secret, touchpoint)


def create_location(runtime: Runtime, tenant_id: str, raw: bytes | None) -> dict[str, Any]:
    """Create a store (409 when the id is taken)."""
    return location_json(add_location(runtime, tenant_id, _parse(NewLocation, raw)))


def add_location(runtime: Runtime, tenant_id: str, new: NewLocation) -> Location:
    """Store a new store (409 naming `location_id` when the id is taken)."""
    try:
        location = runtime.locations.create_location(
            tenant_id,
            new.location_id,
            new.name,
            address=new.address,
            default_language=new.default_language,
            has_door_counter=new.has_door_counter,
        )
    except LocationExistsError:
        raise ApiError(
            409, "conflict", f"location '{new.location_id}' exists already", field="location_id"
        ) from None
    return location


def change_location(runtime: Runtime, tenant_id: str, location_id: str, changes: LocationFields) -> Location:
    """Change a store's name, address, language or door counter (404 when there is no such store)."""
    try:
        return runtime.locations.update_location(tenant_id, location_id, **changes.model_dump())
    except LocationNotFoundError:
        raise not_found(f"location '{location_id}'") from None


def require_location(runtime: Runtime, tenant_id: str, location_id: str) -> Location:
    """The store, or 404."""
    location = runtime.locations.get_location(tenant_id, location_id)
    if location is None:
        raise not_found(f"location '{location_id}'")
    return location


def require_touchpoint(runtime: Runtime, tenant_id: str, location_id: str, touchpoint_id: str) -> Touchpoint:
    """The touchpoint, or 404."""
    touchpoint = runtime.locations.get_touchpoint(tenant_id, location_id, touchpoint_id)
    if touchpoint is None:
        raise not_found(f"touchpoint '{touchpoint_id}' of location '{location_id}'")
    return touchpoint


def list_locations(runtime: Runtime, tenant_id: str) -> dict[str, Any]:
    """The tenant's stores."""
    return {"locations": [location_json(loc) for loc in runtime.locations.list_locations(tenant_id)]}


def get_location(runtime: Runtime, tenant_id: str, location_id: str) -> dict[str, Any]:
    """One store."""
    return location_json(require_location(runtime, tenant_id, location_id))


def create_touchpoint(
    runtime: Runtime, tenant_id: str, location_id: str, raw: bytes | None, base_url: str
) -> dict[str, Any]:
    """Create a touchpoint in a store; without a survey it shows the default in-store survey."""
    touchpoint = add_touchpoint(runtime, tenant_id, location_id, _parse(NewTouchpoint, raw))
    return touchpoint_json(touchpoint, runtime.tenants.get_form_secret(tenant_id), base_url)


def add_touchpoint(runtime: Runtime, tenant_id: str, location_id: str, new: NewTouchpoint) -> Touchpoint:
    """Store a new touchpoint (404 without the store, 409 naming `touchpoint_id` when it is taken)."""
    require_location(runtime, tenant_id, location_id)
    if new.survey_id is not None:
        check_survey_exists(runtime, tenant_id, new.survey_id)
    else:
        ensure_default_survey(runtime, tenant_id)
    try:
        touchpoint = runtime.locations.create_touchpoint(
            tenant_id, location_id, new.touchpoint_id, new.kind, new.label, survey_id=new.survey_id
        )
    except LocationExistsError:
        raise ApiError(
            409, "conflict", f"touchpoint '{new.touchpoint_id}' exists already", field="touchpoint_id"
        ) from None
    return touchpoint


def list_touchpoints(runtime: Runtime, tenant_id: str, location_id: str, base_url: str) -> dict[str, Any]:
    """A store's touchpoints with their QR URLs."""
    require_location(runtime, tenant_id, location_id)
    secret = runtime.tenants.get_form_secret(tenant_id)
    return {
        "touchpoints": [
            touchpoint_json(tp, secret, base_url)
            for tp in runtime.locations.list_touchpoints(tenant_id, location_id)
        ]
    }


def get_touchpoint(
    runtime: Runtime, tenant_id: str, location_id: str, touchpoint_id: str, base_url: str
) -> dict[str, Any]:
    """One touchpoint with its QR URL."""
    touchpoint = require_touchpoint(runtime, tenant_id, location_id, touchpoint_id)
    return touchpoint_json(touchpoint, runtime.tenants.get_form_secret(tenant_id), base_url)


def bind_survey(
    runtime: Runtime, tenant_id: str, location_id: str, touchpoint_id: str, raw: bytes | None, base_url: str
) -> dict[str, Any]:
    """Show another survey at a touchpoint (`survey_id: null` goes back to the default survey)."""
    binding = _parse(SurveyBinding, raw)
    touchpoint = set_survey(runtime, tenant_id, location_id, touchpoint_id, binding.survey_id)
    return touchpoint_json(touchpoint, runtime.tenants.get_form_secret(tenant_id), base_url)


def set_survey(
    runtime: Runtime, tenant_id: str, location_id: str, touchpoint_id: str, survey_id: str | None
) -> Touchpoint:
    """Show `survey_id` at a touchpoint (None: the default in-store survey, made on first use)."""
    require_touchpoint(runtime, tenant_id, location_id, touchpoint_id)
    if survey_id is not None:
        check_survey_exists(runtime, tenant_id, survey_id)
    else:
        ensure_default_survey(runtime, tenant_id)
    return _changed(runtime.locations.bind_survey, tenant_id, location_id, touchpoint_id, survey_id)


def rotate(
    runtime: Runtime, tenant_id: str, location_id: str, touchpoint_id: str, base_url: str
) -> dict[str, Any]:
    """A new QR code for the touchpoint: the old codes stop working (a revocation is lifted)."""
    touchpoint = _changed(runtime.locations.rotate_touchpoint, tenant_id, location_id, touchpoint_id)
    return touchpoint_json(touchpoint, runtime.tenants.get_form_secret(tenant_id), base_url)


def revoke(
    runtime: Runtime, tenant_id: str, location_id: str, touchpoint_id: str, base_url: str
) -> dict[str, Any]:
    """Stop every QR code of the touchpoint (rotate it to issue a new one)."""
    touchpoint = _changed(runtime.locations.revoke_touchpoint, tenant_id, location_id, touchpoint_id)
    return touchpoint_json(touchpoint, runtime.tenants.get_form_secret(tenant_id), base_url)


def _changed(
    change: Callable[..., Touchpoint], tenant_id: str, location_id: str, touchpoint_id: str, *args: Any
) -> Touchpoint:
    try:
        return change(tenant_id, location_id, touchpoint_id, *args)
    except TouchpointNotFoundError:
        raise not_found(f"touchpoint '{touchpoint_id}' of location '{location_id}'") from None
