"""The settings page (`/console/settings`, admins) and the rollups page (`/console/rollups`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, function_client, team_session
from touchpoint.runtime import Runtime

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TODAY = datetime.now(UTC).date()
VALID = {
    "version": "0",
    "name": "Acme Kaffee",
    "timezone": "Europe/Berlin",
    "currency": "CHF",
    "north_star": "nps",
    "conversion_events": "Order Completed\r\nTable Booked\r\n",
    "gross_margin": "0.4",
    "engagement_weights.recency": "1",
    "engagement_weights.frequency": "1",
    "engagement_weights.monetary": "0.5",
    "engagement_weights.breadth": "0",
    "engagement_weights.feedback": "2",
    "retention_days_events": "200",
    "retention_days_responses": "300",
    "retention_days_comments": "",
}


@pytest.fixture
def api(aws: Runtime, tenant: TenantKeys) -> Iterator[Client]:
    with function_client("insights") as client:
        yield client


@pytest.fixture
def admin(aws: Runtime, tenant: TenantKeys) -> dict[str, str]:
    return team_session(aws, tenant.tenant_id, "admin", email="chefin@acme.example")


def post(client: Client, path: str, headers: dict[str, str], fields: dict[str, str]) -> Any:
    return client.http.post(path, headers={**headers, **FORM}, body=urlencode(fields))


def page(response: Any) -> str:
    return str(response.body.decode("utf-8") if isinstance(response.body, bytes) else response.body)


def stored(aws: Runtime, tenant: TenantKeys) -> tuple[str, dict[str, Any], int]:
    found = aws.tenants.get_tenant(tenant.tenant_id)
    assert found is not None
    return found.name, found.config.model_dump(mode="json"), aws.tenants.settings_version(tenant.tenant_id)


def audit_actions(aws: Runtime, tenant: TenantKeys) -> list[str]:
    return [e.action for e in aws.audit.list(tenant.tenant_id, date(2000, 1, 1), TODAY + timedelta(days=1))]


def test_an_admin_sees_and_saves_every_field(
    aws: Runtime, tenant: TenantKeys, api: Client, admin: dict[str, str]
) -> None:
    form = page(api.http.get("/console/settings?lang=en", headers=admin))
    for name in ("name", "timezone", "currency", "north_star", "conversion_events", "gross_margin"):
        assert f'name="{name}"' in form, name
    for name in ("engagement_weights.recency", "retention_days_events", "retention_days_comments"):
        assert f'name="{name}"' in form, name
    assert 'name="version" value="0"' in form and 'value="Acme"' in form
    assert "Time zone (IANA" in form and 'value="nps"' in form

    saved = post(api, "/console/settings?lang=en", admin, VALID)
    assert saved.status_code == 303, page(saved)
    assert saved.headers["Location"] == "/console/settings?done=settings_saved"
    name, config, version = stored(aws, tenant)
    assert name == "Acme Kaffee" and version == 1
    assert (
        config["timezone"] == "Europe/Berlin"
        and config["currency"] == "CHF"
        and config["north_star"] == "nps"
    )
    assert config["conversion_events"] == ["Order Completed", "Table Booked"]
    assert config["engagement_weights"]["monetary"] == 0.5 and config["retention_days_comments"] is None
    assert audit_actions(aws, tenant) == ["settings.update"]
    shown = page(api.http.get("/console/settings?done=settings_saved&lang=de", headers=admin))
    assert "Gespeichert. Die Änderung gilt ab dem nächsten Tageslauf." in shown
    assert 'value="Acme Kaffee"' in shown and 'name="version" value="1"' in shown


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"timezone": "Mars/Olympus"}, ["timezone"]),
        ({"currency": "eur", "gross_margin": "1.5"}, ["currency", "gross_margin"]),
        ({"engagement_weights.breadth": "-1"}, ["engagement_weights.breadth"]),
        ({"retention_days_responses": "100", "retention_days_comments": "200"}, ["retention_days_comments"]),
        ({"north_star": "top_products"}, ["north_star"]),
        ({"name": ""}, ["name"]),
    ],
)
def test_invalid_input_shows_the_form_with_errors_next_to_the_fields_and_stores_nothing(
    aws: Runtime,
    tenant: TenantKeys,
    api: Client,
    admin: dict[str, str],
    changes: dict[str, str],
    fields: list[str],
) -> None:
    before = stored(aws, tenant)
    response = post(api, "/console/settings?lang=de", admin, {**VALID, **changes})
    assert response.status_code == 400
    html = page(response)
    assert "Bitte prüfen Sie die markierten Felder; nichts wurde gespeichert." in html
    for field in fields:
        assert f'id="{field}-error"' in html, field
    # what was typed stays in the form
    assert 'value="Acme Kaffee"' in html or changes.get("name") == ""
    assert stored(aws, tenant) == before
    assert audit_actions(aws, tenant) == []


def test_a_change_made_meanwhile_is_not_overwritten(
    aws: Runtime, tenant: TenantKeys, api: Client, admin: dict[str, str]
) -> None:
    assert post(api, "/console/settings", admin, {**VALID, "currency": "USD"}).status_code == 303
    stale = post(api, "/console/settings?lang=en", admin, {**VALID, "currency": "GBP"})  # still version 0
    assert stale.status_code == 409
    html = page(stale)
    assert "The settings were changed meanwhile." in html and 'value="USD"' in html
    assert 'name="version" value="1"' in html
    assert stored(aws, tenant)[1]["currency"] == "USD"


def test_only_admins_open_the_settings_page(aws: Runtime, tenant: TenantKeys, api: Client) -> None:
    before = stored(aws, tenant)
    for role in ("viewer", "editor"):
        headers = team_session(aws, tenant.tenant_id, role)
        assert api.http.get("/console/settings", headers=headers).status_code == 403
        assert post(api, "/console/settings", headers, VALID).status_code == 403
    signed_out = api.http.get("/console/settings")
    assert signed_out.status_code == 303 and signed_out.headers["Location"].startswith("/dashboard/login")
    assert stored(aws, tenant) == before


def test_a_cross_site_post_is_refused(
    aws: Runtime, tenant: TenantKeys, api: Client, admin: dict[str, str]
) -> None:
    before = stored(aws, tenant)
    cross = {**admin, "Sec-Fetch-Site": "cross-site"}
    assert post(api, "/console/settings", cross, VALID).status_code == 403
    day = (TODAY - timedelta(days=1)).isoformat()
    assert post(api, f"/console/rollups/{day}/rerun", cross, {}).status_code == 403
    assert stored(aws, tenant) == before
    assert aws.rollup_state.states_between(tenant.tenant_id, date(2000, 1, 1), TODAY) == []


def test_the_rollups_page_lists_days_and_admins_rerun_them(
    aws: Runtime, tenant: TenantKeys, api: Client, admin: dict[str, str]
) -> None:
    day = TODAY - timedelta(days=2)
    html = page(api.http.get("/console/rollups?lang=en", headers=admin))
    assert html.count('class="state-never"') == 30 and "Re-run" in html and "Recompute a period" in html
    rerun = post(api, f"/console/rollups/{day.isoformat()}/rerun?lang=en", admin, {})
    assert rerun.status_code == 303 and rerun.headers["Location"] == "/console/rollups?done=rerun"
    assert [s.status for s in aws.rollup_state.states_between(tenant.tenant_id, day, day)] == ["dirty"]
    after = page(api.http.get("/console/rollups?done=rerun&lang=de", headers=admin))
    assert "Der Tag ist zur Neuberechnung vorgemerkt" in after and "vorgemerkt</td>" in after

    first = TODAY - timedelta(days=9)
    marked = post(
        api, "/console/rollups/backfill", admin, {"from": first.isoformat(), "to": first.isoformat()}
    )
    assert marked.status_code == 303
    assert audit_actions(aws, tenant) == ["rollups.backfill", "rollups.rerun"]


@pytest.mark.parametrize(
    "fields",
    [
        {"from": "2026-02-30", "to": "2026-03-01"},
        {"from": TODAY.isoformat(), "to": (TODAY + timedelta(days=1)).isoformat()},
        {"from": (TODAY - timedelta(days=500)).isoformat(), "to": TODAY.isoformat()},
        {"from": "", "to": ""},
    ],
)
def test_a_bad_period_shows_the_page_with_the_reason_and_marks_nothing(
    aws: Runtime, tenant: TenantKeys, api: Client, admin: dict[str, str], fields: dict[str, str]
) -> None:
    response = post(api, "/console/rollups/backfill?lang=en", admin, fields)
    assert response.status_code == 400
    assert 'class="problem"' in page(response)
    assert (
        aws.rollup_state.states_between(tenant.tenant_id, date(2000, 1, 1), TODAY + timedelta(days=2)) == []
    )
    assert audit_actions(aws, tenant) == []


def test_viewers_see_the_rollups_but_no_rerun_forms(aws: Runtime, tenant: TenantKeys, api: Client) -> None:
    viewer = team_session(aws, tenant.tenant_id, "viewer")
    html = page(api.http.get("/console/rollups?lang=en", headers=viewer))
    assert "never computed" in html and "Re-run" not in html and "Recompute a period" not in html
    day = (TODAY - timedelta(days=1)).isoformat()
    assert post(api, f"/console/rollups/{day}/rerun", viewer, {}).status_code == 403
    assert post(api, "/console/rollups/backfill", viewer, {"from": day, "to": day}).status_code == 403
    assert aws.rollup_state.states_between(tenant.tenant_id, date(2000, 1, 1), TODAY) == []
