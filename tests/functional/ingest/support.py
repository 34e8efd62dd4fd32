"""Helpers of the ingest tests: requests as SDKs send them, and what landed in the lake."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from chalice.test import Client

from tests.conftest import basic_auth
from touchpoint.runtime import Runtime
from touchpoint.storage.lake_layout import partition_prefix
from touchpoint_cli.apps import function_module


def send(
    client: Client,
    path: str,
    body: Any,
    key: str | None,
    *,
    compress: bool = False,
    headers: dict[str, str] | None = None,
) -> Any:
    """POST a JSON body (gzip when asked) with the key as HTTP Basic user (None: no header)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    all_headers = {"Content-Type": "application/json", **(basic_auth(key) if key else {})}
    if compress:
        data = gzip.compress(data)
        all_headers["Content-Encoding"] = "gzip"
    all_headers.update(headers or {})
    return client.http.post(path, headers=all_headers, body=data)


def lake_keys(runtime: Runtime, tenant_id: str) -> list[str]:
    """Every raw event object of a tenant."""
    return list(runtime.lake.list_keys(partition_prefix("raw/events", tenant_id)))


def lake_events(runtime: Runtime, tenant_id: str) -> list[dict[str, Any]]:
    """Every stored event line of a tenant, object by object."""
    return [line for key in lake_keys(runtime, tenant_id) for line in runtime.lake.read_jsonl(key)]


def quarantined(runtime: Runtime, tenant_id: str) -> list[dict[str, Any]]:
    """Every quarantine line of a tenant."""
    repo = runtime.quarantine
    return [line for key in repo.list_keys(tenant_id) for line in repo.read(key)]


def track(index: int, **extra: Any) -> dict[str, Any]:
    """A valid track event as an SDK batches it."""
    event: dict[str, Any] = {
        "type": "track",
        "messageId": f"msg-{index:05d}",
        "event": "Product Viewed",
        "anonymousId": f"anon-{index % 7}",
        "timestamp": "2026-11-02T10:00:00.000Z",
        "properties": {"product_id": f"p-{index}"},
        "context": {"library": {"name": "analytics-python", "version": "2.4.0"}},
    }
    event.update(extra)
    return event


def suppression_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The ingest container's clock for the suppression generation (read at most every 60 s).

    Tests move `clock[0]` on by 60 to let the container see an erasure.
    """
    clock = [1000.0]
    generation_of = function_module("ingest", "chalicelib.service").current_generation
    monkeypatch.setitem(generation_of.__globals__, "now", lambda: clock[0])
    return clock
