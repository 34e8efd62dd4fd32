"""The S3 data lake: gzip JSON-lines objects under Hive-style partitions."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def encode_jsonl_gz(records: Iterable[dict[str, Any]]) -> bytes:
    """Encode records as gzip-compressed JSON lines (compact separators, UTF-8)."""
    lines = "".join(
        json.dumps(r, separators=(",", ":"), ensure_ascii=False, default=str) + "\n" for r in records
    )
    # mtime=0 keeps the bytes a pure function of the content (retries write identical objects).
    return gzip.compress(lines.encode("utf-8"), compresslevel=6, mtime=0)


def decode_jsonl_gz(data: bytes) -> list[dict[str, Any]]:
    """Decode gzip JSON lines back into records."""
    text = gzip.decompress(data).decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def partition_prefix(area: str, tenant_id: str, day: date | None = None) -> str:
    """`<area>/tenant=<t>/` or `<area>/tenant=<t>/dt=<YYYY-MM-DD>/`."""
    prefix = f"{area}/tenant={tenant_id}/"
    return prefix if day is None else f"{prefix}dt={day.isoformat()}/"


class LakeRepository:
    """Reads and writes objects of the lake bucket."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self.bucket = bucket

    def put_jsonl(
        self, key: str, records: Iterable[dict[str, Any]], metadata: dict[str, str] | None = None
    ) -> int:
        """Write records as one gzip JSON-lines object; returns the stored size in bytes."""
        body = encode_jsonl_gz(records)
        self.put_bytes(key, body, content_type="application/x-ndjson", encoding="gzip", metadata=metadata)
        return len(body)

    def put_bytes(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        encoding: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        """Write one object (server-side encrypted by the bucket's default)."""
        extra: dict[str, Any] = {"ContentType": content_type, "Metadata": metadata or {}}
        if encoding:
            extra["ContentEncoding"] = encoding
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, **extra)

    def get_bytes(self, key: str) -> bytes:
        """Read one object whole."""
        return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def read_jsonl(self, key: str) -> list[dict[str, Any]]:
        """Read one gzip JSON-lines object."""
        return decode_jsonl_gz(self.get_bytes(key))

    def list_keys(self, prefix: str) -> Iterator[str]:
        """All object keys under a prefix, in key order."""
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                yield obj["Key"]

    def delete(self, key: str) -> None:
        """Delete one object."""
        self._s3.delete_object(Bucket=self.bucket, Key=key)
