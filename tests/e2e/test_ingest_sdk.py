"""The real `segment-analytics-python` SDK against the local stack: what it sends lands in the lake."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from segment.analytics.client import Client as SegmentClient

from touchpoint.runtime import get_runtime
from touchpoint.storage.lake_layout import partition_prefix
from touchpoint_cli.stack import LocalInfo, LocalStack, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalInfo]:
    with LocalStack(port=free_port(), state_dir=tmp_path_factory.mktemp("stack")) as info:
        yield info


def _lake(info: LocalInfo) -> dict[str, dict[str, Any]]:
    lake = get_runtime().lake
    return {
        line["messageId"]: line
        for key in lake.list_keys(partition_prefix("raw/events", info.tenant_id))
        for line in lake.read_jsonl(key)
    }


def _copies(info: LocalInfo, message_id: str) -> int:
    lake = get_runtime().lake
    keys = lake.list_keys(partition_prefix("raw/events", info.tenant_id))
    return sum(1 for key in keys for line in lake.read_jsonl(key) if line["messageId"] == message_id)


@pytest.mark.parametrize("gzip", [False, True])
def test_track_identify_page_and_screen_land_in_the_lake(stack: LocalInfo, gzip: bool) -> None:
    errors: list[Any] = []
    client = SegmentClient(
        stack.write_key, host=stack.api_url, sync_mode=True, gzip=gzip, on_error=lambda e, b: errors.append(e)
    )
    user, anon = f"user-{gzip}", f"anon-{gzip}"
    sent = [
        client.identify(user, {"email": "ada@example.com", "plan": "gold"}, anonymous_id=anon)[1],
        client.track(
            user, "Order Completed", {"revenue": 42.5, "order_id": "o-1"}, context={"ip": "203.0.113.9"}
        )[1],
        client.page(anonymous_id=anon, name="Home", properties={"url": "https://shop.example/"})[1],
        client.screen(user, name="Cart", properties={"items": 2})[1],
        client.group(user, "household-1", {"size": 2})[1],
        client.alias("old-" + user, user)[1],
    ]
    assert errors == []
    stored = _lake(stack)
    for message in sent:
        line = stored[message["messageId"]]
        assert line["type"] == message["type"]
        assert line["context"]["library"]["name"] == "analytics-python"
        assert line["receivedAt"].endswith("Z") and line["sentAt"] and line["originalTimestamp"]
    identify, track, page, screen = (stored[m["messageId"]] for m in sent[:4])
    assert track["event"] == "Order Completed" and track["properties"] == {"revenue": 42.5, "order_id": "o-1"}
    assert track["context"]["ip"] == "203.0.113.0"
    assert "email" not in identify["traits"] and identify["traits"]["email_hash"].startswith("hmac-sha256:")
    assert page["name"] == "Home" and page["anonymousId"] == anon and screen["name"] == "Cart"
    links = dict(get_runtime().identity.list_links(stack.tenant_id))
    assert links[anon] == user and links["old-" + user] == user


def test_batched_upload_with_a_storage_fault_is_retried_by_the_sdk_and_stored_once(stack: LocalInfo) -> None:
    firehose: Any = get_runtime().clients.firehose
    failures: list[str] = []

    def fail_once(**kwargs: Any) -> None:
        if not failures:
            failures.append("PutRecordBatch")
            raise ClientError(
                {"Error": {"Code": "ServiceUnavailableException", "Message": "injected"}}, "PutRecordBatch"
            )

    firehose.meta.events.register("before-call.firehose.PutRecordBatch", fail_once)
    client = SegmentClient(
        stack.write_key, host=stack.api_url, gzip=True, upload_size=50, upload_interval=0.05
    )
    try:
        ids = [
            client.track(f"u-{i % 9}", "Product Viewed", {"product_id": f"p-{i}"})[1]["messageId"]
            for i in range(120)
        ]
        client.flush()
    finally:
        client.join()
        firehose.meta.events.unregister("before-call.firehose.PutRecordBatch", fail_once)
    assert failures == ["PutRecordBatch"]  # the first upload got a 503 and was retried
    stored = _lake(stack)
    assert all(message_id in stored for message_id in ids)
    assert {_copies(stack, message_id) for message_id in ids[:5]} == {1}


def test_a_bad_write_key_is_reported_to_the_sdk(stack: LocalInfo) -> None:
    client = SegmentClient("tpw_" + "x" * 32, host=stack.api_url, sync_mode=True)
    with pytest.raises(Exception, match="401"):
        client.track("u", "Clicked")
