"""API keys of a tenant (admin): list, create, rotate and revoke, for `/v1/keys` and the keys console.

The same repository methods as `touchpoint tenants rotate-key | revoke-key`. A key is shown in
full only in the answer that creates it (the table keeps its hash alone). Rotating issues a new
key of the same kind and revokes the old one at once (the repository keeps no grace period; the
CLI's `--keep-old` is the way to overlap two keys). A caller cannot revoke the key it is using
(it would lock itself out mid-request); rotating it is allowed, as the answer carries the new key.
Every change is written to the audit log.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from touchpoint.models.inputs import strict_json
from touchpoint.models.tenants import ApiKeyRecord, KeyKind
from touchpoint.runtime import Runtime
from touchpoint.web.auth import Principal
from touchpoint.web.errors import ApiError, bad_request, from_validation_error, not_found

MAX_BODY_BYTES = 1024


class NewKey(BaseModel):
    """Body of `POST /v1/keys`: the kind of key to create."""

    model_config = ConfigDict(extra="forbid")

    kind: KeyKind


def key_json(record: ApiKeyRecord) -> dict[str, Any]:
    """The API form of a key's record: never the key or its hash."""
    return {
        "key_id": record.key_id,
        "kind": record.kind.value,
        "created_at": record.created_at.isoformat(),
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
        "active": record.active,
    }


def issued_json(key: str, record: ApiKeyRecord) -> dict[str, Any]:
    """A new key's record with the key itself (shown this once)."""
    return {**key_json(record), "key": key}


def parse_kind(value: str) -> KeyKind:
    """A key kind from a form or body value (400 naming `kind` otherwise)."""
    try:
        return NewKey.model_validate({"kind": value}).kind
    except ValidationError:
        raise bad_request("kind must be write, read or admin", field="kind") from None


def new_key_body(raw: bytes | str | None) -> KeyKind:
    """The kind of `POST /v1/keys`'s JSON body (400 when it is not `{"kind": "write|read|admin"}`)."""
    if not raw:
        raise bad_request('the body is {"kind": "write|read|admin"}', field="body")
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "payload_too_large", f"the body is larger than {MAX_BODY_BYTES} bytes")
    body = strict_json(raw)
    if not isinstance(body, dict):
        raise bad_request('the body is {"kind": "write|read|admin"}', field="body")
    try:
        return NewKey.model_validate(body).kind
    except ValidationError as error:
        raise from_validation_error(error) from None


def list_keys(runtime: Runtime, tenant_id: str) -> list[ApiKeyRecord]:
    """The tenant's keys, active ones first, each group oldest first."""
    records = runtime.tenants.list_keys(tenant_id)
    return sorted(records, key=lambda r: (not r.active, r.created_at))


def require_key(runtime: Runtime, tenant_id: str, key_id: str) -> ApiKeyRecord:
    """One key of the tenant (404 otherwise, also for another tenant's key id)."""
    for record in runtime.tenants.list_keys(tenant_id):
        if record.key_id == key_id:
            return record
    raise not_found("key")


def create_key(runtime: Runtime, principal: Principal, kind: KeyKind) -> tuple[str, ApiKeyRecord]:
    """Issue a key of `kind`: the plain key (show it once) and its record."""
    key, record = runtime.tenants.issue_key(principal.tenant_id, kind)
    runtime.audit.record(principal, "keys.create", f"key:{record.key_id}", {"kind": kind.value})
    return key, record


def rotate_key(runtime: Runtime, principal: Principal, key_id: str) -> tuple[str, ApiKeyRecord, ApiKeyRecord]:
    """A new key of the same kind, the old one revoked: (new key, its record, the old record)."""
    old = require_key(runtime, principal.tenant_id, key_id)
    if not old.active:
        raise ApiError(409, "revoked", f"key {key_id} is revoked; create a new key instead")
    key, record = runtime.tenants.issue_key(principal.tenant_id, old.kind)
    revoked = runtime.tenants.revoke_key(principal.tenant_id, key_id)
    detail = {"kind": old.kind.value, "new_key_id": record.key_id}
    runtime.audit.record(principal, "keys.rotate", f"key:{key_id}", detail)
    return key, record, revoked


def revoke_key(runtime: Runtime, principal: Principal, key_id: str) -> ApiKeyRecord:
    """Revoke a key (an already revoked one stays as it is); 409 for the caller's own key."""
    record = require_key(runtime, principal.tenant_id, key_id)
    if key_id == principal.key_id:
        raise ApiError(409, "own_key", "this is the key of this request; revoke it with another admin key")
    if not record.active:
        return record
    revoked = runtime.tenants.revoke_key(principal.tenant_id, key_id)
    runtime.audit.record(principal, "keys.revoke", f"key:{key_id}", {"kind": record.kind.value})
    return revoked
