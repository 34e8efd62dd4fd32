"""Authentication: where keys come from, and 401 versus 403."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from touchpoint.keys import generate_key, hash_key, looks_like_key
from touchpoint.models.tenants import ApiKeyRecord, KeyKind
from touchpoint.web.auth import ADMIN, READ, WRITE, authenticate
from touchpoint.web.errors import ApiError
from touchpoint.web.signin_sessions import issue_session


class FakeKeys:
    def __init__(self, *records: tuple[str, ApiKeyRecord]) -> None:
        self._by_key = dict(records)

    def find_key(self, key: str) -> ApiKeyRecord | None:
        return self._by_key.get(key)

    def list_keys(self, tenant_id: str) -> list[ApiKeyRecord]:
        return [r for r in self._by_key.values() if r.tenant_id == tenant_id]

    def get_key_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        return next((r for r in self._by_key.values() if r.key_hash == key_hash), None)


def _record(key: str, kind: KeyKind, revoked: bool = False) -> tuple[str, ApiKeyRecord]:
    return key, ApiKeyRecord(
        key_id=f"k-{kind.value}",
        tenant_id="acme",
        kind=kind,
        key_hash=hash_key(key),
        created_at=datetime.now(UTC),
        revoked_at=datetime.now(UTC) if revoked else None,
    )


WRITE_KEY = generate_key(KeyKind.WRITE)
READ_KEY = generate_key(KeyKind.READ)
REVOKED_KEY = generate_key(KeyKind.ADMIN)
KEYS = FakeKeys(
    _record(WRITE_KEY, KeyKind.WRITE),
    _record(READ_KEY, KeyKind.READ),
    _record(REVOKED_KEY, KeyKind.ADMIN, True),
)


def _no_body() -> str | None:
    return None


def test_generated_keys_have_the_kind_prefix_and_hash_with_pepper() -> None:
    assert WRITE_KEY.startswith("tpw_") and READ_KEY.startswith("tpr_")
    assert looks_like_key(WRITE_KEY)
    assert hash_key(WRITE_KEY, "a") != hash_key(WRITE_KEY, "b")
    assert len(hash_key(WRITE_KEY)) == 64


def test_basic_auth_with_empty_password_as_segment_sends() -> None:
    header = "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
    principal = authenticate({"Authorization": header}, _no_body, WRITE, KEYS)
    assert principal.tenant_id == "acme" and principal.kind is KeyKind.WRITE


def test_bearer_and_session_cookie() -> None:
    assert authenticate({"authorization": f"Bearer {READ_KEY}"}, _no_body, READ, KEYS).kind is KeyKind.READ
    _, record = _record(READ_KEY, KeyKind.READ)
    value = issue_session(record, "pepper", 1_800_000_000)
    cookie = {"Cookie": f"tp_session={value}"}
    principal = authenticate(
        cookie, _no_body, READ, KEYS, sessions=KEYS, pepper="pepper", now=lambda: 1_800_000_001
    )
    assert (principal.tenant_id, principal.kind, principal.key_id) == ("acme", KeyKind.READ, "k-read")
    for kwargs in (
        {"sessions": KEYS, "pepper": "other", "now": lambda: 1_800_000_001},  # another pepper
        {"sessions": KEYS, "pepper": "pepper", "now": lambda: 1_800_000_000 + 8 * 3600},  # expired
        {"pepper": "pepper", "now": lambda: 1_800_000_001},  # sessions not accepted
    ):
        with pytest.raises(ApiError) as caught:
            authenticate(cookie, _no_body, READ, KEYS, **kwargs)  # type: ignore[arg-type]
        assert caught.value.status == 401
    # the key itself in the cookie is not a session; a session is not read on write or admin routes
    for headers, access in (({"Cookie": f"tp_session={READ_KEY}"}, READ), (cookie, ADMIN), (cookie, WRITE)):
        with pytest.raises(ApiError) as caught:
            authenticate(
                headers, _no_body, access, KEYS, sessions=KEYS, pepper="pepper", now=lambda: 1_800_000_001
            )
        assert caught.value.status == 401
    assert authenticate(cookie, lambda: WRITE_KEY, WRITE, KEYS, sessions=KEYS).kind is KeyKind.WRITE


def test_a_session_of_a_revoked_key_or_of_another_tenant_is_refused() -> None:
    _, record = _record(READ_KEY, KeyKind.READ)
    value = issue_session(record, "", 1_800_000_000)
    revoked = FakeKeys((READ_KEY, record.model_copy(update={"revoked_at": datetime.now(UTC)})))
    moved = FakeKeys((READ_KEY, record.model_copy(update={"tenant_id": "globex"})))
    for keys in (revoked, moved, FakeKeys()):
        with pytest.raises(ApiError) as caught:
            authenticate(
                {"Cookie": f"tp_session={value}"},
                _no_body,
                READ,
                keys,
                sessions=keys,
                now=lambda: 1_800_000_001,
            )
        assert caught.value.status == 401
    with pytest.raises(ValueError, match="only an active read key"):
        issue_session(_record(WRITE_KEY, KeyKind.WRITE)[1], "", 0)


def test_write_key_in_body_only_counts_for_write_routes() -> None:
    assert authenticate({}, lambda: WRITE_KEY, WRITE, KEYS).kind is KeyKind.WRITE
    with pytest.raises(ApiError) as caught:
        authenticate({}, lambda: READ_KEY, READ, KEYS)
    assert caught.value.status == 401


@pytest.mark.parametrize(
    ("headers", "status", "fragment"),
    [
        ({}, 401, "a valid API key is required"),
        ({"Authorization": "Bearer nope"}, 401, "malformed"),
        ({"Authorization": "Token abc"}, 401, "must be 'Bearer"),
        ({"Authorization": "Basic !!!"}, 401, "not valid base64"),
        ({"Authorization": f"Bearer {generate_key(KeyKind.READ)}"}, 401, "unknown or revoked"),
        ({"Authorization": f"Bearer {REVOKED_KEY}"}, 401, "unknown or revoked"),
        ({"Authorization": f"Bearer {WRITE_KEY}"}, 403, "needs a admin key, not a write key"),
    ],
)
def test_rejections(headers: dict[str, str], status: int, fragment: str) -> None:
    with pytest.raises(ApiError) as caught:
        authenticate(headers, _no_body, ADMIN, KEYS)
    assert caught.value.status == status
    assert fragment in caught.value.message
