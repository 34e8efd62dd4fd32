"""One moto stack per module for the hostile-input tests: tenant A, its objects, a client per function."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from tests.conftest import TenantKeys, function_client, make_tenant
from tests.functional.trust.world import World, build_world
from touchpoint.models.tenants import TenantConfig
from touchpoint.runtime import Runtime, get_runtime, reset_runtime
from touchpoint_cli.paths import HTTP_FUNCTIONS
from touchpoint_cli.resources import deploy_stack


@dataclass(frozen=True)
class HostileEnv:
    """The stack of one test module: runtime, tenant A (no practical rate limit), its world, clients."""

    runtime: Runtime
    tenant: TenantKeys
    world: World
    clients: dict[str, Client]


@pytest.fixture(scope="module")
def env() -> Iterator[HostileEnv]:
    """A fresh stack for the module (module scope: building the world takes a few seconds)."""
    with mock_aws():
        reset_runtime()
        deploy_stack(boto3.client("cloudformation", region_name="eu-central-1"), "test")
        runtime = get_runtime()
        tenant = make_tenant(runtime, "acme", TenantConfig(rate_limit_per_second=1_000_000))
        world = build_world(runtime, tenant)
        # The webhook signing secret is made on the first view of the webhook (any alerts page an admin
        # sees, a refused form's page again too): made here, so that no test's outcome depends on
        # whether another route of the module (or of this xdist worker) showed it first.
        runtime.alerts.webhook_secret(tenant.tenant_id)
        clients = {name: function_client(name) for name in HTTP_FUNCTIONS}
        yield HostileEnv(runtime, tenant, world, clients)
        reset_runtime()
