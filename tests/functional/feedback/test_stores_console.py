"""The stores & QR codes console: every form (valid, invalid, forbidden), store scope, downloads."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client, team_session
from tests.unit.feedback.qr_decode import decode_qr_png
from touchpoint.models.locations import TouchpointKind
from touchpoint.models.surveys import SurveyDefinition
from touchpoint.runtime import Runtime
from touchpoint.surveys.service import SurveyService

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
STORES = "/console/stores"
BERLIN_TILL = "/console/stores/berlin/touchpoints/till-1"
#: What Chromium sends when a person follows a link.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture
def console(aws: Runtime, tenant: TenantKeys) -> Iterator[Client]:
    """The feedback function with two stores, `berlin` (touchpoint `till-1`) and `hamburg` (`door`)."""
    for location_id, name, touchpoint in (
        ("berlin", "Berlin Mitte", "till-1"),
        ("hamburg", "Hamburg", "door"),
    ):
        aws.locations.create_location(tenant.tenant_id, location_id, name)
        aws.locations.create_touchpoint(
            tenant.tenant_id, location_id, touchpoint, TouchpointKind.TILL, "Kasse"
        )
    with function_client("feedback") as client:
        yield client


def admin(tenant: TenantKeys) -> dict[str, str]:
    return {**bearer(tenant.admin_key), "Sec-Fetch-Site": "same-origin"}


def manager(aws: Runtime, tenant: TenantKeys, *stores: str) -> dict[str, str]:
    """A Berlin store manager (an editor scoped to `stores`)."""
    return team_session(aws, tenant.tenant_id, "editor", locations=stores or ("berlin",))


def post(client: Client, path: str, headers: dict[str, str], fields: dict[str, Any]) -> Any:
    return client.http.post(path, headers={**headers, **FORM}, body=urlencode(fields, doseq=True))


def html(response: Any) -> str:
    return str(response.body.decode("utf-8") if isinstance(response.body, bytes) else response.body)


def audit_actions(aws: Runtime, tenant: TenantKeys) -> list[str]:
    today = date.today()
    return [e.action for e in aws.audit.list(tenant.tenant_id, today, today)]


def active_survey(aws: Runtime, tenant: TenantKeys, survey_id: str, activate: bool = True) -> None:
    definition = SurveyDefinition.model_validate(
        {
            "surveyId": survey_id,
            "name": f"Survey {survey_id}",
            "questions": [{"id": "nps", "kind": "nps", "required": True, "text": {"de": "Empfehlen?"}}],
        }
    )
    service = SurveyService(aws)
    service.create_survey(tenant.tenant_id, definition)
    if activate:
        service.activate(tenant.tenant_id, survey_id)


# Stores --------------------------------------------------------------------------------------------


def test_the_list_shows_every_store_and_a_new_store_is_created_and_audited(
    aws: Runtime, tenant: TenantKeys, console: Client
) -> None:
    page = console.http.get(STORES + "?lang=en", headers=admin(tenant))
    assert page.status_code == 200 and "Berlin Mitte" in html(page) and "Hamburg" in html(page)
    assert "New store" in html(page) and "script" not in html(page).lower()
    fields = {
        "location_id": "koeln",
        "name": "Köln Ehrenstraße",
        "address": "Ehrenstr. 1",
        "default_language": "en",
    }
    created = post(console, STORES, admin(tenant), {**fields, "has_door_counter": "1"})
    assert created.status_code == 303
    assert created.headers["Location"] == "/console/stores/koeln?done=store_created"
    stored = aws.locations.get_location(tenant.tenant_id, "koeln")
    assert stored is not None and stored.name == "Köln Ehrenstraße" and stored.has_door_counter
    assert stored.default_language == "en" and stored.address == "Ehrenstr. 1"
    shown = console.http.get("/console/stores/koeln?done=store_created&lang=de", headers=admin(tenant))
    assert shown.status_code == 200 and "Die Filiale ist angelegt." in html(shown)
    assert "stores.create" in audit_actions(aws, tenant)


@pytest.mark.parametrize(
    ("fields", "field_text"),
    [
        ({"location_id": "bad id!", "name": "X"}, "letters, digits, - and _"),
        ({"location_id": "ok", "name": ""}, "Please enter a name"),
        ({"location_id": "ok", "name": "X", "default_language": "fr"}, "German or English"),
        ({"location_id": "berlin", "name": "Second Berlin"}, "This id is taken already."),
    ],
)
def test_an_invalid_new_store_shows_the_form_again_and_stores_nothing(
    aws: Runtime, tenant: TenantKeys, console: Client, fields: dict[str, str], field_text: str
) -> None:
    before = aws.locations.list_locations(tenant.tenant_id)
    response = post(console, STORES + "?lang=en", admin(tenant), fields)
    assert response.status_code == 400
    page = html(response)
    assert field_text in page and "nothing was saved" in page
    assert f'value="{fields["name"]}"' in page  # the values are kept
    assert aws.locations.list_locations(tenant.tenant_id) == before
    assert "stores.create" not in audit_actions(aws, tenant)


def test_a_store_is_edited_and_an_invalid_edit_changes_nothing(
    aws: Runtime, tenant: TenantKeys, console: Client
) -> None:
    saved = post(
        console, "/console/stores/berlin", admin(tenant), {"name": "Berlin Alex", "default_language": "de"}
    )
    assert saved.status_code == 303 and saved.headers["Location"].endswith("done=store_saved")
    store = aws.locations.get_location(tenant.tenant_id, "berlin")
    assert store is not None and store.name == "Berlin Alex" and not store.has_door_counter
    refused = post(
        console, "/console/stores/berlin?lang=de", admin(tenant), {"name": "", "address": "x" * 501}
    )
    assert refused.status_code == 400
    assert "Bitte einen Namen" in html(refused) and "Höchstens 500 Zeichen." in html(refused)
    assert aws.locations.get_location(tenant.tenant_id, "berlin") == store
    assert audit_actions(aws, tenant).count("stores.update") == 1


@pytest.mark.parametrize("role", ["viewer"])
def test_viewers_and_read_keys_may_not_open_or_post_the_stores_console(
    aws: Runtime, tenant: TenantKeys, console: Client, role: str
) -> None:
    for headers in (team_session(aws, tenant.tenant_id, role), bearer(tenant.read_key)):
        assert console.http.get(STORES, headers=headers).status_code == 403
        assert console.http.get(BERLIN_TILL, headers=headers).status_code == 403
        assert post(console, STORES, headers, {"location_id": "x", "name": "X"}).status_code == 403
        assert post(console, BERLIN_TILL + "/revoke", headers, {"confirm": "1"}).status_code == 403
    assert aws.locations.get_location(tenant.tenant_id, "x") is None
    touchpoint = aws.locations.get_touchpoint(tenant.tenant_id, "berlin", "till-1")
    assert touchpoint is not None and not touchpoint.revoked
    # without any sign-in: to the sign-in page and back
    anonymous = console.http.get(STORES)
    assert anonymous.status_code == 303 and anonymous.headers["Location"].startswith("/dashboard/login?next=")


def test_a_cross_site_post_with_an_editor_session_is_refused(
    aws: Runtime, tenant: TenantKeys, console: Client
) -> None:
    headers = {**team_session(aws, tenant.tenant_id, "editor"), "Sec-Fetch-Site": "cross-site"}
    assert post(console, STORES, headers, {"location_id": "x", "name": "X"}).status_code == 403
    assert aws.locations.get_location(tenant.tenant_id, "x") is None


def test_an_unscoped_editor_creates_stores(aws: Runtime, tenant: TenantKeys, console: Client) -> None:
    editor = team_session(aws, tenant.tenant_id, "editor")
    assert post(console, STORES, editor, {"location_id": "bonn", "name": "Bonn"}).status_code == 303
    assert aws.locations.get_location(tenant.tenant_id, "bonn") is not None


# Store scope -------------------------------------------------------------------------------------


def test_a_berlin_manager_never_sees_or_touches_hamburg(
    aws: Runtime, tenant: TenantKeys, console: Client
) -> None:
    headers = manager(aws, tenant)
    listing = html(console.http.get(STORES, headers=headers))
    assert "Berlin Mitte" in listing and "Hamburg" not in listing and "hamburg" not in listing
    hamburg = "/console/stores/hamburg"
    hamburg_door = hamburg + "/touchpoints/door"
    for path in (
        hamburg,
        hamburg_door,
        "/v1/locations/hamburg/touchpoints/door/qr.png",
        "/v1/locations/hamburg/touchpoints/door/poster?format=pdf",
    ):
        assert console.http.get(path, headers={**headers, "Accept": "*/*"}).status_code == 404, path
    posts = [
        (hamburg, {"name": "Mine now"}),
        (hamburg + "/touchpoints", {"touchpoint_id": "new", "kind": "till", "label": "x"}),
        (hamburg_door + "/survey", {"survey_id": ""}),
        (hamburg_door + "/rotate", {"confirm": "1"}),
        (hamburg_door + "/revoke", {"confirm": "1"}),
    ]
    for path, fields in posts:
        assert post(console, path, headers, fields).status_code == 404, path
    store = aws.locations.get_location(tenant.tenant_id, "hamburg")
    door = aws.locations.get_touchpoint(tenant.tenant_id, "hamburg", "door")
    assert store is not None and store.name == "Hamburg"
    assert door is not None and door.token_version == 1 and not door.revoked and door.survey_id is None
    assert [t.touchpoint_id for t in aws.locations.list_touchpoints(tenant.tenant_id, "hamburg")] == ["door"]
    # Berlin is theirs: the page, the QR code and a change work.
    assert console.http.get(BERLIN_TILL, headers=headers).status_code == 200
    png = console.http.get(
        "/v1/locations/berlin/touchpoints/till-1/qr.png", headers={**headers, "Accept": "image/png"}
    )
    assert png.status_code == 200
    assert post(console, BERLIN_TILL + "/rotate", headers, {"confirm": "1"}).status_code == 303


def test_a_store_manager_cannot_create_stores(aws: Runtime, tenant: TenantKeys, console: Client) -> None:
    headers = manager(aws, tenant)
    page = html(console.http.get(STORES + "?lang=en", headers=headers))
    assert "New store" not in page
    refused = post(console, STORES + "?lang=en", headers, {"location_id": "berlin-2", "name": "Berlin 2"})
    assert refused.status_code == 403 and "an account without a store scope creates new stores" in html(
        refused
    )
    assert aws.locations.get_location(tenant.tenant_id, "berlin-2") is None


# Touchpoints -------------------------------------------------------------------------------------


def test_a_touchpoint_is_created_and_invalid_ones_store_nothing(
    aws: Runtime, tenant: TenantKeys, console: Client
) -> None:
    fields = {"touchpoint_id": "fitting-2", "kind": "fitting_room", "label": "Umkleide 2"}
    created = post(console, "/console/stores/berlin/touchpoints", admin(tenant), fields)
    assert created.status_code == 303
    assert (
        created.headers["Location"] == "/console/stores/berlin/touchpoints/fitting-2?done=touchpoint_created"
    )
    touchpoint = aws.locations.get_touchpoint(tenant.tenant_id, "berlin", "fitting-2")
    assert (
        touchpoint is not None
        and touchpoint.kind is TouchpointKind.FITTING_ROOM
        and touchpoint.survey_id is None
    )
    for bad, text in (
        ({**fields, "touchpoint_id": "till-1"}, "This id is taken already."),
        ({**fields, "touchpoint_id": "x y"}, "letters, digits"),
        ({**fields, "touchpoint_id": "ok", "kind": "window"}, "Please choose a kind."),
        ({**fields, "touchpoint_id": "ok", "label": ""}, "Please enter a label"),
    ):
        response = post(console, "/console/stores/berlin/touchpoints?lang=en", admin(tenant), bad)
        assert response.status_code == 400 and text in html(response), bad
    assert sorted(t.touchpoint_id for t in aws.locations.list_touchpoints(tenant.tenant_id, "berlin")) == [
        "fitting-2",
        "till-1",
    ]
    assert post(console, "/console/stores/nowhere/touchpoints", admin(tenant), fields).status_code == 404


def test_a_survey_is_bound_from_the_active_ones_only(
    aws: Runtime, tenant: TenantKeys, console: Client
) -> None:
    active_survey(aws, tenant, "till-nps")
    active_survey(aws, tenant, "draft-one", activate=False)
    page = html(console.http.get(BERLIN_TILL, headers=admin(tenant)))
    assert 'value="till-nps"' in page and 'value="draft-one"' not in page
    bound = post(console, BERLIN_TILL + "/survey", admin(tenant), {"survey_id": "till-nps"})
    assert bound.status_code == 303
    touchpoint = aws.locations.get_touchpoint(tenant.tenant_id, "berlin", "till-1")
    assert touchpoint is not None and touchpoint.survey_id == "till-nps"
    for survey_id in ("draft-one", "nope"):
        refused = post(console, BERLIN_TILL + "/survey?lang=en", admin(tenant), {"survey_id": survey_id})
        assert refused.status_code == 400 and "Please choose an active survey." in html(refused)
    assert aws.locations.get_touchpoint(tenant.tenant_id, "berlin", "till-1") == touchpoint
    back = post(console, BERLIN_TILL + "/survey", admin(tenant), {"survey_id": ""})
    assert back.status_code == 303
    touchpoint = aws.locations.get_touchpoint(tenant.tenant_id, "berlin", "till-1")
    assert touchpoint is not None and touchpoint.survey_id is None
    assert audit_actions(aws, tenant).count("touchpoints.bind_survey") == 2


def test_rotate_and_revoke_need_the_confirmation_box(
    aws: Runtime, tenant: TenantKeys, console: Client
) -> None:
    for action in ("rotate", "revoke"):
        refused = post(console, f"{BERLIN_TILL}/{action}?lang=en", admin(tenant), {})
        assert refused.status_code == 400 and "Please confirm this with the checkbox." in html(refused)
    unchanged = aws.locations.get_touchpoint(tenant.tenant_id, "berlin", "till-1")
    assert unchanged is not None and unchanged.token_version == 1 and not unchanged.revoked
    old_png = console.http.get(
        BERLIN_TILL.replace("/console/stores", "/v1/locations") + "/qr.png",
        headers={**admin(tenant), "Accept": "image/png"},
    )
    assert post(console, BERLIN_TILL + "/rotate", admin(tenant), {"confirm": "1"}).status_code == 303
    rotated = aws.locations.get_touchpoint(tenant.tenant_id, "berlin", "till-1")
    assert rotated is not None and rotated.token_version == 2
    new_png = console.http.get(
        BERLIN_TILL.replace("/console/stores", "/v1/locations") + "/qr.png",
        headers={**admin(tenant), "Accept": "image/png"},
    )
    assert decode_qr_png(new_png.body) != decode_qr_png(old_png.body)
    assert post(console, BERLIN_TILL + "/revoke", admin(tenant), {"confirm": "1"}).status_code == 303
    revoked = aws.locations.get_touchpoint(tenant.tenant_id, "berlin", "till-1")
    assert revoked is not None and revoked.revoked
    page = html(console.http.get(BERLIN_TILL + "?lang=en&done=revoked", headers=admin(tenant)))
    assert (
        "Every code is revoked." in page and "rotate it to issue a new code" in page and "qr.png" not in page
    )
    assert {"touchpoints.rotate", "touchpoints.revoke"} <= set(audit_actions(aws, tenant))


def test_the_touchpoint_page_links_downloads_that_an_editor_session_can_fetch(
    aws: Runtime, tenant: TenantKeys, console: Client
) -> None:
    editor = team_session(aws, tenant.tenant_id, "editor")
    page = html(console.http.get(BERLIN_TILL, headers=editor))
    base = "/v1/locations/berlin/touchpoints/till-1"
    for link in ("/qr.png", "/qr.svg", "/poster?size=A4&amp;format=pdf", "/poster?size=A5&amp;format=pdf"):
        assert f'href="{base}{link}' in page, link
    url = page.split('id="form_url" value="', 1)[1].split('"', 1)[0]
    png = console.http.get(base + "/qr.png", headers={**editor, "Accept": "image/png"})
    assert png.status_code == 200 and decode_qr_png(png.body) == [url]
    # a link with a `download` attribute makes Chromium ask without Accept: Chalice refuses binary (400)
    assert " download" not in page
    followed = console.http.get(base + "/qr.png", headers={**editor, "Accept": BROWSER_ACCEPT})
    assert followed.status_code == 200 and followed.headers["Content-Type"] == "image/png"
    for size in ("A4", "A5"):
        pdf = console.http.get(
            f"{base}/poster?size={size}&format=pdf", headers={**editor, "Accept": "application/pdf"}
        )
        assert pdf.status_code == 200 and pdf.body.startswith(b"%PDF")
    svg = console.http.get(base + "/qr.svg", headers=editor)
    assert svg.status_code == 200 and html(svg).lstrip().startswith("<")
    # a viewer may not download them
    viewer = team_session(aws, tenant.tenant_id, "viewer")
    assert console.http.get(base + "/qr.png", headers={**viewer, "Accept": "image/png"}).status_code == 403
    assert (
        json.loads(console.http.get(base + "/qr.svg", headers=bearer(tenant.read_key)).body)["code"]
        == "forbidden"
    )


def test_the_dev_server_and_the_public_host_route_the_stores_alerts_and_keys_consoles(
    aws: Runtime, tenant: TenantKeys, console: Client
) -> None:
    from tests.e2e.test_stack import stack  # infra/stack.py as a script's module (infra/ is no package)
    from touchpoint_cli.apps import load_app
    from touchpoint_cli.devserver import Router, mount, route_owner
    from touchpoint_cli.paths import HTTP_FUNCTIONS

    apps = [mount(name, load_app(name)) for name in HTTP_FUNCTIONS]
    owners = {
        "/console/stores": "feedback",
        "/console/stores/berlin": "feedback",
        BERLIN_TILL + "/revoke": "feedback",
        "/console/alerts": "insights",
        "/console/alerts/rules/r1": "insights",
        "/console/alerts/webhook/rotate": "insights",
        "/console/keys": "insights",
        "/console/keys/abc/rotate": "insights",
        "/v1/keys": "insights",
        "/v1/keys/abc/revoke": "insights",
    }
    for path, function in owners.items():
        found = route_owner(apps, path)
        assert found is not None and found.name == function, path
        # CloudFront: the first matching pattern wins
        assert next(f for pattern, f in stack.ROUTES if fnmatch.fnmatchcase(path, pattern)) == function, path
    answer = Router(apps, {}).handle("GET", "/console/stores?lang=en", bearer(tenant.admin_key), None)
    assert answer["statusCode"] == 200 and "Berlin Mitte" in answer["body"]
