"""Every route x every caller: the outcome follows from the route's declared Access, no cell unexplained.

Callers: no key, a malformed key, tenant A's write/read/admin keys, tenant B's write/read/admin keys, and
tenant A's signed-in team members: a viewer, an editor, an admin and an editor limited to the Berlin store.
The expected outcome of each cell is `expected()` below, a rule over the route's `Access` and its
path parameters. `DECLARED` lists every route with the key kinds it must accept, so a new route (or a
changed Access) fails here until someone writes down what it should do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import TenantKeys, bearer, function_client, team_session
from tests.functional.surveys.support import NPS_SURVEY
from tests.functional.trust.world import LOCATION, RULE, TOUCHPOINT, World, build_world
from touchpoint.models.tenants import KeyKind
from touchpoint.models.users import Role
from touchpoint.runtime import Runtime
from touchpoint.web.auth import Access
from touchpoint.web.routing import route_access
from touchpoint_cli.apps import load_app
from touchpoint_cli.paths import HTTP_FUNCTIONS

PUBLIC = "public"
W, R, A = KeyKind.WRITE, KeyKind.READ, KeyKind.ADMIN

# Every (function, path, method) with the kinds it accepts ("public" = no key at all).
DECLARED: dict[tuple[str, str, str], frozenset[KeyKind] | str] = {
    **{("ingest", p, "POST"): frozenset({W}) for p in ("/v1/track", "/v1/identify", "/v1/page")},
    **{("ingest", p, "POST"): frozenset({W}) for p in ("/v1/screen", "/v1/group", "/v1/alias", "/v1/batch")},
    # analytics.js short paths: /v1/t(rack), /v1/i(dentify), /v1/p(age), /v1/s(creen), ... /v1/b(atch)
    **{("ingest", f"/v1/{c}", "POST"): frozenset({W}) for c in "tipsgab"},
    **{(f, "/health", "GET"): PUBLIC for f in HTTP_FUNCTIONS},
    ("surveys", "/v1/surveys", "POST"): frozenset({A}),
    ("surveys", "/v1/surveys", "GET"): frozenset({A}),
    ("surveys", "/v1/surveys/{survey_id}", "GET"): frozenset({A, W}),
    ("surveys", "/v1/surveys/{survey_id}", "PUT"): frozenset({A}),
    ("surveys", "/v1/surveys/{survey_id}/activate", "POST"): frozenset({A}),
    ("surveys", "/v1/surveys/{survey_id}/close", "POST"): frozenset({A}),
    ("surveys", "/v1/surveys/{survey_id}/responses", "POST"): frozenset({W}),
    ("surveys", "/v1/surveys/{survey_id}/responses", "GET"): frozenset({A}),
    ("surveys", "/v1/surveys/{survey_id}/responses/{response_id}", "PUT"): frozenset({W}),
    ("surveys", "/v1/surveys/{survey_id}/results", "GET"): frozenset({R, A}),
    ("surveys", "/v1/surveys/{survey_id}/results.csv", "GET"): frozenset({R, A}),
    ("surveys", "/console/surveys", "GET"): frozenset({R, A}),
    ("surveys", "/console/surveys/{survey_id}/preview", "GET"): frozenset({R, A}),
    ("surveys", "/console/surveys/{survey_id}/results", "GET"): frozenset({R, A}),
    **{
        ("surveys", "/console/surveys" + p, m): frozenset({A})
        for p in ("/new", "/{survey_id}/edit")
        for m in ("GET", "POST")
    },
    **{
        ("surveys", f"/console/surveys/{{survey_id}}/{a}", "POST"): frozenset({A})
        for a in ("activate", "close")
    },
    ("surveys", "/v1/responses/export", "GET"): frozenset({A}),
    ("surveys", "/v1/people/{person_id}", "DELETE"): frozenset({A}),
    ("surveys", "/v1/people/{person_id}/export", "GET"): frozenset({A}),
    ("surveys", "/v1/erasures/{erasure_id}", "GET"): frozenset({A}),
    ("feedback", "/v1/locations", "POST"): frozenset({A}),
    ("feedback", "/v1/locations", "GET"): frozenset({A}),
    ("feedback", "/v1/locations/{location_id}", "GET"): frozenset({A}),
    ("feedback", "/v1/locations/{location_id}/touchpoints", "POST"): frozenset({A}),
    ("feedback", "/v1/locations/{location_id}/touchpoints", "GET"): frozenset({A}),
    **{
        ("feedback", "/v1/locations/{location_id}/touchpoints/{touchpoint_id}" + suffix, method): frozenset(
            {A}
        )
        for suffix, method in [
            ("", "GET"),
            ("", "PUT"),
            ("/rotate", "POST"),
            ("/revoke", "POST"),
            ("/qr.svg", "GET"),
            ("/qr.png", "GET"),
            ("/poster", "GET"),
        ]
    },
    ("feedback", "/f/{token}", "GET"): PUBLIC,
    ("feedback", "/f/{token}", "POST"): PUBLIC,
    **{
        ("insights", p, "GET"): frozenset({R, A})
        for p in (
            "/v1/metrics",
            "/v1/metrics/batch",
            "/v1/metrics.csv",
            "/v1/summary",
            "/v1/summary.csv",
            "/v1/comments",
            "/v1/comments.csv",
            "/v1/alerts",
            "/v1/alerts.csv",
            "/v1/alerts/{alert_id}",
            "/dashboard",
            "/dashboard/comments",
        )
    },
    ("insights", "/v1/alerts/rules", "GET"): frozenset({A}),
    ("insights", "/v1/alerts/rules", "POST"): frozenset({A}),
    ("insights", "/v1/alerts/rules/{rule_id}", "GET"): frozenset({A}),
    ("insights", "/v1/alerts/rules/{rule_id}", "PUT"): frozenset({A}),
    ("insights", "/v1/alerts/rules/{rule_id}", "DELETE"): frozenset({A}),
    ("insights", "/v1/alerts/webhook", "GET"): frozenset({A}),
    ("insights", "/v1/alerts/webhook", "PUT"): frozenset({A}),
    ("insights", "/v1/alerts/webhook/rotate", "POST"): frozenset({A}),
    ("insights", "/v1/alerts/{alert_id}/redeliver", "POST"): frozenset({A}),
    ("insights", "/v1/notifications/rules", "GET"): frozenset({A}),
    ("insights", "/v1/notifications/rules", "POST"): frozenset({A}),
    ("insights", "/v1/notifications/rules/{rule_id}", "GET"): frozenset({A}),
    ("insights", "/v1/notifications/rules/{rule_id}", "PUT"): frozenset({A}),
    ("insights", "/v1/notifications/rules/{rule_id}", "DELETE"): frozenset({A}),
    ("insights", "/v1/notifications/rules/{rule_id}/rotate-secret", "POST"): frozenset({A}),
    ("insights", "/v1/notifications/rules/{rule_id}/test", "POST"): frozenset({A}),
    ("insights", "/v1/notifications/deliveries", "GET"): frozenset({R, A}),
    ("insights", "/v1/settings", "GET"): frozenset({A}),
    ("insights", "/v1/settings", "PUT"): frozenset({A}),
    ("insights", "/v1/rollups", "GET"): frozenset({R, A}),
    ("insights", "/v1/rollups/backfill", "POST"): frozenset({A}),
    ("insights", "/v1/rollups/{date}/rerun", "POST"): frozenset({A}),
    ("insights", "/v1/cases", "GET"): frozenset({R, A}),
    ("insights", "/v1/cases", "POST"): frozenset({A}),
    ("insights", "/v1/cases/rules", "GET"): frozenset({A}),
    ("insights", "/v1/cases/rules", "PUT"): frozenset({A}),
    ("insights", "/v1/cases/{case_id}", "GET"): frozenset({R, A}),
    ("insights", "/v1/cases/{case_id}", "PATCH"): frozenset({A}),
    ("insights", "/v1/cases/{case_id}/replies", "POST"): frozenset({A}),
    ("insights", "/v1/announcements", "POST"): frozenset({A}),
    ("insights", "/console/settings", "GET"): frozenset({A}),
    ("insights", "/console/settings", "POST"): frozenset({A}),
    ("insights", "/console/rollups", "GET"): frozenset({R, A}),
    ("insights", "/console/rollups/backfill", "POST"): frozenset({A}),
    ("insights", "/console/rollups/{date}/rerun", "POST"): frozenset({A}),
    # the inbox, the case pages and the people at risk (pages send a keyless caller to sign in)
    **{
        ("insights", p, "GET"): frozenset({R, A})
        for p in ("/v1/answers", "/v1/people/at-risk", "/v1/people/at-risk.csv")
    },
    **{
        ("insights", p, "GET"): frozenset({R, A})
        for p in ("/dashboard/inbox", "/dashboard/cases", "/dashboard/at-risk")
    },
    ("insights", "/dashboard/cases", "POST"): frozenset({A}),
    ("insights", "/dashboard/cases/{case_id}", "GET"): frozenset({R, A}),
    ("insights", "/dashboard/cases/{case_id}", "POST"): frozenset({A}),
    ("insights", "/v1/audit", "GET"): frozenset({A}),
    **{
        ("insights", p, m): frozenset({A})
        for p in ("/console/users", "/console/users/{user_id}")
        for m in ("GET", "POST")
    },
    ("insights", "/console/users/{user_id}/remove", "POST"): frozenset({A}),
    **{
        ("insights", "/dashboard/login" + p, m): PUBLIC
        for p, m in [
            ("/account", "POST"),
            ("/new-password", "POST"),
            ("/reset", "GET"),
            ("/reset", "POST"),
            ("/reset/confirm", "POST"),
        ]
    },
    ("insights", "/dashboard/login", "GET"): PUBLIC,
    ("insights", "/dashboard/login", "POST"): PUBLIC,
    ("insights", "/dashboard/logout", "POST"): PUBLIC,
    ("insights", "/openapi.json", "GET"): PUBLIC,
    # the stores & QR codes console (EDIT), the alerts console (EDIT; webhook ADMIN), API keys (ADMIN)
    **{
        ("feedback", "/console/stores" + p, m): frozenset({A})
        for p, m in [
            ("", "GET"),
            ("", "POST"),
            ("/{location_id}", "GET"),
            ("/{location_id}", "POST"),
            ("/{location_id}/touchpoints", "POST"),
            ("/{location_id}/touchpoints/{touchpoint_id}", "GET"),
            ("/{location_id}/touchpoints/{touchpoint_id}/survey", "POST"),
            ("/{location_id}/touchpoints/{touchpoint_id}/rotate", "POST"),
            ("/{location_id}/touchpoints/{touchpoint_id}/revoke", "POST"),
        ]
    },
    **{
        ("insights", "/console/alerts" + p, m): frozenset({A})
        for p, m in [
            ("", "GET"),
            ("", "POST"),
            ("/rules/{rule_id}", "GET"),
            ("/rules/{rule_id}", "POST"),
            ("/rules/{rule_id}/delete", "POST"),
            ("/rules/{rule_id}/test", "POST"),
            ("/webhook", "POST"),
            ("/webhook/rotate", "POST"),
        ]
    },
    **{
        ("insights", p, m): frozenset({A})
        for p, m in [
            ("/v1/keys", "GET"),
            ("/v1/keys", "POST"),
            ("/v1/keys/{key_id}/rotate", "POST"),
            ("/v1/keys/{key_id}/revoke", "POST"),
            ("/console/keys", "GET"),
            ("/console/keys", "POST"),
            ("/console/keys/{key_id}", "GET"),
            ("/console/keys/{key_id}/rotate", "POST"),
            ("/console/keys/{key_id}/revoke", "POST"),
        ]
    },
}

# Path parameters that name one of the tenant's stored objects: another tenant gets 404 for them.
OBJECT_PARAMS = {
    "survey_id",
    "user_id",
    "location_id",
    "touchpoint_id",
    "rule_id",
    "alert_id",
    "response_id",
    "erasure_id",
    "key_id",
    "case_id",
}
# `person_id` names a person *in the caller's own tenant* (an erasure or export of an unknown person is
# answered like any other, by design of the privacy API): another tenant gets its own, empty answer,
# which must still carry none of tenant A's data. `date` (a rollup re-run) is a day of the caller's own
# tenant in the same way. `token` is public (the QR form signs its tenant).
TENANT_SCOPED_NAMES = {"person_id", "date"}
PUBLIC_PARAMS = {"token"}

# Browser pages answer a missing or refused key with the sign-in page instead of a JSON error, under
# the same status (401 without a key, 403 for a key of the wrong kind) so that scripts see the refusal:
# a denied cell there must show the sign-in form and no data.
SIGN_IN_PAGES = {("/dashboard", "GET"), ("/dashboard/comments", "GET")}
SIGN_IN_MARK = 'name="key"'
# Console pages send a caller without a usable key to the sign-in page (303, back here afterwards).
CONSOLE_PREFIX = "/console/"
CONSOLE_PAGES = ("/dashboard/inbox", "/dashboard/cases", "/dashboard/at-risk")
# The sign-in form is public but checks the key it is given *in the form*: a read key signs in (303),
# anything else is refused with 401 and the form again. The caller's key is sent in the form there.
LOGIN = ("/dashboard/login", "POST")

NOTIFICATION_RULE = {
    "name": "Detractors",
    "conditions": {"score": {"kind": "nps", "max": 6}},
    "destinations": {"digest_emails": ["team@example.com"]},
}
# A valid body per route so that "allowed" cells exercise the real path (404 before/after validation).
BODIES: dict[tuple[str, str], Any] = {
    ("/v1/surveys", "POST"): NPS_SURVEY,
    ("/v1/surveys/{survey_id}", "PUT"): NPS_SURVEY,
    ("/v1/surveys/{survey_id}/responses", "POST"): {"answers": {"nps": 9}, "channel": "email"},
    ("/v1/surveys/{survey_id}/responses/{response_id}", "PUT"): {"answers": {"nps": 9}},
    ("/v1/locations", "POST"): {**LOCATION, "location_id": "hamburg", "name": "Hamburg"},
    ("/v1/locations/{location_id}/touchpoints", "POST"): {
        **TOUCHPOINT,
        "touchpoint_id": "till-2",
        "label": "Kasse 2",
    },
    ("/v1/locations/{location_id}/touchpoints/{touchpoint_id}", "PUT"): {"survey_id": None},
    ("/v1/alerts/rules", "POST"): {**RULE, "rule_id": "another-rule", "name": "Another rule"},
    ("/v1/alerts/rules/{rule_id}", "PUT"): {**RULE, "name": "Renamed rule"},
    ("/v1/alerts/webhook", "PUT"): {"url": "https://hooks.example.com/touchpoint"},
    ("/v1/keys", "POST"): {"kind": "write"},
    ("/v1/notifications/rules", "POST"): NOTIFICATION_RULE,
    ("/v1/notifications/rules/{rule_id}", "PUT"): NOTIFICATION_RULE,
    ("/v1/settings", "PUT"): {"currency": "EUR", "version": 0},
    ("/v1/rollups/backfill", "POST"): {"from": "2024-05-28", "to": "2024-05-29"},
    ("/v1/cases", "POST"): {"personId": "person-at-risk", "note": "Anrufen"},
    ("/v1/cases/rules", "PUT"): {"slaHours": 48},
    ("/v1/cases/{case_id}", "PATCH"): {"status": "in_progress"},
    ("/v1/cases/{case_id}/replies", "POST"): {"body": "Danke für Ihr Feedback."},
    ("/v1/announcements", "POST"): {
        "announcementId": "kasse-1",
        "theme": "kasse",
        "from": "2024-05-01",
        "to": "2024-05-31",
        "subject": {"de": "Sie sagten, wir handelten", "en": "You said, we did"},
        "body": {"de": "Neue Kasse.", "en": "A new checkout."},
    },
}
FORM = "application/x-www-form-urlencoded"

MALFORMED = "not-a-touchpoint-key"
SCOPED_STORE = "berlin"  # the store of the store-scoped team member
OTHER_STORE = "hamburg"  # another store of tenant A: the store-scoped member's paths name it


@dataclass(frozen=True)
class Caller:
    """One column of the matrix."""

    name: str
    kind: KeyKind | None  # None: no key or a malformed key
    tenant: str  # "A", "B" or "-"
    malformed: bool = False
    role: Role | None = None  # a signed-in team member of tenant A (their session cookie, no key)
    stores: tuple[str, ...] = ()  # that member's store scope (empty: every store)


CALLERS = [
    Caller("no key", None, "-"),
    Caller("malformed key", None, "-", malformed=True),
    *[Caller(f"B {k.value}", k, "B") for k in KeyKind],  # other tenant first: A's objects still exist
    *[Caller(f"A {k.value}", k, "A") for k in KeyKind],
    *[Caller(f"A {r.value} user", None, "A", role=r) for r in Role],
    Caller("A Berlin-scoped editor", None, "A", role=Role.EDITOR, stores=(SCOPED_STORE,)),
]


def path_params(path: str) -> set[str]:
    """The `{names}` of a route path."""
    return set(re.findall(r"{(\w+)}", path))


def expected(access: Access, path: str, method: str, caller: Caller) -> str:
    """The outcome of one cell: 'not-denied', '401', '403', '404', 'not-denied-no-leak', 'sign-in 401|403'."""
    if (path, method) == ACCOUNT_LOGIN:
        return "401"  # the e-mail sign-in with an empty form: a key or a cookie is no e-mail and password
    if caller.role is not None:
        return expected_for_member(access, path, method, caller)
    if (path, method) == LOGIN:
        return "303" if caller.kind is KeyKind.READ else "401"
    if access.public:
        return "not-denied"
    if caller.kind is None and path.startswith((CONSOLE_PREFIX, *CONSOLE_PAGES)):
        return "303"
    if caller.kind is None or caller.kind not in access.kinds:
        if (path, method) in SIGN_IN_PAGES:
            return f"sign-in {401 if caller.kind is None else 403}"
        return "401" if caller.kind is None else "403"
    if caller.tenant == "A":
        return "not-denied"
    if path_params(path) & OBJECT_PARAMS:
        return "404"
    return "not-denied-no-leak"


# Team members: their session is no key, so routes that take no team sessions answer 401; a role below
# the route's least role 403; a store manager naming a store outside their scope 404, whatever the
# route, and tenant-wide data (a company total) is refused to them with a 403 that says so.
SCOPED_OUTCOME = "not-denied or tenant-wide 403"
SCOPE_REFUSAL = "tenant-wide"
ACCOUNT_LOGIN = ("/dashboard/login/account", "POST")
# Tenant-wide console actions a store manager is refused (403) whatever their role: creating a store
# (it would lie outside their scope) and the alert rules and webhook (they belong to the whole tenant).
SCOPED_REFUSED = {("/console/stores", "POST")}
SCOPED_REFUSED_PREFIXES = ("/console/alerts",)


def expected_for_member(access: Access, path: str, method: str, caller: Caller) -> str:
    """The outcome of a team member's cell (`expected` for callers with a role)."""
    assert caller.role is not None
    if (path, method) == LOGIN:
        return "401"
    if access.public:
        return "not-denied"
    if access.least_role is None:
        return "401"
    if not caller.role.at_least(access.least_role):
        return "sign-in 403" if (path, method) in SIGN_IN_PAGES else "403"
    if caller.stores and ((path, method) in SCOPED_REFUSED or path.startswith(SCOPED_REFUSED_PREFIXES)):
        return "403"
    named = store_named(path, caller)
    if caller.stores and named is not None and named not in caller.stores:
        return "404"
    return SCOPED_OUTCOME if caller.stores else "not-denied"


def store_named(path: str, caller: Caller) -> str | None:
    """The store a cell's path names: tenant A's other store for the store-scoped member, else the world's."""
    if "location_id" not in path_params(path):
        return None
    return OTHER_STORE if caller.stores else str(LOCATION["location_id"])


def member_sessions(aws: Runtime, tenant: TenantKeys) -> dict[str, dict[str, str]]:
    """A session (cookie headers) for each team member caller, in tenant A."""
    return {
        c.name: team_session(aws, tenant.tenant_id, c.role.value, locations=c.stores)
        for c in CALLERS
        if c.role is not None
    }


def _request(
    path: str,
    method: str,
    content_types: list[str],
    caller: Caller,
    keys: dict[str, TenantKeys],
    sessions: dict[str, dict[str, str]],
) -> tuple[dict[str, str], bytes | None]:
    """Headers and body of one cell's request."""
    headers: dict[str, str] = dict(sessions.get(caller.name, {}))
    if caller.malformed:
        headers.update(bearer(MALFORMED))
    elif caller.kind is not None:
        headers.update(bearer(keys[caller.tenant].key(caller.kind)))
    body: bytes | None = None
    if (path, method) == LOGIN:
        key = MALFORMED if caller.malformed else keys[caller.tenant].key(caller.kind) if caller.kind else ""
        return {"Content-Type": FORM}, urlencode({"key": key}).encode()
    if method in ("POST", "PUT"):
        if FORM in content_types and "application/json" not in content_types:
            headers["Content-Type"] = FORM
            body = b"answer=5"
        else:
            headers["Content-Type"] = "application/json"
            body = json.dumps(BODIES.get((path, method), {})).encode()
    return headers, body


def _cell(client: Any, method: str, url: str, headers: dict[str, str], body: bytes | None) -> tuple[int, str]:
    response = client.http.request(method, url, headers=headers, body=body or b"")
    raw = response.body
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return response.status_code, text


def _check(outcome: str, status: int, text: str, world: World, url: str) -> str | None:
    """None when the cell is as expected, else what is wrong."""
    if "Traceback" in text:
        return f"stack trace in the body ({status})"
    if status >= 500:
        return f"server error {status}: {text[:200]}"
    if outcome == SCOPED_OUTCOME and (status == 401 or (status == 403 and SCOPE_REFUSAL not in text)):
        return f"denied with {status}: {text[:200]}"
    if outcome in ("not-denied", "not-denied-no-leak") and status in (401, 403):
        return f"denied with {status}: {text[:200]}"
    if outcome in ("303", "401", "403", "404") and status != int(outcome):
        return f"expected {outcome}, got {status}: {text[:200]}"
    sign_in = outcome.startswith("sign-in")
    if sign_in and (status != int(outcome.split()[1]) or SIGN_IN_MARK not in text):
        return f"expected the sign-in page, got {status}: {text[:200]}"
    if outcome in ("404", "not-denied-no-leak") or sign_in:
        # An id the caller put in the URL may be echoed ("erasure 'x' not found"): it knew it already.
        leaked = [s for s in world.secrets if s and s in text and s not in url]
        if leaked:
            return f"other tenant sees {leaked}"
    return None


@pytest.fixture
def world(aws: Runtime, tenant: TenantKeys, other_tenant: TenantKeys) -> World:
    return build_world(aws, tenant)


def test_every_route_is_declared() -> None:
    actual: dict[tuple[str, str, str], frozenset[KeyKind] | str] = {}
    for name in HTTP_FUNCTIONS:
        for (path, method), access in route_access(load_app(name)).items():
            assert access is not None, f"{name} {method} {path} is not registered through route()"
            actual[(name, path, method)] = PUBLIC if access.public else access.kinds
            unexplained = path_params(path) - OBJECT_PARAMS - TENANT_SCOPED_NAMES - PUBLIC_PARAMS
            assert not unexplained, f"{name} {method} {path}: no rule for path parameters {unexplained}"
    assert actual == DECLARED


@pytest.mark.parametrize("function_name", HTTP_FUNCTIONS)
def test_authorization_matrix(
    function_name: str, world: World, tenant: TenantKeys, other_tenant: TenantKeys, aws: Runtime
) -> None:
    keys = {"A": tenant, "B": other_tenant}
    sessions = member_sessions(aws, tenant)
    aws.locations.create_location(tenant.tenant_id, OTHER_STORE, "Acme Hamburg")
    world.params["user_id"] = next(u.user_id for u in aws.users.list(tenant.tenant_id))
    app = load_app(function_name)
    failures: list[str] = []
    cells = 0
    with function_client(function_name) as client:
        for caller in CALLERS:
            for (path, method), access in route_access(app).items():
                assert access is not None
                content_types = list(app.routes[path][method].content_types)
                headers, body = _request(path, method, content_types, caller, keys, sessions)
                named = store_named(path, caller)
                url = world.fill(path.replace("{location_id}", named) if named else path)
                status, text = _cell(client, method, url, headers, body)
                problem = _check(expected(access, path, method, caller), status, text, world, url)
                cells += 1
                if problem:
                    failures.append(f"{method} {path} [{caller.name}]: {problem}")
    assert cells == len(CALLERS) * len(route_access(app))
    assert not failures, "\n".join(failures)
