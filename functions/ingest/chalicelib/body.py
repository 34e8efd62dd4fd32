"""Reading a request body: size limits, gzip (bounded, so a small bomb cannot blow up) and JSON.

A body is gzip when it starts with the gzip magic bytes (no JSON text can), whatever the
`Content-Encoding` header says: API Gateway may already have decompressed a body whose header
still says gzip, and the local gateway hands the bytes through as they came.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

from touchpoint.models.inputs import finite_float, no_json_constant

GZIP_MAGIC = b"\x1f\x8b"
_ACCEPTED_ENCODINGS = {"", "identity", "gzip", "x-gzip"}


class BodyError(Exception):
    """The body cannot be read: an HTTP status, an error code and a message for the client."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True)
class DecodedBody:
    """A parsed body: the JSON value, its decoded size and whether it came gzip-compressed."""

    payload: Any
    size: int
    compressed: bool


def too_large(size: int | None, limit: int, what: str) -> BodyError:
    """413 for a body or event over its limit."""
    shown = f"{size} bytes" if size is not None else f"more than {limit} bytes"
    return BodyError(413, "payload_too_large", f"the {what} is {shown}, over the limit of {limit} bytes")


def gunzip(data: bytes, limit: int) -> bytes:
    """Decompress gzip data (several members allowed), refusing to produce more than `limit` bytes."""
    out = bytearray()
    rest = data
    while rest:
        decompressor = zlib.decompressobj(wbits=31)
        try:
            chunk = decompressor.decompress(rest, limit - len(out) + 1)
        except zlib.error as error:
            raise BodyError(400, "invalid_gzip", f"the body is not valid gzip data: {error}") from None
        out += chunk
        if len(out) > limit or decompressor.unconsumed_tail:
            raise too_large(None, limit, "decompressed body")
        if not decompressor.eof:
            raise BodyError(400, "invalid_gzip", "the gzip data is truncated")
        rest = decompressor.unused_data
        if rest and not rest.startswith(GZIP_MAGIC):
            raise BodyError(400, "invalid_gzip", "unexpected bytes after the gzip data")
    return bytes(out)


def parse_json(data: bytes) -> Any:
    """Parse strict JSON (no NaN/Infinity, no numbers that overflow to infinity)."""
    try:
        return json.loads(data, parse_float=finite_float, parse_constant=no_json_constant)
    except UnicodeDecodeError:
        raise BodyError(400, "invalid_json", "the body is not UTF-8 text") from None
    except RecursionError:
        raise BodyError(400, "invalid_json", "the body is nested too deeply") from None
    except ValueError as error:
        raise BodyError(400, "invalid_json", f"the body is not valid JSON: {error}") from None


def decode_body(
    raw: bytes, *, limit: int, content_encoding: str | None, what: str = "request body"
) -> DecodedBody:
    """Decompress (when gzip) and parse a body no larger than `limit` bytes once decoded."""
    if not raw:
        raise BodyError(400, "empty_body", "the request has no body")
    if len(raw) > limit:
        raise too_large(len(raw), limit, what)
    encoding = (content_encoding or "").strip().lower()
    if encoding not in _ACCEPTED_ENCODINGS:
        raise BodyError(
            400, "unsupported_encoding", f"Content-Encoding {encoding!r} is not supported (use gzip)"
        )
    compressed = raw.startswith(GZIP_MAGIC)
    data = gunzip(raw, limit) if compressed else raw
    if not compressed and encoding in ("gzip", "x-gzip"):
        # Possibly already decompressed upstream; plain JSON is fine, anything else is bad gzip.
        try:
            payload = parse_json(data)
        except BodyError:
            raise BodyError(
                400, "invalid_gzip", "Content-Encoding is gzip but the body is not gzip data"
            ) from None
        return DecodedBody(payload, len(data), False)
    return DecodedBody(parse_json(data), len(data), compressed)
