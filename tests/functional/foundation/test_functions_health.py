"""Every function loads, answers its health route and handles its sample events from events/."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from chalice.test import Client

from tests.conftest import EVENTS_DIR, REPO_ROOT, function_client
from touchpoint.runtime import Runtime
from touchpoint.web.auth import Access
from touchpoint.web.routing import route_access
from touchpoint_cli.apps import load_app
from touchpoint_cli.paths import ALL_FUNCTIONS, HTTP_FUNCTIONS


@pytest.mark.parametrize("name", HTTP_FUNCTIONS)
def test_health_route_reports_every_resource(aws: Runtime, name: str) -> None:
    with function_client(name) as client:
        response = client.http.get("/health")
    assert response.status_code == 200
    body = json.loads(response.body)
    assert body["function"] == name and body["status"] == "ok" and body["stage"] == "test"
    assert body["resources"] and set(body["resources"].values()) == {"ok"}


@pytest.mark.parametrize("name", HTTP_FUNCTIONS)
def test_sample_api_gateway_event_is_handled(aws: Runtime, name: str) -> None:
    event = json.loads((EVENTS_DIR / name / "health.json").read_text())
    response = load_app(name)(event, None)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["function"] == name


def test_health_is_degraded_when_a_table_is_missing(aws: Runtime) -> None:
    aws.clients.dynamodb.delete_table(TableName=aws.settings.state_table)
    with function_client("ingest") as client:
        response = client.http.get("/health")
    assert response.status_code == 503
    assert json.loads(response.body)["resources"][aws.settings.state_table] == "ResourceNotFoundException"


def test_rollup_handles_the_scheduled_event(aws: Runtime) -> None:
    event = json.loads((EVENTS_DIR / "rollup" / "scheduled.json").read_text())
    with Client(load_app("rollup")) as client:
        result = client.lambda_.invoke("nightly", event)
    assert result.payload["scheduled_at"] == event["time"]


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_every_route_declares_its_access(name: str) -> None:
    table = route_access(load_app(name))
    unsecured = [path for path, access in table.items() if not isinstance(access, Access)]
    assert unsecured == []


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "environment variable TOUCHPOINT_STAGE is required but not set"),
        ({"TOUCHPOINT_STAGE": "qa"}, "environment variable TOUCHPOINT_STAGE must be one of"),
        (
            {"TOUCHPOINT_STAGE": "dev", "TOUCHPOINT_MAX_EVENT_BYTES": "x"},
            "environment variable TOUCHPOINT_MAX_EVENT_BYTES must be a whole number",
        ),
    ],
)
def test_bad_configuration_stops_the_function_at_cold_start(env: dict[str, str], message: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TOUCHPOINT_")}
    code = "from touchpoint_cli.apps import load_app; load_app('ingest')"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert f"ConfigurationError: configuration error: {message}" in result.stderr
