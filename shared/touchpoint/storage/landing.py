"""Landing accepted events in the lake through Amazon Data Firehose (`PutRecordBatch`).

The stream (`<prefix>-events`, `EventsDeliveryStream` in `infra/template.yaml`) buffers records
(128 MiB or 15 minutes per partition), partitions them by the JQ query
`{tenant: .tenantId, dt: .timestamp[0:10]}`, gzips them and writes
`raw/events/tenant=<t>/dt=<UTC day>/<stream>-<version>-<time>-<uuid>.jsonl.gz` (beside the surveys'
`survey-<responseId>.jsonl.gz` event copies), so a tenant-day
holds a bounded number of objects however small the requests are (see `bench/scale.py`).

Each record is one event's JSON line with `tenantId` added (the partition key; `timestamp` is
the event's UTC time as ingest stamped it). A request's records go out in batches of at most
500 records and 4 MiB (the API's limits). Records the service did not take (`FailedPutCount`,
throttling per record) are sent again, up to `attempts` times in all with a short backoff;
what is still refused raises `LandingError`, and ingest answers 503 so that the SDK retries the
whole request. A retry may therefore store an event twice: every reader counts an event once by
its `messageId`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_firehose import FirehoseClient
    from mypy_boto3_firehose.type_defs import RecordTypeDef

#: PutRecordBatch limits: records per call, bytes per call, bytes per record.
MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_RECORD_BYTES = 1000 * 1024
#: The field Firehose partitions on (besides the UTC day of `timestamp`).
TENANT_FIELD = "tenantId"


def distinct_events(lines: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored event lines as the sender sent them: one per messageId (the first), without `tenantId`.

    For readers that hand events out (the person export); the rollup removes duplicates itself.
    """
    seen: set[Any] = set()
    events: list[dict[str, Any]] = []
    for line in lines:
        message_id = line.get("messageId")
        if message_id is not None and message_id in seen:
            continue
        seen.add(message_id)
        events.append({k: v for k, v in line.items() if k != TENANT_FIELD})
    return events


class LandingError(Exception):
    """Firehose did not take every record, after the retries (the caller answers 503)."""


def landing_record(tenant_id: str, event: dict[str, Any]) -> bytes:
    """One event as a Firehose record: its JSON line with the tenant, newline-terminated."""
    line = json.dumps(
        {**event, TENANT_FIELD: tenant_id}, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return line.encode("utf-8") + b"\n"


def batches(records: Sequence[bytes]) -> Iterator[list[bytes]]:
    """The records in PutRecordBatch-sized groups, in order."""
    batch: list[bytes] = []
    size = 0
    for record in records:
        if len(record) > MAX_RECORD_BYTES:
            raise ValueError(f"a record of {len(record)} bytes is over Firehose's {MAX_RECORD_BYTES}")
        if batch and (len(batch) == MAX_BATCH_RECORDS or size + len(record) > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += len(record)
    if batch:
        yield batch


class EventLanding:
    """Puts accepted events into the delivery stream; an accepted event is never dropped silently."""

    def __init__(
        self,
        firehose: FirehoseClient,
        stream_name: str,
        *,
        attempts: int = 4,
        backoff_s: float = 0.05,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._firehose = firehose
        self.stream_name = stream_name
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._sleep = sleep

    def land(self, tenant_id: str, events: Iterable[dict[str, Any]]) -> int:
        """Put the tenant's events; returns the bytes sent. Raises LandingError if some were refused."""
        records = [landing_record(tenant_id, event) for event in events]
        for batch in batches(records):
            self._put(batch)
        return sum(len(r) for r in records)

    def _put(self, batch: list[bytes]) -> None:
        pending = batch
        for attempt in range(self._attempts):
            if attempt:
                self._sleep(self._backoff_s * 2 ** (attempt - 1))
            entries: list[RecordTypeDef] = [{"Data": data} for data in pending]
            answer = self._firehose.put_record_batch(DeliveryStreamName=self.stream_name, Records=entries)
            if not answer.get("FailedPutCount"):
                return
            pending = [
                data
                for data, result in zip(pending, answer["RequestResponses"], strict=True)
                if result.get("ErrorCode")
            ]
        raise LandingError(f"{len(pending)} of {len(batch)} records not accepted by {self.stream_name}")
