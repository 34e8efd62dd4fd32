"""The quarantine area of the lake: rejected input kept with the reason it was rejected.

Objects: `quarantine/events/tenant=<t>/dt=<received UTC date>/<sha256>.jsonl.gz`. Each line is
`{"reason", "field", "event", "receivedAt", ...}` for one rejected event, or, for a request that
could not be read at all, `{"reason", "field": null, "event": null, "payload": <base64>, ...}`.
Writers redact before they call: ingest stores rejected events and refused bodies that still parse
as JSON with IPs truncated and contact traits hashed, as accepted events are (`redacted: true` on
a body's line); a body that does not parse is kept as it came (`redacted: false`).
The key is a hash of the content without `receivedAt`, and the write is conditional, so a retried
request leaves one object (the first).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from touchpoint.storage.lake import LakeRepository, ObjectExistsError
from touchpoint.storage.lake_layout import QUARANTINE_AREA, partition_prefix, quarantine_key


def _iso_ms(moment: datetime) -> str:
    u = moment.astimezone(UTC)
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond // 1000:03d}Z"


def _content_hash(tenant_id: str, records: Sequence[dict[str, Any]]) -> str:
    digest = hashlib.sha256(tenant_id.encode("utf-8") + b"\n")
    for record in records:
        stable = {k: v for k, v in record.items() if k != "receivedAt"}
        digest.update(json.dumps(stable, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


class QuarantineRepository:
    """Writes and reads the quarantine objects of the lake."""

    def __init__(self, lake: LakeRepository) -> None:
        self._lake = lake

    @staticmethod
    def key_for(tenant_id: str, received_at: datetime, records: Sequence[dict[str, Any]]) -> str:
        """The object key of a list of quarantine lines."""
        day = received_at.astimezone(UTC).date()
        return quarantine_key(tenant_id, day, _content_hash(tenant_id, records))

    def put_records(self, tenant_id: str, received_at: datetime, records: Sequence[dict[str, Any]]) -> str:
        """Store quarantine lines as one object (kept as it is if it exists); returns its key."""
        key = self.key_for(tenant_id, received_at, records)
        # ASCII-escaped JSON: rejected input may hold text that is not valid UTF-8 (lone surrogates).
        lines = "".join(json.dumps(r, separators=(",", ":"), default=str) + "\n" for r in records)
        body = gzip.compress(lines.encode("ascii"), compresslevel=6, mtime=0)
        with contextlib.suppress(ObjectExistsError):  # a retry: the first write stays
            self._lake.put_bytes(
                key, body, content_type="application/x-ndjson", encoding="gzip", if_absent=True
            )
        return key

    def put_payload(
        self,
        tenant_id: str,
        received_at: datetime,
        payload: bytes,
        reason: str,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> str:
        """Store an unreadable request body (base64) with the reason; returns the object key."""
        record: dict[str, Any] = {
            "reason": reason,
            "field": field,
            "event": None,
            "payload": base64.b64encode(payload).decode("ascii"),
            "payloadBytes": len(payload),
            **(details or {}),
            "receivedAt": _iso_ms(received_at),
        }
        return self.put_records(tenant_id, received_at, [record])

    def list_keys(self, tenant_id: str) -> list[str]:
        """Every quarantine object of a tenant, in key order."""
        return list(self._lake.list_keys(partition_prefix(QUARANTINE_AREA, tenant_id)))

    def read(self, key: str) -> list[dict[str, Any]]:
        """The lines of one quarantine object."""
        return self._lake.read_jsonl(key)
