"""The S3 data lake: gzip JSON-lines objects under Hive-style partitions."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class ObjectExistsError(Exception):
    """A write with `if_absent=True` found the key already taken (the object was left as it was)."""


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
    # split on "\n" only: str.splitlines() would also split inside strings at U+2028, U+0085, ...
    return [json.loads(line) for line in text.split("\n") if line.strip()]


class LakeRepository:
    """Reads and writes objects of the lake bucket."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self.bucket = bucket

    def put_jsonl(
        self,
        key: str,
        records: Iterable[dict[str, Any]],
        metadata: dict[str, str] | None = None,
        *,
        if_absent: bool = False,
    ) -> int:
        """Write records as one gzip JSON-lines object; returns the stored size in bytes.

        With `if_absent=True` the write is conditional (S3 `If-None-Match: *`): an existing object
        is kept and ObjectExistsError is raised, so a content-addressed key is written once.
        """
        body = encode_jsonl_gz(records)
        self.put_bytes(
            key,
            body,
            content_type="application/x-ndjson",
            encoding="gzip",
            metadata=metadata,
            if_absent=if_absent,
        )
        return len(body)

    def put_bytes(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        encoding: str | None = None,
        metadata: dict[str, str] | None = None,
        if_absent: bool = False,
    ) -> None:
        """Write one object (server-side encrypted by the bucket's default).

        `if_absent=True` makes the write conditional; ObjectExistsError if the key exists.
        """
        extra: dict[str, Any] = {"ContentType": content_type, "Metadata": metadata or {}}
        if encoding:
            extra["ContentEncoding"] = encoding
        if if_absent:
            extra["IfNoneMatch"] = "*"
        try:
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, **extra)
        except ClientError as error:
            if if_absent and error.response.get("Error", {}).get("Code") == "PreconditionFailed":
                raise ObjectExistsError(key) from None
            raise

    def get_bytes(self, key: str) -> bytes:
        """Read one object whole."""
        return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def read_jsonl(self, key: str) -> list[dict[str, Any]]:
        """Read one gzip JSON-lines object."""
        return decode_jsonl_gz(self.get_bytes(key))

    def list_keys(self, prefix: str) -> Iterator[str]:
        """All object keys under a prefix, in key order."""
        for key, _ in self.list_sizes(prefix):
            yield key

    def list_sizes(self, prefix: str) -> Iterator[tuple[str, int]]:
        """`(key, size in bytes)` of every object under a prefix, in key order."""
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                yield obj["Key"], obj["Size"]

    def uri(self, key: str) -> str:
        """The `s3://bucket/key` address of an object (what Spark on EMR reads)."""
        return f"s3://{self.bucket}/{key}"

    def delete(self, key: str) -> None:
        """Delete one object."""
        self._s3.delete_object(Bucket=self.bucket, Key=key)

    def list_partitions(self, prefix: str) -> list[str]:
        """The sub-folders directly under a prefix (e.g. the `dt=...` partitions), in key order."""
        paginator = self._s3.get_paginator("list_objects_v2")
        found: list[str] = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
            found.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
        return found

    def download_to(self, key: str, path: Path) -> int:
        """Stream one object into a local file (the object's bytes, as stored); returns its size."""
        body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        with path.open("wb") as out:
            shutil.copyfileobj(body, out, length=1024 * 1024)
        return path.stat().st_size
