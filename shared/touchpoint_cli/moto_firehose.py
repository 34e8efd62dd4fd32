"""Firehose's dynamic partitioning for moto, so local events land where AWS would put them.

moto's Firehose writes every `PutRecordBatch` as one object under `<Prefix>YYYY/MM/DD/HH/`,
taking the prefix literally (`!{partitionKeyFromQuery:tenant}` and all) and without compression.
Amazon Data Firehose, with the `EventsDeliveryStream` configuration of `infra/template.yaml`,
instead

1. runs the `MetadataExtraction` JQ query on each record (ours: `{tenant: .tenantId,
   dt: .timestamp[0:10]}`) and groups the records by the keys it yields;
2. renders the `Prefix` per group (`!{partitionKeyFromQuery:<key>}` -> the key's value);
3. compresses the group's bytes (`CompressionFormat`, GZIP here) and names the object
   `<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><FileExtension>` (AWS documents the name;
   `.gz` is the default extension of GZIP);
4. sends a record whose keys cannot be extracted to `ErrorOutputPrefix`, with
   `!{firehose:error-output-type}` = `partitioning-failed`.

`enable_dynamic_partitioning()` replaces moto's S3 delivery with exactly these steps, driven by
the stream's own destination configuration (read back from moto, as created from the template),
so a change of prefix, query or extension in the template changes local keys the same way.
It does not buffer: each `PutRecordBatch` becomes one object per partition, which is what AWS
does for a batch that fills or times out a buffer on its own; AWS writes fewer, larger objects.
Only the JQ shapes the template uses are understood (`.field` and `.field[a:b]` in an object
constructor); anything else raises, rather than landing events under a wrong key.
"""

from __future__ import annotations

import gzip
import json
import re
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

_PATCHED_ATTRIBUTE = "__touchpoint_dynamic_partitioning__"
_FIELD = re.compile(r"^\s*(\w+)\s*:\s*\.(\w+)\s*(?:\[\s*(\d*)\s*:\s*(\d*)\s*\])?\s*$")
_PARTITION_KEY = re.compile(r"!\{partitionKeyFromQuery:(\w+)\}")
_TIMESTAMP = re.compile(r"!\{timestamp:([^}]+)\}")
_JAVA_TO_STRFTIME = (("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S"))


class UnsupportedQueryError(ValueError):
    """A MetadataExtraction query beyond the field and slice shapes this emulation knows."""


def parse_query(query: str) -> dict[str, tuple[str, slice | None]]:
    """`{tenant: .tenantId, dt: .timestamp[0:10]}` -> {"tenant": ("tenantId", None), "dt": ("timestamp", slice(0, 10))}."""
    text = query.strip()
    if not (text.startswith("{") and text.endswith("}")):
        raise UnsupportedQueryError(f"not an object constructor: {query!r}")
    fields: dict[str, tuple[str, slice | None]] = {}
    for part in text[1:-1].split(","):
        match = _FIELD.match(part)
        if match is None:
            raise UnsupportedQueryError(f"unsupported JQ field {part.strip()!r} in {query!r}")
        name, source, start, stop = match.groups()
        cut = None
        if start is not None or stop is not None:
            cut = slice(int(start) if start else None, int(stop) if stop else None)
        fields[name] = (source, cut)
    return fields


def partition_keys(data: bytes, fields: dict[str, tuple[str, slice | None]]) -> dict[str, str] | None:
    """The record's partition keys, or None where JQ would yield no usable string for one."""
    try:
        record = json.loads(data)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    keys: dict[str, str] = {}
    for name, (source, cut) in fields.items():
        value = record.get(source)
        if not isinstance(value, str) or not value:
            return None
        keys[name] = value[cut] if cut is not None else value
    return keys


def _render(prefix: str, keys: dict[str, str], now: datetime, error_type: str | None = None) -> str:
    rendered = _PARTITION_KEY.sub(lambda m: keys[m.group(1)], prefix)

    def timestamp(match: re.Match[str]) -> str:
        pattern = match.group(1)
        for java, python in _JAVA_TO_STRFTIME:
            pattern = pattern.replace(java, python)
        return now.strftime(pattern)

    rendered = _TIMESTAMP.sub(timestamp, rendered)
    if error_type is not None:
        rendered = rendered.replace("!{firehose:error-output-type}", error_type)
    return rendered


def _extraction_query(destination: dict[str, Any]) -> str:
    for processor in (destination.get("ProcessingConfiguration") or {}).get("Processors", []):
        if processor.get("Type") == "MetadataExtraction":
            for parameter in processor.get("Parameters", []):
                if parameter.get("ParameterName") == "MetadataExtractionQuery":
                    return str(parameter["ParameterValue"])
    raise UnsupportedQueryError("dynamic partitioning without a MetadataExtraction query")


def deliver(
    stream_name: str, version_id: str, destination: dict[str, Any], records: list[dict[str, bytes]]
) -> dict[str, bytes]:
    """The objects (key -> body) Firehose writes for these records with dynamic partitioning."""
    fields = parse_query(_extraction_query(destination))
    now = datetime.now(UTC)
    groups: dict[str, list[bytes]] = defaultdict(list)
    for record in records:
        keys = partition_keys(record["Data"], fields)
        if keys is None:
            prefix = _render(destination.get("ErrorOutputPrefix", ""), {}, now, "partitioning-failed")
        else:
            prefix = _render(destination.get("Prefix", ""), keys, now)
        groups[prefix].append(record["Data"])
    gzipped = destination.get("CompressionFormat", "UNCOMPRESSED") == "GZIP"
    extension = destination.get("FileExtension") or (".gz" if gzipped else "")
    objects: dict[str, bytes] = {}
    for prefix, parts in groups.items():
        body = b"".join(parts)
        name = f"{stream_name}-{version_id}-{now:%Y-%m-%d-%H-%M-%S}-{uuid.uuid4()}{extension}"
        objects[prefix + name] = gzip.compress(body, mtime=0) if gzipped else body
    return objects


def enable_dynamic_partitioning() -> None:
    """Make moto's Firehose deliver like AWS with dynamic partitioning, in this process (idempotent)."""
    from moto.firehose.models import FirehoseBackend
    from moto.s3.models import s3_backends

    original = FirehoseBackend.put_s3_records
    if getattr(original, _PATCHED_ATTRIBUTE, False):
        return

    def put_s3_records(
        self: FirehoseBackend,
        delivery_stream_name: str,
        version_id: str,
        s3_destination: dict[str, Any],
        records: list[dict[str, bytes]],
    ) -> list[dict[str, str]]:
        if not (s3_destination.get("DynamicPartitioningConfiguration") or {}).get("Enabled"):
            return original(self, delivery_stream_name, version_id, s3_destination, records)
        bucket = s3_destination["BucketARN"].split(":")[-1]
        s3 = s3_backends[self.account_id][self.partition]
        for key, body in deliver(delivery_stream_name, version_id, s3_destination, records).items():
            s3.put_object(bucket, key, body)
        return [{"RecordId": str(uuid.uuid4())} for _ in records]

    setattr(put_s3_records, _PATCHED_ATTRIBUTE, True)
    FirehoseBackend.put_s3_records = put_s3_records  # type: ignore[method-assign]
