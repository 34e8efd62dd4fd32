"""Response exports in the lake (`exports/responses/...`), handed out as presigned download URLs."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class ResponseExportRepository:
    """Upload an export file and sign a short-lived URL to download it."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self.bucket = bucket

    def upload(self, key: str, body: IO[bytes], content_type: str) -> None:
        """Stream a file-like object to the lake (multipart for large files)."""
        self._s3.upload_fileobj(body, self.bucket, key, ExtraArgs={"ContentType": content_type})

    def download_url(self, key: str, filename: str, content_type: str, expires_in: int) -> str:
        """A presigned GET URL that downloads the object as `filename`."""
        return self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
                "ResponseContentType": content_type,
            },
            ExpiresIn=expires_in,
        )
