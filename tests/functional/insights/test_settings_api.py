"""`GET/PUT /v1/settings`: the tenant's settings, validated, versioned, audited, read by the next rollup."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client, team_session
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import Runtime


@pytest.fixture
def api(aws: Runtime, tenant: TenantKeys) -> Iterator[Client]:
    with function_client("insights") as client:
        yield client


def _put(api: Client, headers: dict[str, str], body: Any) -> Any:
    return api.http.put(
        "/v1/settings", headers={**headers, "Content-Type": "application/json"}, body=json.dumps(body)
    )


def _stored(aws: Runtime, tenant: TenantKeys) -> tuple[str, dict[str, Any], int]:
    found = aws.tenants.get_tenant(tenant.tenant_id)
    assert found is not None
    return found.name, found.config.model_dump(mode="json"), aws.tenants.settings_version(tenant.tenant_id)


WEIGHTS = {"recency": 1, "frequency": 1, "monetary": 1, "breadth": 0, "feedback": 2}
CHANGE: dict[str, Any] = {
    "name": "Acme Kaffee",
    "timezone": "Europe/Berlin",
    "currency": "CHF",
    "north_star": "nps",
    "conversion_events": ["Order Completed", "Table Booked"],
    "gross_margin": 0.4,
    "engagement_weights": WEIGHTS,
    "retention_days_events": 200,
    "retention_days_responses": 300,
    "retention_days_comments": 90,
}


def test_an_admin_reads_and_changes_every_setting(aws: Runtime, tenant: TenantKeys, api: Client) -> None:
    admin = bearer(tenant.admin_key)
    first = api.http.get("/v1/settings", headers=admin)
    assert first.status_code == 200
    document = json.loads(first.body)
    assert document["version"] == 0 and first.headers["ETag"] == '"settings-0"'
    assert document["name"] == "Acme" and document["timezone"] == "UTC" and document["currency"] == "EUR"

    changed = _put(api, {**admin, "If-Match": first.headers["ETag"]}, CHANGE)
    assert changed.status_code == 200, changed.body
    after = json.loads(changed.body)
    assert after["version"] == 1 and changed.headers["ETag"] == '"settings-1"'
    for name, value in CHANGE.items():
        if name == "engagement_weights":
            assert after[name] == {k: float(v) for k, v in WEIGHTS.items()}
        else:
            assert after[name] == value, name
    name, config, version = _stored(aws, tenant)
    assert name == "Acme Kaffee" and version == 1
    assert config["timezone"] == "Europe/Berlin" and config["north_star"] == "nps"
    assert config["schema_mode"] == "lenient"  # config the settings do not cover keeps its value

    # the audit log names who changed what, from and to
    entries = aws.audit.list(tenant.tenant_id, date(2000, 1, 1), datetime.now(UTC).date())
    assert [e.action for e in entries] == ["settings.update"]
    assert entries[0].actor.startswith("key:") and entries[0].target == f"tenant:{tenant.tenant_id}"
    assert entries[0].detail["currency"] == {"from": "EUR", "to": "CHF"}

    # the next rollup reads the new config
    assert build_service(aws).config_of(tenant.tenant_id).timezone == "Europe/Berlin"


def test_a_partial_change_with_the_version_in_the_body(aws: Runtime, tenant: TenantKeys, api: Client) -> None:
    response = _put(api, bearer(tenant.admin_key), {"gross_margin": 0.5, "version": 0})
    assert response.status_code == 200
    body = json.loads(response.body)
    assert body["gross_margin"] == 0.5 and body["timezone"] == "UTC" and body["version"] == 1


def test_a_signed_in_admin_may_and_other_roles_may_not(aws: Runtime, tenant: TenantKeys, api: Client) -> None:
    admin = team_session(aws, tenant.tenant_id, "admin", email="chefin@acme.example")
    assert _put(api, admin, {"currency": "USD", "version": 0}).status_code == 200
    entries = aws.audit.list(tenant.tenant_id, date(2000, 1, 1), datetime.now(UTC).date())
    assert entries[0].actor == "user:chefin@acme.example"
    for role in ("viewer", "editor"):
        headers = team_session(aws, tenant.tenant_id, role)
        assert api.http.get("/v1/settings", headers=headers).status_code == 403
        assert _put(api, headers, {"currency": "GBP", "version": 1}).status_code == 403
    for key in (tenant.read_key, tenant.write_key):
        assert api.http.get("/v1/settings", headers=bearer(key)).status_code in (401, 403)
        assert _put(api, bearer(key), {"currency": "GBP", "version": 1}).status_code in (401, 403)
    assert api.http.get("/v1/settings").status_code == 401
    assert _stored(aws, tenant)[1]["currency"] == "USD"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"currency": "euro"}, "currency"),
        ({"north_star": "top_products"}, "north_star"),
        ({"north_star": "no_such_metric"}, "north_star"),
        ({"conversion_events": ["Order Completed", ""]}, "conversion_events"),
        ({"conversion_events": ["A", "A"]}, "conversion_events"),
        ({"gross_margin": 0}, "gross_margin"),
        ({"gross_margin": 1.5}, "gross_margin"),
        ({"engagement_weights": {"recency": -1}}, "engagement_weights.recency"),
        ({"retention_days_events": 0}, "retention_days_events"),
        ({"retention_days_events": 400}, "retention_days_events"),
        ({"retention_days_comments": 800}, "retention_days_comments"),
        ({"retention_days_responses": 100, "retention_days_comments": 200}, "retention_days_comments"),
        ({"name": "   "}, "name"),
        ({"schema_mode": "strict"}, "schema_mode"),
    ],
)
def test_invalid_settings_are_refused_naming_the_field_and_nothing_is_stored(
    aws: Runtime, tenant: TenantKeys, api: Client, body: dict[str, Any], field: str
) -> None:
    before = _stored(aws, tenant)
    response = _put(api, bearer(tenant.admin_key), {**body, "version": 0})
    assert response.status_code == 400, response.body
    error = json.loads(response.body)
    assert error["field"] == field, error
    assert _stored(aws, tenant) == before
    assert aws.audit.list(tenant.tenant_id, date(2000, 1, 1), datetime.now(UTC).date()) == []


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({}, {"currency": "USD"}, 428, "precondition_required"),
        ({"If-Match": '"settings-7"'}, {"currency": "USD"}, 412, "version_conflict"),
        ({}, {"currency": "USD", "version": 3}, 412, "version_conflict"),
        ({"If-Match": "*"}, {"currency": "USD"}, 400, "invalid_request"),
        ({"If-Match": '"settings-0"'}, {"currency": "USD", "version": 2}, 400, "invalid_request"),
        ({}, ["not", "an", "object"], 400, "invalid_request"),
    ],
)
def test_a_change_not_based_on_the_current_version_is_refused(
    aws: Runtime,
    tenant: TenantKeys,
    api: Client,
    headers: dict[str, str],
    body: Any,
    status: int,
    code: str,
) -> None:
    before = _stored(aws, tenant)
    response = _put(api, {**bearer(tenant.admin_key), **headers}, body)
    assert response.status_code == status, response.body
    assert json.loads(response.body)["code"] == code
    assert _stored(aws, tenant) == before


def test_two_admins_editing_at_once_never_overwrite_each_other(
    aws: Runtime, tenant: TenantKeys, api: Client
) -> None:
    admin = bearer(tenant.admin_key)
    etag = api.http.get("/v1/settings", headers=admin).headers["ETag"]
    assert _put(api, {**admin, "If-Match": etag}, {"currency": "USD"}).status_code == 200
    late = _put(api, {**admin, "If-Match": etag}, {"currency": "GBP"})
    assert late.status_code == 412
    assert "version 1" in json.loads(late.body)["message"]
    assert _stored(aws, tenant)[1]["currency"] == "USD"
    # an operator's config change (CLI) moves the version too
    aws.tenants.update_config(tenant.tenant_id, aws.tenants.get_tenant(tenant.tenant_id).config)  # type: ignore[union-attr]
    assert _put(api, admin, {"currency": "GBP", "version": 1}).status_code == 412
