"""A tenant's settings as admins see and change them (`GET/PUT /v1/settings`, the console's settings page).

The settings are the tenant's name and the parts of its config an admin steers: time zone,
currency, north star, conversion events, gross margin, engagement-score weights and the retention
of events, responses and comment texts. Other config (schema mode, rate limit, webhook, ...) keeps
its value: it has its own routes or is an operator's.

A change is validated whole (`TenantConfig`'s own rules, plus the north star being a registry
metric with one number per day) and written only when the settings are still at the version the
change was based on (`version`, the API's `ETag`): two admins editing at once never overwrite
each other silently. Every change is written to the audit log. It takes effect at the next
rollup (each run reads the config afresh); days already rolled up keep their numbers until they
are recomputed (`touchpoint.rollup.status.backfill`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from touchpoint.metrics.registry import SUMMARY_METRICS
from touchpoint.models.tenants import (
    CURRENCY_PATTERN,
    MAX_RETENTION_DAYS_EVENTS,
    MAX_RETENTION_DAYS_RESPONSES,
    EngagementWeights,
    Tenant,
    TenantConfig,
)
from touchpoint.storage.tenants import SettingsVersionError
from touchpoint.web.errors import ApiError, bad_request, from_validation_error, not_found

if TYPE_CHECKING:
    from touchpoint.runtime import Runtime
    from touchpoint.web.auth import Principal

#: The config fields the settings cover (besides the tenant's `name`).
CONFIG_FIELDS: tuple[str, ...] = (
    "timezone",
    "currency",
    "north_star",
    "conversion_events",
    "gross_margin",
    "engagement_weights",
    "retention_days_events",
    "retention_days_responses",
    "retention_days_comments",
)
MAX_CONVERSION_EVENTS = 50
MAX_EVENT_NAME = 200


class SettingsInput(BaseModel):
    """A change of the settings: the fields given replace theirs, the others keep their value."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, description="an IANA time zone, e.g. Europe/Berlin")
    currency: str | None = Field(default=None, pattern=CURRENCY_PATTERN, description="ISO 4217, e.g. EUR")
    north_star: str | None = Field(default=None, description="a metric with one number per day")
    conversion_events: list[str] | None = Field(default=None, max_length=MAX_CONVERSION_EVENTS)
    gross_margin: float | None = Field(default=None, gt=0, le=1)
    engagement_weights: EngagementWeights | None = None
    retention_days_events: int | None = Field(default=None, ge=1, le=MAX_RETENTION_DAYS_EVENTS)
    retention_days_responses: int | None = Field(default=None, ge=1, le=MAX_RETENTION_DAYS_RESPONSES)
    retention_days_comments: int | None = Field(
        default=None, ge=1, le=MAX_RETENTION_DAYS_RESPONSES, description="null: as long as the response"
    )
    version: int | None = Field(default=None, ge=0, description="the version the change is based on")

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value.strip() if value is not None else None

    @field_validator("north_star")
    @classmethod
    def _a_daily_metric(cls, value: str | None) -> str | None:
        if value is not None and value not in SUMMARY_METRICS:
            raise ValueError(f"must be a metric with one number per day (see docs/METRICS.md), got {value!r}")
        return value

    @field_validator("conversion_events")
    @classmethod
    def _event_names(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        names = [name.strip() for name in value]
        if any(not name or len(name) > MAX_EVENT_NAME for name in names):
            raise ValueError(f"each event name must have 1 to {MAX_EVENT_NAME} characters")
        if len(set(names)) != len(names):
            raise ValueError("event names must not repeat")
        return names


def settings_document(tenant: Tenant, version: int) -> dict[str, Any]:
    """The settings as the API returns them (with their `version`)."""
    config = tenant.config.model_dump(mode="json")
    return {
        "tenant_id": tenant.tenant_id,
        "name": tenant.name,
        **{field: config[field] for field in CONFIG_FIELDS},
        "version": version,
    }


def etag(version: int) -> str:
    """The `ETag` of a settings version."""
    return f'"settings-{version}"'


def _version_of(if_match: str | None, body_version: int | None) -> int:
    """The version a change is based on: `If-Match` (an ETag of `etag`) or the body's `version`."""
    if if_match is not None:
        text = if_match.strip()
        if text.startswith("W/"):
            text = text[2:]
        digits = text.removeprefix('"settings-').removesuffix('"')
        if not text.startswith('"settings-') or not digits.isdigit() or not digits.isascii():
            raise bad_request("If-Match must be the ETag a GET of the settings returned", field="If-Match")
        if body_version is not None and body_version != int(digits):
            raise bad_request("If-Match and version name different versions", field="version")
        return int(digits)
    if body_version is None:
        raise ApiError(
            428,
            "precondition_required",
            "name the settings version the change is based on (If-Match or version)",
            field="version",
        )
    return body_version


def _tenant(runtime: Runtime, tenant_id: str) -> Tenant:
    tenant = runtime.tenants.get_tenant(tenant_id)
    if tenant is None:
        raise not_found("tenant")
    return tenant


def read_settings(runtime: Runtime, tenant_id: str) -> dict[str, Any]:
    """The tenant's settings and their version."""
    return settings_document(_tenant(runtime, tenant_id), runtime.tenants.settings_version(tenant_id))


def parse_change(body: Mapping[str, Any]) -> SettingsInput:
    """A change from a JSON body (400 naming the first invalid field)."""
    try:
        return SettingsInput.model_validate(dict(body))
    except ValidationError as error:
        raise from_validation_error(error) from None


def merged(tenant: Tenant, change: SettingsInput) -> tuple[str, TenantConfig]:
    """The name and config after `change` (400 naming the field when the whole is invalid)."""
    given = change.model_dump(exclude_unset=True, exclude={"name", "version"})
    if "conversion_events" in given:
        given["conversion_events"] = tuple(given["conversion_events"])
    values = {**tenant.config.model_dump(), **given}
    comments, responses = values["retention_days_comments"], values["retention_days_responses"]
    if comments is not None and comments > responses:
        raise bad_request(
            f"retention_days_comments ({comments}) must not exceed retention_days_responses ({responses})",
            field="retention_days_comments",
        )
    try:
        config = TenantConfig.model_validate(values)
    except ValidationError as error:
        raise from_validation_error(error) from None
    return change.name or tenant.name, config


def _differences(tenant: Tenant, name: str, config: TenantConfig) -> dict[str, Any]:
    """`{field: {"from": old, "to": new}}` of what a change alters (the audit entry's detail)."""
    before = settings_document(tenant, 0)
    after = settings_document(
        Tenant(tenant_id=tenant.tenant_id, name=name, created_at=tenant.created_at, config=config), 0
    )
    return {key: {"from": before[key], "to": after[key]} for key in after if before[key] != after[key]}


def update_settings(
    runtime: Runtime, principal: Principal, body: Mapping[str, Any], if_match: str | None
) -> dict[str, Any]:
    """Apply a change based on a known version; the new settings (400/409/412/428 on a bad change)."""
    change = parse_change(body)
    expected = _version_of(if_match, change.version)
    tenant = _tenant(runtime, principal.tenant_id)
    name, config = merged(tenant, change)
    changed = _differences(tenant, name, config)
    try:
        version = runtime.tenants.update_settings(principal.tenant_id, name, config, expected)
    except SettingsVersionError as error:
        raise ApiError(
            412,
            "version_conflict",
            f"the settings changed meanwhile (now version {error.current}); reload them and apply the change again",
            field="version",
        ) from None
    if changed:
        runtime.audit.record(principal, "settings.update", f"tenant:{principal.tenant_id}", changed)
    return settings_document(_tenant(runtime, principal.tenant_id), version)
