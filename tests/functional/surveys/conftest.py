"""Fixtures of the survey tests: a clock to travel in time, and a stack shared by a module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from tests.conftest import TenantKeys, function_client, make_tenant
from tests.functional.surveys.support import Clock, active_survey
from touchpoint.runtime import Runtime, get_runtime, reset_runtime
from touchpoint_cli.resources import deploy_stack


@dataclass(frozen=True)
class SurveyEnv:
    """A stack with tenant `acme` (store `berlin-mitte`), an active NPS survey and a client."""

    runtime: Runtime
    tenant: TenantKeys
    client: Client
    survey_id: str


@pytest.fixture(scope="module")
def survey_env() -> Iterator[SurveyEnv]:
    """One stack per module: only for tests that leave no state behind (rejected input)."""
    with mock_aws():
        reset_runtime()
        deploy_stack(boto3.client("cloudformation", region_name="eu-central-1"), "test")
        runtime = get_runtime()
        tenant = make_tenant(runtime, "acme")
        runtime.locations.create_location("acme", "berlin-mitte", "Berlin Mitte")
        with function_client("surveys") as client:
            yield SurveyEnv(runtime, tenant, client, active_survey(client, tenant))
        reset_runtime()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The survey service's clock, starting now (tests move it to travel in time)."""
    from touchpoint.surveys import service

    fake = Clock(datetime.now(UTC).replace(microsecond=0))
    monkeypatch.setattr(service, "utc_now", fake)
    return fake
