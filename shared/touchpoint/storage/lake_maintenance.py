"""Rewrites and deletions of lake objects (erasure and retention), guarded by ETags.

A rewrite reads an object together with its ETag and writes the new bytes with `If-Match`, so two
erasures rewriting the same object (or an erasure and the survey service replacing a response
copy) never silently undo each other: a conditional write that finds the object changed or gone
raises ObjectChangedError and the caller reads it again. Whole partitions are deleted with
`DeleteObjects`, 1,000 keys per request.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

DELETE_BATCH = 1000
_CHANGED = {"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey", "404", "412"}


class ObjectChangedError(Exception):
    """A conditional write or delete found the object changed (or gone) since it was read."""


@dataclass(frozen=True)
class VersionedObject:
    """An object's bytes and the ETag they were read with."""

    key: str
    body: bytes
    etag: str


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class LakeMaintenanceRepository:
    """Conditional rewrites, conditional deletes and batch deletes in the lake bucket."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self.bucket = bucket

    def list_objects(self, prefix: str) -> Iterator[tuple[str, int]]:
        """`(key, size)` of every object under a prefix, in key order."""
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                yield obj["Key"], int(obj.get("Size", 0))

    def list_partitions(self, prefix: str) -> list[str]:
        """The sub-folders directly under a prefix (`Delimiter="/"`), in key order."""
        paginator = self._s3.get_paginator("list_objects_v2")
        found: list[str] = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
            found.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
        return found

    def read(self, key: str) -> VersionedObject | None:
        """The object with its ETag, or None when it does not exist (any more)."""
        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) in ("NoSuchKey", "404"):
                return None
            raise
        return VersionedObject(key=key, body=response["Body"].read(), etag=str(response["ETag"]))

    def replace(
        self,
        key: str,
        body: bytes,
        etag: str,
        *,
        content_type: str,
        encoding: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        """Overwrite the object if it still has `etag` (ObjectChangedError otherwise)."""
        extra: dict[str, Any] = {"ContentType": content_type, "Metadata": metadata or {}, "IfMatch": etag}
        if encoding:
            extra["ContentEncoding"] = encoding
        try:
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, **extra)
        except ClientError as error:
            if _code(error) in _CHANGED:
                raise ObjectChangedError(key) from None
            raise

    def delete_if_unchanged(self, key: str, etag: str) -> bool:
        """Delete the object if it still has `etag`; False when it is gone already.

        Raises ObjectChangedError when it was rewritten since it was read.
        """
        try:
            self._s3.delete_object(Bucket=self.bucket, Key=key, IfMatch=etag)
        except ClientError as error:
            code = _code(error)
            if code in ("NoSuchKey", "404"):
                return False
            if code in _CHANGED:
                raise ObjectChangedError(key) from None
            raise
        return True

    def delete_keys(self, keys: Sequence[str]) -> int:
        """Delete objects, 1,000 per request; returns how many were deleted (RuntimeError on errors)."""
        deleted = 0
        for start in range(0, len(keys), DELETE_BATCH):
            chunk = keys[start : start + DELETE_BATCH]
            response = self._s3.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
            )
            errors = response.get("Errors", [])
            if errors:
                first = errors[0]
                raise RuntimeError(
                    f"{len(errors)} of {len(chunk)} lake objects not deleted "
                    f"(first: {first.get('Key')}: {first.get('Code')})"
                )
            deleted += len(chunk)
        return deleted
