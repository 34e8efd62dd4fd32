"""The path prefix of links and redirects: configured, from a proxy's header, or from API Gateway's context."""

from __future__ import annotations

from typing import Any

import pytest

from touchpoint.settings import ConfigurationError
from touchpoint.web.base_path import (
    base_path,
    base_path_settings_from_env,
    cookie_path,
    normalize_prefix,
    prefix_from_context,
)

STAGE_CONTEXT = {"path": "/api/dashboard/comments", "resourcePath": "/dashboard/comments", "stage": "api"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/api", "/api"),
        ("/api/", "/api"),
        (" /tp/v2 ", "/tp/v2"),
        ("/a.b_c~d-e", "/a.b_c~d-e"),
        ("", ""),
        ("/", ""),
        ("api", None),  # not a path
        ("//evil.example", None),  # a protocol-relative URL: another site
        ("/a//b", None),
        ("/a/../b", None),
        ("/./a", None),
        ("/..", None),
        ("https://evil.example/api", None),
        ("/api?next=x", None),
        ("/api#x", None),
        ("/a b", None),
        ("/ä", None),
        ("/api\r\nSet-Cookie: x=1", None),
        ("/" + "a" * 250, None),
    ],
)
def test_a_prefix_is_a_plain_path_or_nothing(value: str, expected: str | None) -> None:
    assert normalize_prefix(value) == expected


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (STAGE_CONTEXT, "/api"),
        ({"path": "/prod/f/tok.en-1", "resourcePath": "/f/{token}"}, "/prod"),  # a path parameter
        ({"path": "/tp/v2/health", "resourcePath": "/health"}, "/tp/v2"),  # a base path mapping
        ({"path": "/api/dashboard/", "resourcePath": "/dashboard"}, "/api"),  # a trailing slash
        ({"path": "/dashboard", "resourcePath": "/dashboard"}, ""),  # locally, or a custom domain at /
        ({"path": "/api/other/comments", "resourcePath": "/dashboard/comments"}, ""),  # not the route's path
        ({"path": "/x", "resourcePath": "/dashboard/comments"}, ""),
        ({"path": "/../dashboard", "resourcePath": "/dashboard"}, ""),  # never an unsafe prefix
        ({"resourcePath": "/dashboard"}, ""),
        ({"path": "/api/dashboard"}, ""),
        ({"path": None, "resourcePath": 3}, ""),
        ({}, ""),
    ],
)
def test_the_prefix_from_api_gateways_context_is_the_path_before_the_route(
    context: dict[str, Any], expected: str
) -> None:
    assert prefix_from_context(context) == expected


def test_configured_wins_over_the_header_which_wins_over_the_context() -> None:
    header = {"X-Forwarded-Prefix": "/proxy"}
    assert base_path({}, STAGE_CONTEXT) == "/api"
    assert base_path(header, STAGE_CONTEXT) == "/proxy"
    assert base_path({"x-forwarded-prefix": "/proxy/"}, {}) == "/proxy"  # any header case
    assert base_path(header, STAGE_CONTEXT, "/configured") == "/configured"
    # `/` configured: the root, e.g. CloudFront in front of the stage URL hides the stage
    assert base_path(header, STAGE_CONTEXT, "") == ""
    assert base_path({"X-Forwarded-Prefix": "/"}, STAGE_CONTEXT) == ""  # a proxy that serves at the root
    assert base_path({"X-Forwarded-Prefix": "/outer, /inner"}, {}) == "/outer"  # the first of a list
    assert base_path({}, None) == ""


@pytest.mark.parametrize("sent", ["//evil.example", "https://evil.example", "/a/../b", "x"])
def test_a_bad_forwarded_prefix_is_ignored(sent: str) -> None:
    assert base_path({"X-Forwarded-Prefix": sent}, STAGE_CONTEXT) == "/api"
    assert base_path({"X-Forwarded-Prefix": sent}, {}) == ""


def test_touchpoint_base_path_is_validated_naming_the_variable() -> None:
    assert base_path_settings_from_env({}).base_path is None  # unset: from each request
    assert base_path_settings_from_env({"TOUCHPOINT_BASE_PATH": "/api/"}).base_path == "/api"
    assert base_path_settings_from_env({"TOUCHPOINT_BASE_PATH": "/"}).base_path == ""
    for bad in ("api", "//evil.example", "/a/../b"):
        with pytest.raises(ConfigurationError, match="TOUCHPOINT_BASE_PATH must be a path like /api"):
            base_path_settings_from_env({"TOUCHPOINT_BASE_PATH": bad})


def test_cookies_are_scoped_to_the_prefix() -> None:
    assert cookie_path("") == "/"
    assert cookie_path("/api") == "/api"
