"""The API contract: docs/openapi.json matches the live route tables, the models and the served copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from chalice.app import Chalice
from click.testing import CliRunner
from openapi_spec_validator import validate
from pydantic import BaseModel, Field

from tests.conftest import function_client
from touchpoint import __version__
from touchpoint.web.auth import ADMIN, PUBLIC, READ, WRITE
from touchpoint.web.contract import Operation, Param
from touchpoint.web.openapi import build_document, documented_routes, live_routes, render
from touchpoint.web.routing import route
from touchpoint_cli.openapi import (
    DOC_PATH,
    SERVED_PATH,
    current_document,
    http_apps,
    openapi_command,
    stale_files,
)
from touchpoint_cli.paths import REPO_ROOT

# POST/PUT routes that take no body: everything else that writes must document the one it validates.
BODYLESS = {
    ("/v1/surveys/{survey_id}/activate", "POST"),
    ("/v1/surveys/{survey_id}/close", "POST"),
    ("/v1/locations/{location_id}/touchpoints/{touchpoint_id}/rotate", "POST"),
    ("/v1/locations/{location_id}/touchpoints/{touchpoint_id}/revoke", "POST"),
    ("/v1/alerts/webhook/rotate", "POST"),
    ("/v1/alerts/{alert_id}/redeliver", "POST"),
    ("/dashboard/logout", "POST"),
    ("/v1/keys/{key_id}/rotate", "POST"),
    ("/v1/keys/{key_id}/revoke", "POST"),
    ("/v1/notifications/rules/{rule_id}/rotate-secret", "POST"),
    ("/v1/notifications/rules/{rule_id}/test", "POST"),
    ("/v1/rollups/{date}/rerun", "POST"),
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DOC_PATH.read_text(encoding="utf-8"))
    return loaded


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, m.upper(), op) for path, item in document["paths"].items() for m, op in item.items()]


def test_committed_document_and_served_copy_are_current() -> None:
    text = current_document()
    stale = [str(p.relative_to(REPO_ROOT)) for p in stale_files(text)]
    assert not stale, f"{stale} differ from the code: run `touchpoint openapi`"


def test_document_lists_exactly_the_routes_the_functions_serve(document: dict[str, Any]) -> None:
    live = live_routes(http_apps())
    documented = documented_routes(document)
    assert not live - documented, f"routes missing from docs/openapi.json: {sorted(live - documented)}"
    assert not documented - live, f"documented routes no function serves: {sorted(documented - live)}"


def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"]["version"] == __version__
    validate(document)


def test_every_route_declares_its_keys_and_errors(document: dict[str, Any]) -> None:
    for path, method, op in _operations(document):
        keys = op["x-touchpoint-keys"]
        schemes = [next(iter(s)) for s in op["security"]]
        where = f"{method} {path}"
        if not keys:
            assert schemes == [], where
            continue
        assert {"400", "401", "403", "503"} <= set(op["responses"]), where
        assert schemes[0] == ("basicKey" if keys == ["write"] else "bearerKey"), where
        assert ("dashboardSession" in schemes) == ("read" in keys), where
        if "{" in path:
            assert "404" in op["responses"], where


def test_every_writing_route_documents_the_body_it_validates(document: dict[str, Any]) -> None:
    for path, method, op in _operations(document):
        if method in ("POST", "PUT") and (path, method) not in BODYLESS:
            assert "requestBody" in op, f"{method} {path} has no documented body"
        if (path, method) in BODYLESS:
            assert "requestBody" not in op, f"{method} {path}"


def test_bodies_and_answers_come_from_the_models(document: dict[str, Any]) -> None:
    def body_ref(path: str, method: str, media: str = "application/json") -> str:
        return str(document["paths"][path][method]["requestBody"]["content"][media]["schema"]["$ref"])

    assert body_ref("/v1/track", "post") == "#/components/schemas/TrackEvent"
    assert body_ref("/v1/b", "post", "text/plain") == "#/components/schemas/BatchRequest"
    assert body_ref("/v1/surveys", "post") == "#/components/schemas/SurveyDefinition"
    assert body_ref("/v1/alerts/rules", "post") == "#/components/schemas/AlertRuleInput"
    assert body_ref("/v1/locations", "post") == "#/components/schemas/NewLocation"
    gzip = document["paths"]["/v1/batch"]["post"]["requestBody"]["content"]["application/gzip"]
    assert gzip["schema"] == {"type": "string", "format": "binary"}
    answer = document["paths"]["/v1/surveys/{survey_id}/responses"]["post"]["responses"]["201"]
    assert answer["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/SubmittedResponse"
    error = document["components"]["responses"]["BadRequest"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/ErrorBody"}
    assert document["components"]["schemas"]["ErrorBody"]["required"] == ["code", "message"]
    metric = next(p for p in document["paths"]["/v1/metrics"]["get"]["parameters"] if p["name"] == "metric")
    assert metric["required"] is True and "nps" in metric["schema"]["enum"]


def test_insights_serves_the_document_without_a_key(aws: Any) -> None:
    with function_client("insights") as client:
        response = client.http.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.body.decode("utf-8") == SERVED_PATH.read_text(encoding="utf-8")


def test_check_command_passes_on_the_committed_files() -> None:
    result = CliRunner().invoke(openapi_command, ["--check"])
    assert result.exit_code == 0, result.output


def test_stale_files_names_a_missing_or_changed_copy(tmp_path: Path) -> None:
    same, changed, missing = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    same.write_text("{}\n")
    changed.write_text('{"x": 1}\n')
    assert stale_files("{}\n", (same, changed, missing)) == [changed, missing]


# The builder on small apps ------------------------------------------------------------------------


class Thing(BaseModel):
    """A body."""

    name: str = Field(min_length=1)


def _small_app() -> Chalice:
    app = Chalice(app_name="small")

    @route(app, "/things", access=ADMIN, methods=["POST"], doc=Operation(body=Thing, status=201))
    def create(_principal: Any) -> Any:
        """Create a thing."""

    @route(app, "/things/{thing_id}", access=READ, doc=Operation(query=(Param("lang", "language"),)))
    def read(_principal: Any, thing_id: str) -> Any:
        """One thing."""

    @route(app, "/events", access=WRITE, methods=["POST"], doc=Operation(body=Thing))
    def events(_principal: Any) -> Any:
        """Events."""

    @route(app, "/health", access=PUBLIC)
    def health(_principal: None) -> Any:
        """Health."""

    return app


def test_builder_documents_parameters_bodies_and_security() -> None:
    document = build_document([("small", _small_app())], version="9.9.9")
    create = document["paths"]["/things"]["post"]
    assert create["summary"] == "Create a thing."
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Thing"
    }
    assert set(create["responses"]) == {"201", "400", "401", "403", "503"}
    assert create["security"] == [{"bearerKey": []}, {"basicKey": []}]
    read = document["paths"]["/things/{thing_id}"]["get"]
    assert [(p["name"], p["in"], p["required"]) for p in read["parameters"]] == [
        ("thing_id", "path", True),
        ("lang", "query", False),
    ]
    assert read["responses"]["404"] == {"$ref": "#/components/responses/NotFound"}
    assert {"dashboardSession": []} in read["security"]
    assert document["paths"]["/events"]["post"]["security"][0] == {"basicKey": []}
    assert document["paths"]["/health"]["get"]["security"] == []
    assert document["components"]["schemas"]["Thing"]["properties"]["name"]["minLength"] == 1
    validate(document)
    assert json.loads(render(document)) == document


def test_builder_merges_a_route_several_functions_serve_and_refuses_disagreement() -> None:
    document = build_document([("one", _small_app()), ("two", _small_app())], version="1")
    assert document["paths"]["/health"]["get"]["x-touchpoint-functions"] == ["one", "two"]
    other = Chalice(app_name="other")

    @route(other, "/health", access=ADMIN)
    def health(_principal: Any) -> Any:
        """Keyed health."""

    with pytest.raises(ValueError, match="different access"):
        build_document([("one", _small_app()), ("other", other)], version="1")


def test_builder_refuses_a_route_not_registered_through_route() -> None:
    app = _small_app()

    @app.route("/raw")
    def raw() -> Any:
        return {}

    with pytest.raises(ValueError, match="not registered through route"):
        build_document([("small", app)], version="1")


def test_route_comparison_sees_a_route_the_document_lacks() -> None:
    app = _small_app()
    document = build_document([("small", app)], version="1")
    del document["paths"]["/things"]["post"]
    assert live_routes([("small", app)]) - documented_routes(document) == {("/things", "POST")}
