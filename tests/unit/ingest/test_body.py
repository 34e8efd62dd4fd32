"""Reading bodies: gzip (bounded), strict JSON and the size limits."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.unit.ingest.support import module

body = module("body")


def test_plain_and_gzip_bodies_decode_to_the_same_payload() -> None:
    raw = json.dumps({"batch": [{"type": "track"}]}).encode()
    plain = body.decode_body(raw, limit=1000, content_encoding=None)
    packed = body.decode_body(gzip.compress(raw), limit=1000, content_encoding="gzip")
    assert plain.payload == packed.payload and packed.compressed and not plain.compressed
    assert packed.size == len(raw)


def test_gzip_is_recognised_by_its_magic_bytes_and_upstream_decompression_is_tolerated() -> None:
    raw = b'{"a": 1}'
    assert body.decode_body(gzip.compress(raw), limit=100, content_encoding=None).payload == {"a": 1}
    # API Gateway may decompress a body and keep the header: plain JSON is fine.
    assert body.decode_body(raw, limit=100, content_encoding="gzip").payload == {"a": 1}


def test_multi_member_gzip_is_read_whole() -> None:
    data = gzip.compress(b'{"a": ') + gzip.compress(b"[1, 2]}")
    assert body.decode_body(data, limit=100, content_encoding="gzip").payload == {"a": [1, 2]}


@pytest.mark.parametrize(
    ("raw", "encoding", "code"),
    [
        (b"", None, "empty_body"),
        (b"\x1f\x8bnot gzip at all", "gzip", "invalid_gzip"),
        (gzip.compress(b'{"a": 1}', mtime=0)[:-6], "gzip", "invalid_gzip"),
        (gzip.compress(b'{"a": 1}', mtime=0) + b"trailing", "gzip", "invalid_gzip"),
        (b"not json, not gzip", "gzip", "invalid_gzip"),
        (b"{not json", None, "invalid_json"),
        (b'{"a": NaN}', None, "invalid_json"),
        (b'{"a": Infinity}', None, "invalid_json"),
        (b'{"a": 1e999}', None, "invalid_json"),
        (b'{"a": "\xff\xfe"}', None, "invalid_json"),
        (b"[" * 100_000 + b"]" * 100_000, None, "invalid_json"),
        (b'{"a": 1}', "br", "unsupported_encoding"),
    ],
)
def test_unreadable_bodies_are_400_with_a_code(raw: bytes, encoding: str | None, code: str) -> None:
    with pytest.raises(body.BodyError) as caught:
        body.decode_body(raw, limit=1_000_000, content_encoding=encoding)
    assert caught.value.status == 400 and caught.value.code == code and caught.value.message


def test_limits_apply_to_the_raw_and_to_the_decompressed_size() -> None:
    with pytest.raises(body.BodyError) as raw_error:
        body.decode_body(b"x" * 101, limit=100, content_encoding=None)
    assert raw_error.value.status == 413 and "101 bytes" in raw_error.value.message
    bomb = gzip.compress(b'{"a": "' + b"0" * 10_000_000 + b'"}')
    assert len(bomb) < 20_000
    with pytest.raises(body.BodyError) as bomb_error:
        body.decode_body(bomb, limit=500_000, content_encoding="gzip")
    assert bomb_error.value.status == 413 and bomb_error.value.code == "payload_too_large"


def test_gunzip_stops_at_the_limit_without_inflating_everything() -> None:
    with pytest.raises(body.BodyError):
        body.gunzip(gzip.compress(b"0" * 1_000_000), 1000)
    assert body.gunzip(gzip.compress(b"0" * 1000), 1000) == b"0" * 1000
