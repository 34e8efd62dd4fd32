"""Sign-in sessions: signed, expiring cookie values naming a read key (kiosk) or a team member.

Team members' sessions (`v2.<tenant>.<user id>.<expires>.<signature>`, `issue_user_session`) are
signed with the pepper, the user's secret `session_salt` (kept on the user's item in the config
table only) and their `session_version`; the user's record is read on every request, so a
changed role or store scope acts at once, and removing the user, disabling them or raising the
version (sign-out everywhere, a password reset) ends every session of theirs.

Kiosk (read key) sessions are described below.

The value is `v1.<tenant>.<key id>.<expires (epoch s)>.<signature>`. The signature is an
HMAC-SHA256 (`touchpoint.qr.signing`, purpose `dashboard-session`) over the tenant, the key id,
the expiry and the key's stored hash, keyed with the deployment's key pepper and that hash. So:

- it cannot be forged or altered without the pepper *and* the key's hash (which only the config
  table holds), not even on a local stack whose pepper is empty;
- it names the tenant and the key: a session of tenant A can only ever act as tenant A;
- it expires (`SESSION_MAX_AGE_S`) whatever the browser does with `Max-Age`;
- the key's record is read on every request (found through the tenant's key index, then read
  again by its hash with a strongly consistent read), so revoking the key ends every session at
  once, and rotating the pepper ends all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from touchpoint.models.tenants import ApiKeyRecord, KeyKind
from touchpoint.models.users import UserRecord, UserStatus
from touchpoint.qr.signing import signature, signature_matches
from touchpoint.web.errors import ApiError, unauthorized

SESSION_MAX_AGE_S = 8 * 3600
SESSION_PURPOSE = "dashboard-session"
USER_SESSION_PURPOSE = "user-session"
USER_SESSION_PREFIX = "v2."
_SIGNATURE_BYTES = 24
_VALUE_RE = re.compile(
    r"^v1\.(?P<tenant>[a-z0-9][a-z0-9-]{1,62})\.(?P<key_id>[A-Za-z0-9_-]{1,64})\.(?P<expires>[0-9]{1,12})"
    r"\.(?P<signature>[A-Za-z0-9_-]{16,64})$"
)

_USER_VALUE_RE = re.compile(
    r"^v2\.(?P<tenant>[a-z0-9][a-z0-9-]{1,62})\.(?P<user_id>[A-Za-z0-9_-]{1,64})\.(?P<expires>[0-9]{1,12})"
    r"\.(?P<signature>[A-Za-z0-9_-]{16,64})$"
)


class SessionKeys(Protocol):
    """What session checks need from the tenant repository."""

    def list_keys(self, tenant_id: str) -> list[ApiKeyRecord]: ...

    def get_key_by_hash(self, key_hash: str) -> ApiKeyRecord | None: ...


@dataclass(frozen=True)
class Session:
    """A parsed (not yet verified) session value."""

    tenant_id: str
    key_id: str
    expires_at: int
    signature: str


def _secret(pepper: str, key_hash: str) -> str:
    return f"{pepper}\x00{key_hash}"


def _message(tenant_id: str, key_id: str, expires_at: int) -> str:
    return f"{tenant_id}\x00{key_id}\x00{expires_at}"


def issue_session(record: ApiKeyRecord, pepper: str, now: float) -> str:
    """A session value for an active read key, valid for `SESSION_MAX_AGE_S` from `now`."""
    if record.kind is not KeyKind.READ or not record.active:
        raise ValueError("only an active read key can open a dashboard session")
    expires = int(now) + SESSION_MAX_AGE_S
    mac = signature(
        _secret(pepper, record.key_hash),
        SESSION_PURPOSE,
        _message(record.tenant_id, record.key_id, expires),
        _SIGNATURE_BYTES,
    )
    return f"v1.{record.tenant_id}.{record.key_id}.{expires}.{mac}"


def parse_session(value: str) -> Session | None:
    """The parts of a session value, or None when it is not one."""
    match = _VALUE_RE.match(value)
    if match is None:
        return None
    return Session(match["tenant"], match["key_id"], int(match["expires"]), match["signature"])


def _invalid() -> ApiError:
    return unauthorized("the dashboard session is invalid or has expired; please sign in again")


def verify_session(value: str, keys: SessionKeys, pepper: str, now: float) -> ApiKeyRecord:
    """The key record behind a valid, unexpired session of an active read key; 401 otherwise."""
    session = parse_session(value)
    if session is None or session.expires_at <= now or session.expires_at > now + SESSION_MAX_AGE_S:
        raise _invalid()
    listed = next((k for k in keys.list_keys(session.tenant_id) if k.key_id == session.key_id), None)
    # the index may lag a revocation by a moment: the record itself is read consistently
    record = None if listed is None else keys.get_key_by_hash(listed.key_hash)
    if record is None or record.tenant_id != session.tenant_id or record.key_id != session.key_id:
        raise _invalid()
    if not signature_matches(
        _secret(pepper, record.key_hash),
        SESSION_PURPOSE,
        _message(session.tenant_id, session.key_id, session.expires_at),
        session.signature,
        _SIGNATURE_BYTES,
    ):
        raise _invalid()
    if not record.active or record.kind is not KeyKind.READ:
        raise _invalid()
    return record


class SessionUsers(Protocol):
    """What user session checks need from the user repository."""

    def get_with_session_salt(self, tenant_id: str, user_id: str) -> tuple[UserRecord, str] | None: ...


def is_user_session(value: str) -> bool:
    """True when the cookie value is (meant to be) a team member's session."""
    return value.startswith(USER_SESSION_PREFIX)


def _user_secret(pepper: str, salt: str, version: int) -> str:
    return f"{pepper}\x00{salt}\x00{version}"


def issue_user_session(record: UserRecord, salt: str, pepper: str, now: float) -> str:
    """A session value for an active team member, valid for `SESSION_MAX_AGE_S` from `now`."""
    if record.status is not UserStatus.ACTIVE or not salt:
        raise ValueError("only an active user can open a session")
    expires = int(now) + SESSION_MAX_AGE_S
    mac = signature(
        _user_secret(pepper, salt, record.session_version),
        USER_SESSION_PURPOSE,
        _message(record.tenant_id, record.user_id, expires),
        _SIGNATURE_BYTES,
    )
    return f"v2.{record.tenant_id}.{record.user_id}.{expires}.{mac}"


def verify_user_session(value: str, users: SessionUsers, pepper: str, now: float) -> UserRecord:
    """The active user behind a valid, unexpired session of the current session version; 401 otherwise."""
    match = _USER_VALUE_RE.match(value)
    if match is None:
        raise _invalid()
    expires = int(match["expires"])
    if expires <= now or expires > now + SESSION_MAX_AGE_S:
        raise _invalid()
    found = users.get_with_session_salt(match["tenant"], match["user_id"])
    if found is None:
        raise _invalid()
    record, salt = found
    if not salt or not signature_matches(
        _user_secret(pepper, salt, record.session_version),
        USER_SESSION_PURPOSE,
        _message(match["tenant"], match["user_id"], expires),
        match["signature"],
        _SIGNATURE_BYTES,
    ):
        raise _invalid()
    if record.status is not UserStatus.ACTIVE:
        raise _invalid()
    return record
