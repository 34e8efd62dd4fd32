"""The example offline store signals (events/offline/) are accepted by the ingest API as they are."""

from __future__ import annotations

import json

from tests.conftest import EVENTS_DIR, TenantKeys, basic_auth, function_client
from touchpoint.runtime import Runtime


def test_every_example_is_accepted_by_the_ingest_api(aws: Runtime, tenant: TenantKeys) -> None:
    examples = sorted((EVENTS_DIR / "offline").glob("*.json"))
    assert len(examples) == 6
    headers = {**basic_auth(tenant.write_key), "Content-Type": "application/json"}
    with function_client("ingest") as client:
        for path in examples:
            body = path.read_bytes()
            route = "/v1/batch" if "batch" in json.loads(body) else "/v1/track"
            response = client.http.post(route, headers=headers, body=body)
            assert response.status_code == 200, (path.name, response.body)
    assert list(aws.lake.list_keys("quarantine/")) == []
    sent = [
        event
        for path in examples
        for event in json.loads(path.read_bytes()).get("batch", [json.loads(path.read_bytes())])
    ]
    landed = [
        e
        for key in aws.lake.list_keys(f"raw/events/tenant={tenant.tenant_id}/")
        for e in aws.lake.read_jsonl(key)
    ]
    assert len(landed) == len(sent) and {e["event"] for e in landed} == {e["event"] for e in sent}
