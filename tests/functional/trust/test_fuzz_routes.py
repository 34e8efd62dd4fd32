"""Hostile input on every HTTP route: never a 5xx, never a stack trace, always a clear JSON error.

Every route from `route_access` is called with a valid key of a kind it accepts (public routes:
none) and generated bodies (random JSON, a valid body with one field of a wrong type, huge strings,
deep nesting, invalid UTF-8, random bytes), content types (the route's own and wrong ones), query
strings and path parameters (tenant A's real ids or junk). JSON answers in 4xx carry `code` and
`message`, and a `field` when a field is the problem. HTML pages (the QR form, the dashboard) only
have to stay below 500 without a trace. Examples per route x routes >= 2000; derandomized.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import boto3
import pytest
from chalice.test import Client
from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws

from tests.conftest import TenantKeys, bearer, function_client, make_tenant
from tests.functional.route_inputs import VALID_BODIES, per_route_settings
from tests.functional.trust.test_authorization_matrix import path_params
from tests.functional.trust.world import World, build_world
from touchpoint.runtime import get_runtime, reset_runtime
from touchpoint.web.auth import Access
from touchpoint.web.routing import route_access
from touchpoint_cli.apps import load_app
from touchpoint_cli.paths import HTTP_FUNCTIONS
from touchpoint_cli.resources import deploy_stack

EXAMPLES_PER_ROUTE = 64
ROUTES: list[tuple[str, str, str]] = sorted(
    (name, path, method) for name in HTTP_FUNCTIONS for (path, method) in route_access(load_app(name))
)
assert EXAMPLES_PER_ROUTE * len(ROUTES) >= 2000

# Found by this file (2026-11-23): a JSON body nested ~2000 deep made ten routes answer 500 (the
# RecursionError of json.loads). Fixed once in touchpoint.web.routing.route, so the set is empty; a
# route listed here is a strict xfail in `test_deeply_nested_json_is_refused_not_a_500`.
KNOWN_DEEP_NESTING_500: set[tuple[str, str, str]] = set()  # the route wrapper answers 400 for every route

FUZZ = per_route_settings(EXAMPLES_PER_ROUTE)
BASE_BODIES = VALID_BODIES
WRONG_CONTENT_TYPES = ["text/xml", "multipart/form-data; boundary=x", "application/json; charset=latin-1", ""]
QUERY_NAMES = [
    "from",
    "to",
    "metric",
    "metrics",
    "breakdown",
    "limit",
    "cursor",
    "lang",
    "next",
    "q",
    "format",
]

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
junk_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        ["", " ", "..", "%", "\x00", "' OR 1=1 --", "<script>", "${jndi:x}", "ä€😀", "-1", "1e999"]
    ),
    st.integers(1, 5000).map(lambda n: "x" * n),
)


@dataclass(frozen=True)
class FuzzEnv:
    """One stack per worker for this module: tenant A, its objects, and a client per function."""

    tenant: TenantKeys
    world: World
    clients: dict[str, Client]


@pytest.fixture(scope="module")
def env() -> Iterator[FuzzEnv]:
    with mock_aws():
        reset_runtime()
        deploy_stack(boto3.client("cloudformation", region_name="eu-central-1"), "test")
        runtime = get_runtime()
        tenant = make_tenant(runtime, "acme")
        world = build_world(runtime, tenant)
        clients = {name: function_client(name) for name in HTTP_FUNCTIONS}
        yield FuzzEnv(tenant, world, clients)
        reset_runtime()


def _mutated(base: Any) -> st.SearchStrategy[Any]:
    """The valid body with one top-level field replaced by a wrong value (or removed, or added)."""
    if not isinstance(base, dict) or not base:
        return json_values
    keys = sorted(base)
    return st.tuples(st.sampled_from(keys), json_values, st.booleans()).map(
        lambda t: {k: v for k, v in {**base, t[0]: t[1]}.items() if not (t[2] and k == t[0] and v is None)}
    )


def bodies(base: Any, form: bool, deep: bool = True) -> st.SearchStrategy[bytes]:
    """Hostile bodies for a route whose valid body is `base` (`deep`: also nested ~20000 deep)."""
    encoded_json = st.one_of(json_values, _mutated(base)).map(lambda v: json.dumps(v).encode())
    options = [
        encoded_json,
        _mutated(base).map(lambda v: json.dumps(v).encode()),
        st.integers(1, 20_000 if deep else 200).map(lambda n: ("[" * n + "]" * n).encode()),  # nesting
        st.integers(1, 20_000 if deep else 200).map(lambda n: ('{"a":' * n + "1" + "}" * n).encode()),
        st.sampled_from([1_000, 300_000, 2_000_000]).map(lambda n: json.dumps({"x": "a" * n}).encode()),
        st.binary(max_size=300),  # invalid UTF-8 and the like
        st.just(b'{"writeKey": "\xff\xfe", "batch": [\xc3\x28]}'),
        st.just(b"\x1f\x8b\x08\x00garbage"),  # a broken gzip body
    ]
    if form:
        options.append(
            st.dictionaries(st.text(max_size=15), st.text(max_size=80), max_size=8).map(
                lambda d: urlencode(d).encode()
            )
        )
    return st.one_of(*options)


def queries() -> st.SearchStrategy[str]:
    """A query string of known and random names with junk values."""
    names = st.sampled_from(QUERY_NAMES) | st.text(max_size=8)
    return st.lists(st.tuples(names, junk_text), max_size=4).map(lambda pairs: urlencode(pairs))


@st.composite
def requests(
    draw: st.DrawFn, path: str, method: str, content_types: list[str], world: World, deep: bool
) -> dict[str, Any]:
    """One generated request for a route."""
    url = path
    for name in sorted(path_params(path)):
        real = world.params.get(name, "x")
        value = draw(st.one_of(st.just(real), junk_text))
        url = url.replace("{" + name + "}", quote(value, safe="") or "%20")
    query = draw(queries())
    if query:
        url += "?" + query
    form = any(ct.startswith("application/x-www-form-urlencoded") for ct in content_types)
    body = b""
    content_type = ""
    if method in ("POST", "PUT", "DELETE"):
        body = draw(bodies(BASE_BODIES.get((path, method), {}), form, deep))
        content_type = draw(st.sampled_from(content_types) | st.sampled_from(WRONG_CONTENT_TYPES))
    return {"url": url, "body": body, "content_type": content_type}


def _key_headers(access: Access, tenant: TenantKeys) -> dict[str, str]:
    if access.public:
        return {}
    return bearer(tenant.key(sorted(access.kinds, key=lambda k: k.value)[0]))


def _check(status: int, headers: dict[str, str], raw: bytes, url: str) -> None:
    text = raw.decode("utf-8", "replace")
    assert status < 500, f"{status} for {url}: {text[:300]}"
    assert "Traceback" not in text, url
    is_json = headers.get("Content-Type", headers.get("content-type", "")).startswith("application/json")
    if not is_json or status < 400:
        return
    body = json.loads(text)
    if status == 415 and "Code" in body:
        # Chalice refuses a content type the route does not declare before any route code runs, in
        # its own `{"Code", "Message"}` form (API Gateway does the same in production).
        assert body["Code"] == "UnsupportedMediaType" and body["Message"], body
        return
    assert isinstance(body, dict) and body.get("code") and body.get("message"), f"{status} {url}: {body}"
    if body["code"] == "validation_error" or "errors" in body:
        assert body.get("field"), f"a field error names no field: {body}"
        for detail in body.get("errors", []):
            assert detail.get("field"), f"a field error names no field: {detail}"


@pytest.mark.parametrize(
    ("function_name", "path", "method"), ROUTES, ids=[f"{m} {f}{p}" for f, p, m in ROUTES]
)
def test_hostile_input_never_breaks_a_route(env: FuzzEnv, function_name: str, path: str, method: str) -> None:
    app = load_app(function_name)
    access = route_access(app)[(path, method)]
    assert access is not None
    content_types = list(app.routes[path][method].content_types)
    client = env.clients[function_name]
    key_headers = _key_headers(access, env.tenant)

    deep = (function_name, path, method) not in KNOWN_DEEP_NESTING_500

    @FUZZ
    @given(request=requests(path, method, content_types, env.world, deep))
    def run(request: dict[str, Any]) -> None:
        headers = dict(key_headers)
        if request["content_type"]:
            headers["Content-Type"] = request["content_type"]
        response = client.http.request(method, request["url"], headers=headers, body=request["body"])
        _check(response.status_code, dict(response.headers), response.body, request["url"])

    run()


DEEP = ("[" * 5000 + "]" * 5000).encode()
BODY_ROUTES = [
    pytest.param(
        f,
        p,
        m,
        id=f"{m} {f}{p}",
        marks=[pytest.mark.xfail(strict=True, reason="500 on deep nesting (known, not ours)")]
        if (f, p, m) in KNOWN_DEEP_NESTING_500
        else [],
    )
    for f, p, m in ROUTES
    if m in ("POST", "PUT", "DELETE")
]


@pytest.mark.parametrize(("function_name", "path", "method"), BODY_ROUTES)
def test_deeply_nested_json_is_refused_not_a_500(
    env: FuzzEnv, function_name: str, path: str, method: str
) -> None:
    app = load_app(function_name)
    access = route_access(app)[(path, method)]
    assert access is not None
    url = path
    for name in path_params(path):
        url = url.replace("{" + name + "}", env.world.params.get(name, "x"))
    content_type = next(iter(app.routes[path][method].content_types))
    headers = {**_key_headers(access, env.tenant), "Content-Type": content_type}
    response = env.clients[function_name].http.request(method, url, headers=headers, body=DEEP)
    _check(response.status_code, dict(response.headers), response.body, url)
