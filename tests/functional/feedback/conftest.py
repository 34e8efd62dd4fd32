"""Fixtures of the feedback function's tests: a store with a touchpoint, and form helpers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client
from touchpoint.models.surveys import StoredResponse
from touchpoint.qr.tokens import TouchpointRef
from touchpoint.runtime import Runtime
from touchpoint.storage.dynamo import from_item
from touchpoint.storage.responses import decode_response
from touchpoint_cli.apps import function_module

policy_module = function_module("feedback", "chalicelib.policy")
abuse_module = function_module("feedback", "chalicelib.abuse")
formtoken_module = function_module("feedback", "chalicelib.formtoken")

FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def admin_headers(keys: TenantKeys) -> dict[str, str]:
    """Admin key and JSON content type."""
    return {**bearer(keys.admin_key), "Content-Type": "application/json"}


@dataclass
class Store:
    """A store `berlin` with the touchpoint `till-1`, created through the admin API."""

    client: Client
    keys: TenantKeys
    touchpoint: dict[str, Any]

    @property
    def path(self) -> str:
        """The form's path: `/f/<token>`."""
        return "/f/" + str(self.touchpoint["token"])

    def admin(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        """Call the admin API with the tenant's admin key."""
        data = b"" if body is None else json.dumps(body).encode()
        return self.client.http.request(
            method, path, headers={**admin_headers(self.keys), **headers}, body=data
        )


@pytest.fixture
def feedback() -> Iterator[Client]:
    """The feedback function's test client."""
    with function_client("feedback") as client:
        yield client


@pytest.fixture
def store(aws: Runtime, tenant: TenantKeys, feedback: Client) -> Store:
    """A store with one touchpoint (default in-store survey)."""
    headers = admin_headers(tenant)
    location = {"location_id": "berlin", "name": "Acme Berlin Mitte", "default_language": "de"}
    assert feedback.http.post("/v1/locations", headers=headers, body=json.dumps(location)).status_code == 200
    response = feedback.http.post(
        "/v1/locations/berlin/touchpoints",
        headers=headers,
        body=json.dumps({"touchpoint_id": "till-1", "kind": "till", "label": "Kasse 1"}),
    )
    assert response.status_code == 200, response.body
    return Store(feedback, tenant, json.loads(response.body))


@pytest.fixture
def no_fill_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The minimum fill time off (tests that are not about it post at once)."""
    with policy_env(monkeypatch, TOUCHPOINT_FEEDBACK_MIN_FILL_SECONDS="0"):
        yield


class policy_env:  # noqa: N801 (used like a function)
    """Change the form's policy through its environment variables for a block."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
        self._monkeypatch = monkeypatch
        self._env = env

    def __enter__(self) -> None:
        for name, value in self._env.items():
            self._monkeypatch.setenv(name, value)
        policy_module.reset_policy()

    def __exit__(self, *exc: object) -> None:
        for name in self._env:
            self._monkeypatch.delenv(name, raising=False)
        policy_module.reset_policy()


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of a rendered form."""
    return {
        m.group(1): unescape(m.group(2))
        for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    }


def open_form(client: Client, path: str, **headers: str) -> tuple[int, str, dict[str, str]]:
    """GET the form: status, HTML and hidden fields."""
    response = client.http.get(path, headers=headers)
    html = response.body.decode("utf-8")
    return response.status_code, html, form_fields(html)


def post_form(client: Client, path: str, fields: dict[str, Any], ip: str = "203.0.113.10") -> tuple[int, str]:
    """POST the form from a client address: status and HTML."""
    response = client.http.post(
        path,
        # the test client reports sourceIp 127.0.0.1, like the local dev server: the last hop counts
        headers={**FORM_HEADERS, "X-Forwarded-For": f"10.0.0.1, {ip}"},
        body=urlencode(fields, doseq=True).encode(),
    )
    return response.status_code, response.body.decode("utf-8")


def backdate(form_token: str, secret: str, seconds: float) -> str:
    """The same form token as if the form had been shown `seconds` earlier."""
    parts = form_token.split(".")
    ref = TouchpointRef(parts[0], parts[1], parts[2], int(parts[3]))
    ticket = formtoken_module.FormTicket(ref, int(parts[4]) - int(seconds * 1000), parts[5])
    return str(formtoken_module.issue(secret, ticket))


def stored_responses(aws: Runtime) -> list[StoredResponse]:
    """Every response in the responses table."""
    items = [from_item(i) for i in aws.clients.dynamodb.scan(TableName=aws.settings.responses_table)["Items"]]
    return [decode_response(i) for i in items if str(i["sk"]).startswith("RESPONSE#")]


def lake_response_keys(aws: Runtime) -> list[str]:
    """Every response copy in the lake."""
    return list(aws.lake.list_keys("responses/"))


def rejections() -> dict[str, int]:
    """A copy of the feedback function's tally of refused submissions."""
    return dict(abuse_module.REJECTED)


def rejected_since(before: dict[str, int]) -> dict[str, int]:
    """Refusals counted since `before`, by reason."""
    now = rejections()
    return {k: v - before.get(k, 0) for k, v in now.items() if v != before.get(k, 0)}
