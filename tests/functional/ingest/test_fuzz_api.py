"""Fuzzing the API through the handler: no 5xx, and nothing invalid ever lands in the lake."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import basic_auth, function_client, make_tenant
from tests.functional.ingest.support import lake_keys, quarantined
from tests.unit.ingest.strategies import events, json_values
from touchpoint.models.events import parse_event
from touchpoint.models.tenants import TenantConfig
from touchpoint.runtime import Runtime

FUZZ = settings(
    max_examples=120,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
PATHS = ["/v1/batch", "/v1/track", "/v1/identify", "/v1/page", "/v1/screen", "/v1/group", "/v1/alias"]


class LakeWatch:
    """Checks every object that appears in the lake since the last look."""

    def __init__(self, runtime: Runtime, tenant_id: str) -> None:
        self.runtime, self.tenant_id, self.seen = runtime, tenant_id, set[str]()
        self.events = 0

    def check_new_objects(self) -> None:
        for key in lake_keys(self.runtime, self.tenant_id):
            if key in self.seen:
                continue
            self.seen.add(key)
            for line in self.runtime.lake.read_jsonl(key):
                parse_event(line)  # accepted means valid
                assert line["messageId"] and line["receivedAt"].endswith("Z") and "writeKey" not in line
                assert key.split("dt=")[1][:10] == line["timestamp"][:10]
                self.events += 1


@pytest.fixture
def fuzz_tenant(aws: Runtime) -> Iterator[tuple[str, LakeWatch]]:
    """A strict-mode tenant without a practical rate limit, and a watch over its lake."""
    global CLIENT
    keys = make_tenant(aws, "fuzz", TenantConfig(rate_limit_per_second=1_000_000, schema_mode="strict"))
    with function_client("ingest") as client:
        CLIENT = client
        yield keys.write_key, LakeWatch(aws, "fuzz")
    assert quarantined(aws, "fuzz"), "the fuzzing never reached the quarantine"


CLIENT: Any = None


def _post(client: Any, path: str, body: bytes, key: str, compress: bool) -> Any:
    headers = {**basic_auth(key), "Content-Type": "application/json"}
    if compress:
        body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
    return client.http.post(path, headers=headers, body=body)


@FUZZ
@given(
    path=st.sampled_from(PATHS),
    batch=st.lists(events(), min_size=1, max_size=10),
    compress=st.booleans(),
    sent_at=st.none() | st.sampled_from(["2026-11-02T10:00:00Z", "1999-01-01T00:00:00Z"]),
)
def test_event_shaped_requests(
    fuzz_tenant: tuple[str, LakeWatch], path: str, batch: list[Any], compress: bool, sent_at: str | None
) -> None:
    key, watch = fuzz_tenant
    body: Any = {"batch": batch, "sentAt": sent_at} if path == "/v1/batch" else batch[0]
    response = _post(CLIENT, path, json.dumps(body).encode(), key, compress)
    assert response.status_code in (200, 400, 413), response.body
    answer = json.loads(response.body)
    assert answer.get("success") is True or (answer["code"] and answer["message"])
    watch.check_new_objects()


@FUZZ
@given(
    path=st.sampled_from(PATHS),
    body=st.one_of(
        st.binary(max_size=300),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.builds(lambda v: json.dumps({"batch": v}).encode(), json_values),
    ),
    compress=st.booleans(),
)
def test_arbitrary_bodies(fuzz_tenant: tuple[str, LakeWatch], path: str, body: bytes, compress: bool) -> None:
    key, watch = fuzz_tenant
    response = _post(CLIENT, path, body, key, compress)
    assert response.status_code in (200, 400, 413), response.body
    watch.check_new_objects()
