"""Authentication of API keys: the one place every route's key kind and tenant are checked.

A key is accepted from, in order: `Authorization: Bearer <key>`, `Authorization: Basic`
with the key as user name and an empty password (what Segment SDKs send), and, for write access
only, `writeKey` in the JSON body (as the SDKs also send). On routes that take a read key, the
dashboard's kiosk session cookie (`touchpoint.web.signin_sessions`: signed, expiring, naming a read
key without holding it) is accepted instead of a key. A team member's session cookie is accepted on
every route whose Access names a `least_role` their role reaches (403 below it); a request with it
that changes something (not GET/HEAD) must come from this site (`touchpoint.web.forms.same_origin`).
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
from touchpoint.models.users import Role, UserRecord
from touchpoint.web.errors import ApiError, forbidden, unauthorized
from touchpoint.web.forms import same_origin
from touchpoint.web.signin_sessions import (
    SessionKeys,
    SessionUsers,
    is_user_session,
    verify_session,
    verify_user_session,
)

SESSION_COOKIE = "tp_session"


class KeyLookup(Protocol):
    """What authentication needs from the tenant repository."""

    def find_key(self, key: str) -> ApiKeyRecord | None: ...


#: The role a key acts with: a read key (and the kiosk sign-in with it) views, an admin key administers.
KEY_ROLES: dict[KeyKind, Role] = {KeyKind.READ: Role.VIEWER, KeyKind.ADMIN: Role.ADMIN}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant, the key (or the signed-in team member) and what they may see.

    `kind` is the kind of key presented, or None for a team member signed in with their account.
    `locations` is the store scope: None for every store, else only these location ids (a store
    manager); `touchpoint.web.scope` applies it.
    """

    tenant_id: str
    kind: KeyKind | None
    key_id: str = ""
    role: Role | None = None
    user_id: str | None = None
    email: str | None = None
    locations: frozenset[str] | None = None

    @classmethod
    def for_key(cls, tenant_id: str, kind: KeyKind, key_id: str) -> Principal:
        """The principal of an API key (or of a kiosk session naming a read key): every store."""
        return cls(tenant_id=tenant_id, kind=kind, key_id=key_id, role=KEY_ROLES.get(kind))

    @classmethod
    def for_user(cls, record: UserRecord) -> Principal:
        """The principal of a signed-in team member: their role and store scope."""
        return cls(
            tenant_id=record.tenant_id,
            kind=None,
            role=record.role,
            user_id=record.user_id,
            email=record.email,
            locations=record.store_scope,
        )

    @property
    def actor(self) -> str:
        """Who did it, for histories and the audit log: `user:<e-mail>` or `key:<key id>`."""
        return f"user:{self.email}" if self.email else f"key:{self.key_id}"

    @property
    def is_user(self) -> bool:
        """True for a team member signed in with their own account."""
        return self.user_id is not None


@dataclass(frozen=True)
class Access:
    """Which key kinds and which signed-in roles a route accepts; `public` routes need neither."""

    kinds: frozenset[KeyKind]
    public: bool = False
    #: The least role a signed-in team member needs (None: team sessions are not accepted).
    least_role: Role | None = None

    @classmethod
    def of(cls, *kinds: KeyKind, least_role: Role | None = None) -> Access:
        """A route for the given key kinds (and team members of at least `least_role`)."""
        return cls(frozenset(kinds), least_role=least_role)

    @classmethod
    def anyone(cls) -> Access:
        """A public route (health checks, the QR form): no key is read."""
        return cls(frozenset(), public=True)

    def admits_role(self, role: Role | None) -> bool:
        """True when a signed-in team member of `role` may call the route."""
        return self.least_role is not None and role is not None and role.at_least(self.least_role)


WRITE = Access.of(KeyKind.WRITE)
#: Read the tenant's numbers, answers and cases: read or admin keys, every team member.
READ = Access.of(KeyKind.READ, KeyKind.ADMIN, least_role=Role.VIEWER)
#: Act on feedback and edit surveys, stores and alert rules: admin keys, editors and admins.
EDIT = Access.of(KeyKind.ADMIN, least_role=Role.EDITOR)
#: Run the account (users, API keys, settings): admin keys and admins.
ADMIN = Access.of(KeyKind.ADMIN, least_role=Role.ADMIN)
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
    """The session cookie, when the route takes read keys or team members and no Authorization is sent."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get("authorization") or (KeyKind.READ not in access.kinds and access.least_role is None):
        return None
    return _from_cookie(lowered.get("cookie")) or None


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _user_principal(
    session: str,
    headers: Mapping[str, str],
    access: Access,
    users: Callable[[], SessionUsers],
    pepper: str,
    now: float,
    method: str,
) -> Principal:
    if access.least_role is None:
        raise unauthorized("team sessions are not accepted here; this route needs an API key")
    record = verify_user_session(session, users(), pepper, now)
    if not record.role.at_least(access.least_role):
        raise forbidden(f"this needs the {access.least_role.value} role; your account is {record.role.value}")
    if method.upper() not in SAFE_METHODS and not same_origin(headers):
        raise ApiError(403, "cross_site", "this request must be sent from this site")
    return Principal.for_user(record)


def authenticate(
    headers: Mapping[str, str],
    body_write_key: Callable[[], str | None],
    access: Access,
    keys: KeyLookup,
    *,
    sessions: SessionKeys | None = None,
    users: Callable[[], SessionUsers] | None = None,
    pepper: str = "",
    now: Callable[[], float] = time.time,
    method: str = "GET",
) -> Principal:
    """Check the presented key (or session cookie) against the route's access; 401 or 403 as ApiError.

    Without `sessions` a kiosk session cookie, without `users` (the user repository, made on
    first use) a team member's session cookie is not accepted (401). `method` is the request's
    (a team member's cookie on a request that changes something must come from this site).
    """
    session = presented_session(headers, access)
    if session is not None and is_user_session(session):
        if users is None:
            raise unauthorized("team sessions are not accepted here")
        return _user_principal(session, headers, access, users, pepper, now(), method)
    if session is not None and KeyKind.READ not in access.kinds:
        raise unauthorized("this route needs an API key or a team member's session")
    if session is not None:
        if sessions is None:
            raise unauthorized("dashboard sessions are not accepted here")
        opened = verify_session(session, sessions, pepper, now())
        return Principal.for_key(opened.tenant_id, opened.kind, opened.key_id)
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
    return Principal.for_key(record.tenant_id, record.kind, record.key_id)


def write_key_from_json(body: Any) -> str | None:
    """`writeKey` from a parsed JSON body, if there is one."""
    if isinstance(body, dict):
        value = body.get("writeKey")
        return value if isinstance(value, str) else None
    return None
