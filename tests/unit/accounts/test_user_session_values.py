"""Team members' session values and `authenticate`: signed, expiring, versioned, role- and origin-checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from touchpoint.models.tenants import ApiKeyRecord
from touchpoint.models.users import Role, UserRecord, UserStatus
from touchpoint.web.auth import ADMIN, EDIT, READ, SESSION_COOKIE, WRITE, authenticate
from touchpoint.web.errors import ApiError
from touchpoint.web.signin_sessions import SESSION_MAX_AGE_S, issue_user_session, verify_user_session

NOW = 1_800_000_000.0
PEPPER = "pepper-for-the-tests"
SALT = "a" * 64


@dataclass
class Users:
    records: dict[tuple[str, str], UserRecord] = field(default_factory=dict)

    def get_with_session_salt(self, tenant_id: str, user_id: str) -> tuple[UserRecord, str] | None:
        record = self.records.get((tenant_id, user_id))
        return None if record is None else (record, SALT)


class NoKeys:
    def find_key(self, key: str) -> ApiKeyRecord | None:
        return None


def _user(role: Role = Role.EDITOR, **changes: Any) -> UserRecord:
    values: dict[str, object] = {
        "tenant_id": "acme",
        "user_id": "u-1",
        "email": "anna@example.com",
        "role": role,
        "status": UserStatus.ACTIVE,
    }
    values.update(changes)
    return UserRecord.model_validate(values)


def _users(record: UserRecord) -> Users:
    return Users({(record.tenant_id, record.user_id): record})


def test_a_session_value_names_tenant_user_and_expiry_and_verifies() -> None:
    record = _user()
    value = issue_user_session(record, SALT, PEPPER, NOW)
    version, tenant, user, expires, _mac = value.split(".")
    assert (version, tenant, user, int(expires)) == ("v2", "acme", "u-1", int(NOW) + SESSION_MAX_AGE_S)
    assert verify_user_session(value, _users(record), PEPPER, NOW + 60) == record


@pytest.mark.parametrize(
    ("later", "changes", "pepper"),
    [
        (SESSION_MAX_AGE_S, {}, PEPPER),  # expired
        (60, {"session_version": 1}, PEPPER),  # sessions ended
        (60, {"status": UserStatus.DISABLED}, PEPPER),
        (60, {"status": UserStatus.INVITED}, PEPPER),
        (60, {}, "another-pepper-value"),
    ],
)
def test_expired_ended_disabled_or_foreign_sessions_are_refused(
    later: float, changes: dict[str, Any], pepper: str
) -> None:
    value = issue_user_session(_user(), SALT, PEPPER, NOW)
    with pytest.raises(ApiError) as refused:
        verify_user_session(value, _users(_user(**changes)), pepper, NOW + later)
    assert refused.value.status == 401


def test_an_altered_or_removed_users_session_is_refused() -> None:
    value = issue_user_session(_user(), SALT, PEPPER, NOW)
    prefix, mac = value.rsplit(".", 1)
    for bad in (prefix + "." + mac[::-1], value.replace(".acme.", ".globex."), value + "x", "v2.acme"):
        with pytest.raises(ApiError):
            verify_user_session(bad, _users(_user()), PEPPER, NOW)
    with pytest.raises(ApiError):
        verify_user_session(value, Users(), PEPPER, NOW)


def test_only_an_active_user_gets_a_session() -> None:
    with pytest.raises(ValueError, match="active"):
        issue_user_session(_user(status=UserStatus.INVITED), SALT, PEPPER, NOW)


def _authenticate(record: UserRecord, access: object, method: str = "GET", **headers: str) -> object:
    value = issue_user_session(record, SALT, PEPPER, NOW)
    return authenticate(
        {"Cookie": f"{SESSION_COOKIE}={value}", **headers},
        lambda: None,
        access,  # type: ignore[arg-type]
        NoKeys(),
        users=lambda: _users(record),
        pepper=PEPPER,
        now=lambda: NOW,
        method=method,
    )


@pytest.mark.parametrize(
    ("role", "access", "status"),
    [
        (Role.VIEWER, READ, 200),
        (Role.VIEWER, EDIT, 403),
        (Role.VIEWER, ADMIN, 403),
        (Role.EDITOR, EDIT, 200),
        (Role.EDITOR, ADMIN, 403),
        (Role.ADMIN, ADMIN, 200),
        (Role.ADMIN, WRITE, 401),
    ],
)
def test_the_role_decides_per_access(role: Role, access: object, status: int) -> None:
    if status == 200:
        principal = _authenticate(_user(role, locations=("berlin",)), access)
        assert principal.role is role and principal.user_id == "u-1"  # type: ignore[attr-defined]
        expected = None if role is Role.ADMIN else frozenset({"berlin"})  # an admin sees every store
        assert principal.locations == expected  # type: ignore[attr-defined]
        assert principal.actor == "user:anna@example.com"  # type: ignore[attr-defined]
        return
    with pytest.raises(ApiError) as refused:
        _authenticate(_user(role), access)
    assert refused.value.status == status


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"Sec-Fetch-Site": "same-origin"}, True),
        ({}, True),
        ({"Sec-Fetch-Site": "cross-site"}, False),
        ({"Sec-Fetch-Site": "same-site"}, False),
        ({"Origin": "https://evil.example", "Host": "tp.example"}, False),
        ({"Origin": "https://tp.example", "Host": "tp.example"}, True),
    ],
)
def test_changes_with_a_session_must_come_from_this_site(headers: dict[str, str], allowed: bool) -> None:
    record = _user(Role.ADMIN)
    for method in ("POST", "PUT", "DELETE"):
        if allowed:
            _authenticate(record, ADMIN, method, **headers)
        else:
            with pytest.raises(ApiError) as refused:
                _authenticate(record, ADMIN, method, **headers)
            assert refused.value.status == 403
    _authenticate(record, ADMIN, "GET", **headers)  # reading is never refused for its origin
