"""Helpers of the privacy tests: traffic as SDKs and respondents send it, and a look at everything stored."""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from chalice.test import Client

from tests.conftest import basic_auth, bearer
from touchpoint.runtime import Runtime
from touchpoint.storage.dynamo import from_item


def at(day: date, hour: int = 12, minute: int = 0) -> str:
    """An ISO-8601 UTC time on a day."""
    return datetime.combine(day, time(hour, minute)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def track(
    message_id: str, day: date, *, user: str | None = None, anon: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A track event as an SDK batches it."""
    event: dict[str, Any] = {
        "type": "track",
        "messageId": message_id,
        "event": "Product Viewed",
        "timestamp": at(day, 10 + len(message_id) % 8),
        "properties": {"product_id": f"p-{message_id}"},
        "context": {"library": {"name": "analytics-python", "version": "2.4.0"}, "ip": "203.0.113.7"},
    }
    if user:
        event["userId"] = user
    if anon:
        event["anonymousId"] = anon
    event.update(extra)
    return event


def send_batch(client: Client, write_key: str, events: list[dict[str, Any]]) -> Any:
    """POST /v1/batch as the Segment SDKs send it; returns the decoded answer (asserts 200)."""
    response = client.http.post(
        "/v1/batch",
        headers={"Content-Type": "application/json", **basic_auth(write_key)},
        body=json.dumps({"batch": events}),
    )
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def send_raw(client: Client, write_key: str, body: bytes) -> int:
    """POST raw bytes to /v1/batch; returns the status."""
    response = client.http.post(
        "/v1/batch", headers={"Content-Type": "application/json", **basic_auth(write_key)}, body=body
    )
    return int(response.status_code)


def api(
    client: Client, method: str, path: str, key: str, body: Any = None
) -> tuple[int, Any, dict[str, str]]:
    """One JSON request with a Bearer key; returns status, decoded body and headers."""
    headers = {**bearer(key), "Content-Type": "application/json"}
    raw = None if body is None else json.dumps(body)
    response = getattr(client.http, method.lower())(path, headers=headers, body=raw)
    text = response.body.decode("utf-8") if isinstance(response.body, bytes) else response.body
    try:
        decoded: Any = json.loads(text) if text else None
    except ValueError:
        decoded = text
    return response.status_code, decoded, dict(response.headers)


@dataclass(frozen=True)
class Stored:
    """One stored thing as searchable text: where it is and what it says."""

    where: str
    text: str


def _inflate(data: bytes) -> bytes:
    if data.startswith(b"\x1f\x8b"):
        try:
            return zlib.decompressobj(wbits=31).decompress(data)
        except zlib.error:
            return data
    return data


def _object_texts(key: str, body: bytes) -> list[str]:
    data = gzip.decompress(body) if key.endswith(".gz") else body
    text = data.decode("utf-8", errors="replace")
    texts = [text]
    # Quarantined request bodies are kept as base64 (maybe gzip): search them decoded too.
    for line in text.split("\n"):
        if '"payload"' in line:
            payload = json.loads(line).get("payload")
            if isinstance(payload, str):
                texts.append(_inflate(base64.b64decode(payload)).decode("utf-8", errors="replace"))
    return texts


def everything_stored(runtime: Runtime) -> list[Stored]:
    """Every item of every table and every lake object (decoded), as text."""
    settings = runtime.settings
    db = runtime.clients.dynamodb
    found: list[Stored] = []
    tables = [
        settings.config_table,
        settings.responses_table,
        settings.people_table,
        settings.metrics_table,
        settings.state_table,
        settings.idempotency_table,
    ]
    for table in tables:
        for page in db.get_paginator("scan").paginate(TableName=table):
            for item in page.get("Items", []):
                values = from_item(item)
                found.append(
                    Stored(
                        f"{table}:{values.get('pk', values.get('id'))}|{values.get('sk', '')}",
                        json.dumps(values, default=str, ensure_ascii=False),
                    )
                )
    s3 = runtime.clients.s3
    for key in runtime.lake.list_keys(""):
        body = s3.get_object(Bucket=settings.lake_bucket, Key=key)["Body"].read()
        found.extend(Stored(f"s3:{key}", text) for text in _object_texts(key, body))
    return found


def traces(runtime: Runtime, ids: list[str]) -> list[str]:
    """Where any of the ids occurs in storage."""
    return sorted({s.where for s in everything_stored(runtime) if any(i in s.text for i in ids)})


def lake_state(runtime: Runtime) -> dict[str, str]:
    """Every lake object's key and ETag."""
    s3 = runtime.clients.s3
    state: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=runtime.settings.lake_bucket):
        for obj in page.get("Contents", []):
            state[obj["Key"]] = obj["ETag"]
    return state


def table_items(runtime: Runtime, table: str) -> list[dict[str, Any]]:
    """Every item of a table, decoded."""
    db = runtime.clients.dynamodb
    return [
        from_item(i)
        for page in db.get_paginator("scan").paginate(TableName=table)
        for i in page.get("Items", [])
    ]


def finish_rechecks(runtime: Runtime) -> None:
    """The daily privacy run once every completed erasure's recheck is due (`LANDING_DELAY` later)."""
    from touchpoint.privacy.erasure import LANDING_DELAY
    from touchpoint.privacy.scheduled import run_privacy

    run_privacy(runtime, datetime.now(UTC) + LANDING_DELAY + timedelta(minutes=1))
    assert runtime.privacy_state.pending_jobs() == []


def recheck_jobs(runtime: Runtime) -> list[str]:
    """The traces of erasure jobs kept for their recheck (they hold the ids until then)."""
    return [
        f"{runtime.settings.state_table}:PRIVACY#JOBS|{job.tenant_id}#{job.erasure_id}"
        for job in runtime.privacy_state.pending_jobs()
        if job.recheck_after is not None
    ]
