"""Hostile input on every registered route (issue 18): no 5xx, a clear 4xx, nothing stored when refused.

The routes come from each app's registered routes (`route_access` over Chalice `app.routes`), so a
new route is driven here without anyone listing it. Every request carries a valid key of a kind
the route accepts, so it reaches its handler. Per route, Hypothesis draws requests from the
categories of `strategies`: calendar and number edges, Unicode, CR/LF and path traversal in query
and path parameters; for routes with a body also hostile leaves in the route's valid body, huge,
deep, gzip-bombed and truncated bodies, and wrong content types. Derandomized, so CI repeats it.

A refused write (any 4xx) must leave the stored state as it was: every item of the config,
responses, people and metrics tables and every lake object outside `quarantine/` (where refused
events are kept on purpose). Rate-limit windows and form nonces (the state table) may change.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import bearer
from tests.functional.hostile.conftest import HostileEnv
from tests.functional.hostile.strategies import (
    QUERY_NAMES,
    QUERY_VALUES,
    TRAVERSAL,
    UNICODE_EDGES,
    WRONG_CONTENT_TYPES,
    body_with_hostile_leaf,
    structural_bodies,
)
from tests.functional.route_inputs import VALID_BODIES, per_route_settings
from tests.functional.trust.test_authorization_matrix import path_params
from touchpoint.runtime import Runtime
from touchpoint.web.auth import Access
from touchpoint.web.routing import route_access
from touchpoint_cli.apps import load_app
from touchpoint_cli.paths import HTTP_FUNCTIONS

EXAMPLES_PER_ROUTE = 12
ROUTES: list[tuple[str, str, str]] = sorted(
    (name, path, method) for name in HTTP_FUNCTIONS for (path, method) in route_access(load_app(name))
)
WRITES = ("POST", "PUT", "DELETE")
HOSTILE = per_route_settings(EXAMPLES_PER_ROUTE)
BASE_BODIES = VALID_BODIES
FORM_BODIES = {
    ("/f/{token}", "POST"): {"nps": "9", "comment": "gut"},
    ("/dashboard/login", "POST"): {"key": "tpr_x", "next": "/dashboard"},
    ("/dashboard/login/account", "POST"): {
        "email": "a@example.com",
        "password": "Pass-word-123",
        "next": "/dashboard",
    },
    ("/dashboard/login/new-password", "POST"): {
        "email": "a@example.com",
        "challenge": "c",
        "password": "p",
        "password2": "p",
    },
    ("/dashboard/login/reset", "POST"): {"email": "a@example.com"},
    ("/dashboard/login/reset/confirm", "POST"): {
        "email": "a@example.com",
        "code": "1",
        "password": "p",
        "password2": "p",
    },
    ("/console/users", "POST"): {"email": "new@example.com", "role": "viewer", "location": "berlin"},
    ("/console/users/{user_id}", "POST"): {"role": "editor", "location": "berlin"},
    ("/console/stores", "POST"): {"location_id": "koeln", "name": "Köln"},
    ("/console/stores/{location_id}", "POST"): {"name": "Berlin", "default_language": "de"},
    ("/console/stores/{location_id}/touchpoints", "POST"): {
        "touchpoint_id": "door",
        "kind": "entrance",
        "label": "Tür",
    },
    ("/console/stores/{location_id}/touchpoints/{touchpoint_id}/survey", "POST"): {"survey_id": ""},
    ("/console/alerts", "POST"): {"name": "N", "metric": "nps", "condition": "below", "threshold": "20"},
    ("/console/alerts/rules/{rule_id}", "POST"): {
        "name": "N",
        "metric": "nps",
        "condition": "below",
        "threshold": "20",
    },
    ("/console/keys", "POST"): {"kind": "read"},
    ("/dashboard/cases", "POST"): {"person_id": "person-at-risk", "note": "Anrufen"},
    ("/dashboard/cases/{case_id}", "POST"): {"action": "note", "note": "Rückruf", "version": "1"},
    **{
        (path, "POST"): {"name": "N", "q0.id": "a", "q0.kind": "text", "q0.text.de": "A", "action": "save"}
        for path in ("/console/surveys/new", "/console/surveys/{survey_id}/edit")
    },
}
_STORED_TABLES = ("config_table", "responses_table", "people_table", "metrics_table", "cases_table")


def stored_state(runtime: Runtime) -> str:
    """A digest of what a refused request must not change (see the module doc)."""
    digest = hashlib.sha256()
    dynamodb = runtime.clients.dynamodb
    for attribute in _STORED_TABLES:
        table = getattr(runtime.settings, attribute)
        pages = dynamodb.get_paginator("scan").paginate(TableName=table)
        items = [json.dumps(item, sort_keys=True) for page in pages for item in page.get("Items", [])]
        digest.update("\n".join(sorted(items)).encode("utf-8", "surrogatepass"))
    keys = [k for k in runtime.lake.list_keys("") if not k.startswith("quarantine/")]
    digest.update("\n".join(keys).encode())
    return digest.hexdigest()


def _queries() -> st.SearchStrategy[str]:
    names = st.sampled_from(QUERY_NAMES)
    pairs = st.lists(st.tuples(names, st.sampled_from(QUERY_VALUES)), min_size=1, max_size=4)
    return pairs.map(urlencode)


def _path_value(real: str) -> st.SearchStrategy[str]:
    return st.one_of(st.just(real), st.sampled_from([*TRAVERSAL, *UNICODE_EDGES, "x" * 3000, real + "\n"]))


@st.composite
def hostile_requests(draw: st.DrawFn, path: str, method: str, env: HostileEnv) -> dict[str, Any]:
    """One hostile request for a route: (url, body, content type)."""
    url = path
    for name in sorted(path_params(path)):
        value = draw(_path_value(env.world.params.get(name, "x")))
        url = url.replace("{" + name + "}", quote(value, safe="") or "%20")
    if draw(st.booleans()) or method not in WRITES:
        url += "?" + draw(_queries())
    body, content_type = b"", ""
    if method in WRITES:
        route = load_app(_function_of(path, method)).routes[path][method]
        own_types = list(route.content_types)
        form = FORM_BODIES.get((path, method))
        options = [body_with_hostile_leaf(BASE_BODIES.get((path, method), {})), structural_bodies()]
        if form is not None:
            options.append(
                st.tuples(st.sampled_from(sorted(form)), st.sampled_from(QUERY_VALUES)).map(
                    lambda kv: urlencode({**form, kv[0]: kv[1]}).encode()
                )
            )
            options.append(st.just(urlencode([(f"f{i}", "x") for i in range(201)]).encode()))
        body = draw(st.one_of(*options))
        content_type = draw(st.sampled_from(own_types) | st.sampled_from(WRONG_CONTENT_TYPES))
    return {"url": url, "body": body, "content_type": content_type}


_FUNCTION_OF = {(path, method): name for name, path, method in ROUTES}


def _function_of(path: str, method: str) -> str:
    return _FUNCTION_OF[(path, method)]


def _headers(access: Access, env: HostileEnv, content_type: str) -> dict[str, str]:
    headers = {} if access.public else bearer(env.tenant.key(sorted(access.kinds, key=lambda k: k.value)[0]))
    headers["Accept"] = "image/png,application/pdf,*/*"  # Chalice answers binary bodies only when accepted
    if content_type:
        headers["Content-Type"] = content_type
    return headers


def check_answer(status: int, headers: dict[str, str], raw: bytes, url: str) -> None:
    """No 5xx and no trace; a JSON 4xx names a code, a message and (for field errors) the field."""
    text = raw.decode("utf-8", "replace")
    assert status < 500, f"{status} for {url!r}: {text[:300]}"
    assert "Traceback" not in text, url
    location = headers.get("Location", headers.get("location", ""))
    assert "\n" not in location and "\r" not in location, location
    content_type = headers.get("Content-Type", headers.get("content-type", ""))
    if status < 400:
        return
    if content_type.startswith("text/html"):
        assert "<" in text and len(text) > 50, f"an HTML refusal without a page: {text[:200]}"
        return
    body = json.loads(text)
    if status == 415 and "Code" in body:  # Chalice refuses an undeclared content type before route code
        assert body["Code"] == "UnsupportedMediaType" and body["Message"], body
        return
    assert content_type.startswith("application/json"), (status, content_type, text[:200])
    assert isinstance(body, dict) and body.get("code") and body.get("message"), f"{status} {url}: {body}"
    if body["code"] == "validation_error" or "errors" in body:
        assert body.get("field"), f"a field error names no field: {body}"


@pytest.mark.parametrize(
    ("function_name", "path", "method"), ROUTES, ids=[f"{m} {f}{p}" for f, p, m in ROUTES]
)
def test_hostile_input_on_every_route(env: HostileEnv, function_name: str, path: str, method: str) -> None:
    access = route_access(load_app(function_name))[(path, method)]
    assert access is not None, "every route is registered through touchpoint.web.routing.route"
    client = env.clients[function_name]

    @HOSTILE
    @given(request=hostile_requests(path, method, env))
    def run(request: dict[str, Any]) -> None:
        before = stored_state(env.runtime) if method in WRITES else ""
        response = client.http.request(
            method,
            request["url"],
            headers=_headers(access, env, request["content_type"]),
            body=request["body"],
        )
        check_answer(response.status_code, dict(response.headers), response.body, request["url"])
        if method in WRITES and 400 <= response.status_code < 500:
            assert stored_state(env.runtime) == before, (
                f"a refused {method} {request['url']!r} stored something"
            )

    run()


def test_every_route_is_driven() -> None:
    """The route table is read from the apps: each function has routes, /health of each among them."""
    assert {name for name, _, _ in ROUTES} == set(HTTP_FUNCTIONS)
    assert {(name, "/health", "GET") for name in HTTP_FUNCTIONS} <= set(ROUTES)
    assert len(ROUTES) >= 60
