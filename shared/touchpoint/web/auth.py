"""Authentication of API keys: the one place every route's key kind and tenant are checked.

A key is accepted from, in order: `Authorization: Bearer <key>`, `Authorization: Basic`
with the key as user name and an empty password (what Segment SDKs send), and, for write access
only, `writeKey` in the JSON body (as the SDKs also send). On routes that take a read key, the
dashboard's session cookie (`touchpoint.web.signin_sessions`: signed, expiring, naming a read key
without holding it) is accepted instead of a key.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any, Protocol

from touchpoint.keys import looks_like_key
from touchpoint.models.tenants import ApiKeyRecord, KeyKind
from touchpoint.web.errors import ApiError, forbidden, unauthorized
from touchpoint.web.signin_sessions import SessionKeys, verify_session

SESSION_COOKIE = "tp_session"


class KeyLookup(Protocol):
    """What authentication needs from the tenant repository."""

    def find_key(self, key: str) -> ApiKeyRecord | None: ...


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant and the kind of key they presented."""

    tenant_id: str
    kind: KeyKind
    key_id: str


@dataclass(frozen=True)
class Access:
    """Which key kinds a route accepts; `public` routes need no key at all."""

    kinds: frozenset[KeyKind]
    public: bool = False

    @classmethod
    def of(cls, *kinds: KeyKind) -> Access:
        """A route for the given key kinds."""
        return cls(frozenset(kinds))

    @classmethod
    def anyone(cls) -> Access:
        """A public route (health checks, the QR form): no key is read."""
        return cls(frozenset(), public=True)


WRITE = Access.of(KeyKind.WRITE)
READ = Access.of(KeyKind.READ, KeyKind.ADMIN)
ADMIN = Access.of(KeyKind.ADMIN)
PUBLIC = Access.anyone()


def _from_authorization(header: str) -> str | None:
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer" and credentials:
        return credentials
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError(401, "unauthorized", "the Basic credentials are not valid base64") from None
        return decoded.partition(":")[0] or None
    raise ApiError(401, "unauthorized", "Authorization must be 'Bearer <key>' or 'Basic <base64 key:>'")


def _from_cookie(header: str | None) -> str | None:
    if not header:
        return None
    try:
        cookie = SimpleCookie(header)
    except CookieError:
        return None
    morsel = cookie.get(SESSION_COOKIE)
    return morsel.value if morsel else None


def presented_key(
    headers: Mapping[str, str], body_write_key: Callable[[], str | None], access: Access
) -> str | None:
    """The key the request presents (not a session cookie), or None."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get("authorization"):
        return _from_authorization(lowered["authorization"])
    if KeyKind.WRITE in access.kinds:
        return body_write_key()
    return None


def presented_session(headers: Mapping[str, str], access: Access) -> str | None:
    """The dashboard session cookie, when the route takes read keys and no Authorization is sent."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get("authorization") or KeyKind.READ not in access.kinds:
        return None
    return _from_cookie(lowered.get("cookie")) or None


def authenticate(
    headers: Mapping[str, str],
    body_write_key: Callable[[], str | None],
    access: Access,
    keys: KeyLookup,
    *,
    sessions: SessionKeys | None = None,
    pepper: str = "",
    now: Callable[[], float] = time.time,
) -> Principal:
    """Check the presented key (or dashboard session) against the route's access; 401 or 403 as ApiError.

    Without `sessions` a session cookie is not accepted (401).
    """
    session = presented_session(headers, access)
    if session is not None:
        if sessions is None:
            raise unauthorized("dashboard sessions are not accepted here")
        opened = verify_session(session, sessions, pepper, now())
        return Principal(tenant_id=opened.tenant_id, kind=opened.kind, key_id=opened.key_id)
    key = presented_key(headers, body_write_key, access)
    if not key:
        raise unauthorized()
    if not looks_like_key(key):
        raise unauthorized("the API key is malformed")
    record = keys.find_key(key)
    if record is None or not record.active:
        raise unauthorized("the API key is unknown or revoked")
    if record.kind not in access.kinds:
        allowed = " or ".join(sorted(k.value for k in access.kinds))
        raise forbidden(f"this route needs a {allowed} key, not a {record.kind.value} key")
    return Principal(tenant_id=record.tenant_id, kind=record.kind, key_id=record.key_id)


def write_key_from_json(body: Any) -> str | None:
    """`writeKey` from a parsed JSON body, if there is one."""
    if isinstance(body, dict):
        value = body.get("writeKey")
        return value if isinstance(value, str) else None
    return None
