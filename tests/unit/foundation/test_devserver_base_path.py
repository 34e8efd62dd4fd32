"""`touchpoint dev --base-path /api`: every route under the prefix only, the prefix handed on to the apps."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.app import Chalice
from click.testing import CliRunner

from touchpoint_cli.devserver import Router, base_path_option, mount
from touchpoint_cli.main import cli


def _echo_app() -> Any:
    app = Chalice(app_name="echo")

    @app.route("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.route("/v1/things/{thing}")
    def thing(thing: str) -> dict[str, Any]:
        request = app.current_request
        assert request is not None
        return {
            "thing": thing,
            "path": request.context["path"],
            "prefix": request.headers.get("x-forwarded-prefix"),
            "query": dict(request.query_params or {}),
        }

    return app


def _call(router: Router, path: str, **headers: str) -> tuple[int, Any]:
    response = router.handle("GET", path, headers, None)
    return int(response["statusCode"]), json.loads(response["body"])


@pytest.fixture(scope="module")
def apps() -> list[Any]:
    return [mount("echo", _echo_app())]


def test_under_a_base_path_the_prefix_is_taken_off_and_handed_on(apps: list[Any]) -> None:
    router = Router(apps, {}, "/api/")
    assert router.base_path == "/api"
    status, body = _call(router, "/api/v1/things/a?x=1")
    assert status == 200
    assert body == {"thing": "a", "path": "/v1/things/a", "prefix": "/api", "query": {"x": "1"}}
    status, health = _call(router, "/api/health")
    assert status == 200 and health["functions"]["echo"] == {"status": "ok"}
    # an outer proxy's prefix comes first; a bad one is dropped
    assert _call(router, "/api/v1/things/b", **{"X-Forwarded-Prefix": "/edge"})[1]["prefix"] == "/edge/api"
    assert _call(router, "/api/v1/things/b", **{"X-Forwarded-Prefix": "//evil"})[1]["prefix"] == "/api"


@pytest.mark.parametrize("path", ["/v1/things/a", "/health", "/apix/v1/things/a", "/", "/ap"])
def test_outside_the_base_path_nothing_is_served(apps: list[Any], path: str) -> None:
    status, body = _call(Router(apps, {}, "/api"), path)
    assert status == 404 and body["code"] == "not_found"


def test_at_the_root_nothing_changes(apps: list[Any]) -> None:
    router = Router(apps, {})
    status, body = _call(router, "/v1/things/a")
    assert status == 200 and body["prefix"] is None and body["path"] == "/v1/things/a"
    assert _call(router, "/api/v1/things/a")[0] == 404
    # a proxy in front of the root server may still name its prefix; the apps check it themselves
    assert _call(router, "/v1/things/a", **{"X-Forwarded-Prefix": "/edge"})[1]["prefix"] == "/edge"


@pytest.mark.parametrize("bad", ["api", "//evil.example", "/a/../b", "/a b"])
def test_a_bad_base_path_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="the base path must be a path like /api"):
        base_path_option(bad)
    result = CliRunner().invoke(cli, ["dev", "--base-path", bad])
    assert result.exit_code == 2  # click's usage error: nothing was started
    assert "the base path must be a path like /api" in result.output
