"""Shared fixtures: moto with the resources of infra/, tenants with keys, function test clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

# Before anything creates a boto3 client: fake credentials, a region, the test stage, no endpoint.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
        "TOUCHPOINT_STAGE": "test",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Touchpoint",
        "POWERTOOLS_DEV": "false",
    }
)
for _variable in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "TOUCHPOINT_RESOURCE_PREFIX"):
    os.environ.pop(_variable, None)

from chalice.test import Client  # noqa: E402
from moto import mock_aws  # noqa: E402

from touchpoint.models.tenants import KeyKind, TenantConfig  # noqa: E402
from touchpoint.runtime import Runtime, get_runtime, reset_runtime  # noqa: E402
from touchpoint_cli.apps import load_app  # noqa: E402
from touchpoint_cli.resources import deploy_stack  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
EVENTS_DIR = REPO_ROOT / "events"
TEST_OUTPUT = REPO_ROOT / "test-output"


@dataclass(frozen=True)
class TenantKeys:
    """A tenant created for a test, with one key of each kind."""

    tenant_id: str
    write_key: str
    read_key: str
    admin_key: str

    def key(self, kind: KeyKind) -> str:
        """The key of a kind."""
        return {KeyKind.WRITE: self.write_key, KeyKind.READ: self.read_key, KeyKind.ADMIN: self.admin_key}[
            kind
        ]


def make_tenant(runtime: Runtime, tenant_id: str, config: TenantConfig | None = None) -> TenantKeys:
    """Create a tenant and one key of each kind."""
    runtime.tenants.create_tenant(tenant_id, tenant_id.title(), config or TenantConfig())
    keys = {kind: runtime.tenants.issue_key(tenant_id, kind)[0] for kind in KeyKind}
    return TenantKeys(tenant_id, keys[KeyKind.WRITE], keys[KeyKind.READ], keys[KeyKind.ADMIN])


@pytest.fixture
def aws() -> Iterator[Runtime]:
    """moto with every table, bucket and topic of infra/template.yaml; yields the runtime."""
    with mock_aws():
        reset_runtime()
        deploy_stack(boto3.client("cloudformation", region_name="eu-central-1"), "test")
        yield get_runtime()
        reset_runtime()


@pytest.fixture
def tenant(aws: Runtime) -> TenantKeys:
    """The tenant `acme` with a write, a read and an admin key."""
    return make_tenant(aws, "acme")


@pytest.fixture
def other_tenant(aws: Runtime) -> TenantKeys:
    """A second tenant, `globex`, for isolation tests."""
    return make_tenant(aws, "globex")


def function_client(name: str) -> Client:
    """A `chalice.test.Client` for one function's app (loaded by file path)."""
    return Client(load_app(name))


@pytest.fixture
def test_output() -> Path:
    """A folder for screenshots and other artefacts a person may want to look at."""
    TEST_OUTPUT.mkdir(exist_ok=True)
    return TEST_OUTPUT


def basic_auth(key: str) -> dict[str, Any]:
    """Headers for HTTP Basic with the key as user name and an empty password (Segment style)."""
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def bearer(key: str) -> dict[str, str]:
    """Headers for `Authorization: Bearer <key>`."""
    return {"Authorization": f"Bearer {key}"}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop the local SparkSession (and its JVM) that Spark tests started in this process."""
    import sys

    backend = sys.modules.get("touchpoint.engine.spark_backend")
    if backend is not None:
        backend.stop_local_session()


def team_session(
    runtime: Runtime,
    tenant_id: str,
    role: str,
    *,
    email: str | None = None,
    locations: tuple[str, ...] = (),
) -> dict[str, str]:
    """Headers of a signed-in team member (an active user of `role`, created without Cognito).

    The cookie is a real user session (`touchpoint.web.signin_sessions.issue_user_session`);
    non-GET requests also need `Sec-Fetch-Site: same-origin`, sent here.
    """
    import time
    import uuid

    from touchpoint.models.users import Role, UserRecord, UserStatus
    from touchpoint.web.auth import SESSION_COOKIE
    from touchpoint.web.signin_sessions import issue_user_session

    record = runtime.users.create(
        UserRecord(
            tenant_id=tenant_id,
            user_id=str(uuid.uuid4()),
            email=email or f"{role}-{uuid.uuid4().hex[:8]}@{tenant_id}.example",
            role=Role(role),
            locations=locations,
            status=UserStatus.ACTIVE,
        )
    )
    found = runtime.users.get_with_session_salt(tenant_id, record.user_id)
    assert found is not None
    value = issue_user_session(found[0], found[1], runtime.settings.key_pepper, time.time())
    return {"Cookie": f"{SESSION_COOKIE}={value}", "Sec-Fetch-Site": "same-origin"}
