"""Tenants and keys in DynamoDB: only hashes are stored, revocation is immediate."""

from __future__ import annotations

import pytest

from touchpoint.models.tenants import KeyKind
from touchpoint.runtime import Runtime
from touchpoint.storage.tenants import TenantExistsError, TenantNotFoundError


def test_issue_find_list_and_revoke(aws: Runtime) -> None:
    repo = aws.tenants
    repo.create_tenant("acme", "Acme")
    key, record = repo.issue_key("acme", KeyKind.WRITE)
    found = repo.find_key(key)
    assert found is not None and found.tenant_id == "acme" and found.active
    scan = aws.clients.dynamodb.scan(TableName=aws.settings.config_table)["Items"]
    assert key not in repr(scan)
    assert [r.key_id for r in repo.list_keys("acme")] == [record.key_id]
    repo.revoke_key("acme", record.key_id)
    revoked = repo.find_key(key)
    assert revoked is not None and not revoked.active


def test_duplicate_tenant_and_unknown_tenant(aws: Runtime) -> None:
    aws.tenants.create_tenant("acme", "Acme")
    with pytest.raises(TenantExistsError):
        aws.tenants.create_tenant("acme", "Other")
    with pytest.raises(TenantNotFoundError):
        aws.tenants.issue_key("nobody", KeyKind.READ)
    assert [t.tenant_id for t in aws.tenants.list_tenants()] == ["acme"]
