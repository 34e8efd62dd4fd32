"""Browser SDKs: analytics.js's short paths, text/plain bodies with the writeKey, CORS on every answer."""

from __future__ import annotations

import json

import pytest

from tests.conftest import TenantKeys, function_client, make_tenant
from tests.functional.ingest.support import lake_events, send, track
from touchpoint.models.tenants import TenantConfig
from touchpoint.runtime import Runtime

SHORT_PATHS = {"t": "track", "i": "identify", "p": "page", "s": "screen", "g": "group", "a": "alias"}


def _event(kind: str, index: int) -> dict[str, object]:
    event: dict[str, object] = {"type": kind, "messageId": f"short-{kind}", "anonymousId": "a-1"}
    if kind == "track":
        event["event"] = "Product Viewed"
    if kind in ("identify", "alias"):
        event["userId"] = "u-1"
    if kind == "alias":
        event["previousId"] = "a-1"
    if kind == "group":
        event["groupId"] = "g-1"
    return event


def test_every_short_path_stores_its_type_from_a_text_plain_body_with_the_write_key(
    aws: Runtime, tenant: TenantKeys
) -> None:
    with function_client("ingest") as client:
        for letter, kind in SHORT_PATHS.items():
            body = {**_event(kind, 0), "writeKey": tenant.write_key}
            answer = send(client, f"/v1/{letter}", body, None, headers={"Content-Type": "text/plain"})
            assert answer.status_code == 200, (letter, answer.body)
            assert answer.headers["Access-Control-Allow-Origin"] == "*"
        batch = {"writeKey": tenant.write_key, "batch": [track(1)]}
        assert send(client, "/v1/b", batch, None, headers={"Content-Type": "text/plain"}).status_code == 200
    stored = {e["messageId"]: e["type"] for e in lake_events(aws, tenant.tenant_id)}
    assert stored == {**{f"short-{k}": k for k in SHORT_PATHS.values()}, track(1)["messageId"]: "track"}
    assert "writeKey" not in json.dumps(lake_events(aws, tenant.tenant_id))


def test_refusals_carry_cors_headers_so_the_page_can_read_them(aws: Runtime, tenant: TenantKeys) -> None:
    with function_client("ingest") as client:
        bad_key = send(client, "/v1/t", {**_event("track", 0), "writeKey": "nope"}, None)
        unreadable = send(
            client, "/v1/t", b"{not json", tenant.write_key, headers={"Content-Type": "text/plain"}
        )
    for answer, status in ((bad_key, 401), (unreadable, 400)):
        assert answer.status_code == status and answer.headers["Access-Control-Allow-Origin"] == "*"
        assert json.loads(answer.body)["code"]
    assert lake_events(aws, tenant.tenant_id) == []


def test_a_429_tells_analytics_js_when_to_retry(aws: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = make_tenant(aws, "busy", TenantConfig(rate_limit_per_second=1))
    monkeypatch.setattr(aws.rate_limits, "clock", lambda: 1_800_000_000.5)
    with function_client("ingest") as client:
        answers = [
            send(
                client,
                "/v1/t",
                {**track(i), "writeKey": keys.write_key},
                None,
                headers={"Content-Type": "text/plain"},
            )
            for i in range(2)
        ]
    assert [a.status_code for a in answers] == [200, 429]
    limited = answers[1].headers
    assert limited["Retry-After"] == "1" and limited["X-RateLimit-Reset"] == "1"
    exposed = {h.strip().lower() for h in limited["Access-Control-Expose-Headers"].split(",")}
    assert {"retry-after", "x-ratelimit-reset"} <= exposed
    assert [e["messageId"] for e in lake_events(aws, "busy")] == [track(0)["messageId"]]
