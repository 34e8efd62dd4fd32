"""The console frame: navigation by role, sign-in redirect, refused roles, forms from other sites."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from chalice.app import Request

from touchpoint.models.tenants import KeyKind
from touchpoint.models.users import Role
from touchpoint.web.auth import Principal
from touchpoint.web.console import frame
from touchpoint.web.errors import ApiError, forbidden, unauthorized
from touchpoint.web.forms import read_form_fields, same_origin
from touchpoint.web.templates import style_hash


def _request(
    path: str = "/console/settings",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    params: dict[str, str] | None = None,
) -> Request:
    event: dict[str, Any] = {
        "multiValueQueryStringParameters": None,
        "headers": {"host": "touchpoint.example", **(headers or {})},
        "pathParameters": params,
        "requestContext": {"httpMethod": "POST", "resourcePath": path},
        "body": body.decode(),
        "isBase64Encoded": False,
        "stageVariables": None,
        "path": path,
    }
    return Request(event)


@pytest.fixture
def templates(tmp_path: Path) -> Any:
    (tmp_path / "page.html").write_text(
        '{% extends "console_base.html" %}{% block main %}<p id="body">{{ body }}</p>{% endblock %}', "utf-8"
    )
    return frame.console_templates(tmp_path)


def user(role: Role) -> Principal:
    return Principal("acme", None, role=role, user_id="u1", email="ann@acme.example")


def test_navigation_shows_only_what_the_role_may_open() -> None:
    viewer = {item["key"] for item in frame.navigation(user(Role.VIEWER), "en", "", "")}
    editor = {item["key"] for item in frame.navigation(user(Role.EDITOR), "en", "", "")}
    admin = {item["key"] for item in frame.navigation(user(Role.ADMIN), "en", "", "")}
    assert "users" not in viewer and "stores" not in viewer and "inbox" in viewer
    assert "stores" in editor and "settings" not in editor
    assert admin == {item.key for item in frame.NAV}
    assert frame.navigation(None, "en", "", "") == []


def test_page_renders_in_the_frame_escaped_with_security_headers(templates: Any) -> None:
    response = frame.render_page(
        templates,
        _request(headers={"accept-language": "en"}),
        user(Role.ADMIN),
        "page.html",
        title="Settings",
        active="settings",
        body="<script>x</script>",
    )
    assert response.status_code == 200
    assert "&lt;script&gt;x&lt;/script&gt;" in response.body
    assert (
        '<a href="/console/settings?lang=en" class="active" aria-current="page">Settings</a>' in response.body
    )
    assert "ann@acme.example" in response.body
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert str(response.headers["Content-Security-Policy"]).startswith("default-src 'none'")


def test_the_inline_stylesheet_is_the_one_the_policy_allows(templates: Any) -> None:
    response = frame.render_page(
        templates, _request(), user(Role.ADMIN), "page.html", title="T", active="", body=""
    )
    [style] = re.findall(r"<style>(.*?)</style>", response.body, re.DOTALL)
    assert style == frame.CSS and '"' in style  # not HTML-escaped: the browser hashes it as sent
    assert style_hash(style) in response.headers["Content-Security-Policy"]


def test_german_page_and_kiosk_label(templates: Any) -> None:
    kiosk = Principal.for_key("acme", KeyKind.READ, "k1")
    response = frame.render_page(
        templates,
        _request(headers={"accept-language": "de-DE"}),
        kiosk,
        "page.html",
        title="T",
        active="",
        body="",
    )
    assert "Kiosk (nur lesen)" in response.body and "Abmelden" in response.body
    assert "Einstellungen" not in response.body  # a viewer does not get the settings section


def test_not_signed_in_goes_to_sign_in_and_comes_back(templates: Any) -> None:
    response = frame.console_error(templates, _request("/console/settings"), unauthorized())
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard/login?next=%2Fconsole%2Fsettings"


def test_a_page_with_path_parameters_links_and_returns_to_itself(templates: Any) -> None:
    route = "/console/stores/{location_id}/touchpoints/{touchpoint_id}"
    request = _request(route, params={"location_id": "berlin", "touchpoint_id": "kasse 1"})
    page = frame.render_page(
        templates, request, user(Role.EDITOR), "page.html", title="T", active="", body="touchpoint"
    ).body
    assert (
        'href="/console/stores/berlin/touchpoints/kasse%201?lang=en"' in page and "{location_id}" not in page
    )
    signed_out = frame.console_error(templates, request, unauthorized())
    assert signed_out.headers["Location"] == (
        "/dashboard/login?next=%2Fconsole%2Fstores%2Fberlin%2Ftouchpoints%2Fkasse%25201"
    )


def test_refused_role_gets_a_403_page(templates: Any) -> None:
    response = frame.console_error(templates, _request(headers={"accept-language": "en"}), forbidden())
    assert response.status_code == 403
    assert "Your role may not open this page." in response.body


def test_forms_from_another_site_are_refused() -> None:
    with pytest.raises(ApiError) as refused:
        frame.read_console_form(_request(headers={"origin": "https://evil.example"}, body=b"a=1"))
    assert refused.value.status == 403
    assert same_origin({"Sec-Fetch-Site": "same-origin"}) is True
    assert same_origin({"Sec-Fetch-Site": "cross-site"}) is False
    fields = frame.read_console_form(
        _request(headers={"origin": "https://touchpoint.example"}, body=b"a=1&b=x&b=y")
    )
    assert fields.get("a") == "1" and fields.all("b") == ["x", "y"] and not fields.has("c")


def test_oversized_or_unreadable_forms_are_refused() -> None:
    with pytest.raises(ApiError) as too_big:
        read_form_fields(b"a=" + b"x" * (70 * 1024))
    assert too_big.value.status == 413
    with pytest.raises(ApiError) as unreadable:
        read_form_fields(b"\xff\xfe=1")
    assert unreadable.value.status == 400
