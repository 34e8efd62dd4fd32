"""Hypothesis strategies for hostile input, by category (issue 18).

Each category holds the values that broke a route once or easily could: calendar and number edges,
Unicode (lone surrogates, non-ASCII digits, NUL, RTL marks), CR/LF, path traversal, huge and deeply
nested bodies, gzip bombs and truncated gzip, wrong content types. Strings that must reach a body
as JSON escapes (a lone surrogate cannot be UTF-8 encoded) are written as raw JSON text.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from hypothesis import strategies as st

CALENDAR_EDGES = [
    "0001-01-01",
    "0001-01-05",
    "1999-12-31",
    "2000-01-01",
    "2100-12-31",
    "2101-01-01",
    "9999-12-30",
    "9999-12-31",
    "2024-02-30",
    "0000-00-00",
    "+02024-01-01",
    "2024-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+01:00",
    "２０２４-０１-０１",  # full-width digits
]
NUMBER_EDGES = [
    "1e300",
    "-1e300",
    "4.9e-324",
    "1e-200",
    "-0",
    "1" + "0" * 400,
    "NaN",
    "Infinity",
    "-1",
    "0",
    "99999999999999999999",
    "\u00b2",
    "\u0663",
    "\uff13",
    "1\u00b2",
    "0x10",
    "1_000",
]
UNICODE_EDGES = [
    "\x00",
    "a\x00b",
    "\u202eevil",  # right-to-left override
    "\u200f\u200e",
    "\ufeff",
    "\U0001f600",
    "\u0301",
    "\uffff",
]
CRLF_EDGES = ["/dashboard\n", "a\r\nSet-Cookie: x=1", "\r", "x\n"]
TRAVERSAL = ["..", "../../etc/passwd", "..%2F..%2F", "%2e%2e", "a/../b", "./", "~root", "C:\\Windows"]
QUERY_VALUES = [*CALENDAR_EDGES, *NUMBER_EDGES, *UNICODE_EDGES, *CRLF_EDGES, *TRAVERSAL, "", " ", "x" * 5000]
QUERY_NAMES = [
    "from",
    "to",
    "date",
    "metric",
    "metrics",
    "breakdown",
    "limit",
    "after",
    "next",
    "cursor",
    "format",
    "survey_id",
    "status",
    "lang",
    "size",
    "location",
    "channel",
]

# Raw JSON texts of hostile scalar values (escapes a Python str could not carry as UTF-8).
JSON_SCALARS = [
    *NUMBER_EDGES[:5],
    "1" + "0" * 400,
    '"\\ud800"',
    '"x\\udfff"',
    '"\\ud800@example.com"',
    '"https://\\ud800.example/"',
    '"\\u0000"',
    '"\\u202eevil"',
    '"\\u00b2"',
    '"\\r\\nSet-Cookie: x=1"',
    '"../../etc/passwd"',
    '"https://[::1"',
    '"http://[zz::1]/"',
    *[json.dumps(v) for v in CALENDAR_EDGES[:10]],
    "true",
    "null",
    "[]",
    "{}",
]


def _replace_leaf(base: Any, path: list[Any], marker: str) -> Any:
    """A copy of `base` with the value at `path` replaced by `marker` (a unique string)."""
    if not path:
        return marker
    head, *rest = path
    if isinstance(base, dict):
        return {k: (_replace_leaf(v, rest, marker) if k == head else v) for k, v in base.items()}
    return [(_replace_leaf(v, rest, marker) if i == head else v) for i, v in enumerate(base)]


def leaf_paths(value: Any, prefix: list[Any] | None = None) -> list[list[Any]]:
    """Every path to a value in a JSON document (containers included), the root first."""
    prefix = prefix or []
    paths = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            paths += leaf_paths(child, [*prefix, key])
    elif isinstance(value, list):
        for index, child in enumerate(value):
            paths += leaf_paths(child, [*prefix, index])
    return paths


MARKER = "__HOSTILE_VALUE__"


def body_with_hostile_leaf(base: Any) -> st.SearchStrategy[bytes]:
    """The valid body with one value (or a new field) replaced by a raw hostile JSON value."""
    paths = leaf_paths(base)[1:] if isinstance(base, dict | list) and base else []
    targets: st.SearchStrategy[list[Any]] = st.sampled_from(paths) if paths else st.just([])

    def build(path: list[Any], raw: str, add: bool) -> bytes:
        document = base
        if add and isinstance(base, dict):
            document = {**base, "extra_hostile": None}
            path = ["extra_hostile"]
        text = json.dumps(_replace_leaf(document, path, MARKER))
        return text.replace(json.dumps(MARKER), raw).encode("utf-8")

    return st.builds(build, targets, st.sampled_from(JSON_SCALARS), st.booleans())


def _gzip_bomb() -> bytes:
    return gzip.compress(b"[" + b"0," * 4_000_000 + b"0]", mtime=0)  # ~8 MB of JSON, ~8 KB gzip


GZIP_BOMB = _gzip_bomb()
TRUNCATED_GZIP = gzip.compress(b'{"batch": []}' * 100, mtime=0)[:-12]


def structural_bodies() -> st.SearchStrategy[bytes]:
    """Huge, deeply nested, gzip-bombed, truncated, invalid UTF-8 and NUL-holding bodies."""
    return st.sampled_from(
        [
            b"[" * 50_000 + b"]" * 50_000,
            b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
            json.dumps({"x": "a" * 3_000_000}).encode(),
            json.dumps({"x": ["a"] * 200_000}).encode(),
            GZIP_BOMB,
            TRUNCATED_GZIP,
            b"\x1f\x8b\x08\x00garbage",
            b'{"a": "\xff\xfe"}',
            b'{"a": "\x00"}',
            b"\x00" * 64,
            b'{"a": 1}{"b": 2}',
            b'{"a": NaN}',
            b'{"a": 1e999}',
        ]
    )


WRONG_CONTENT_TYPES = [
    "text/xml",
    "multipart/form-data; boundary=x",
    "application/json; charset=latin-1",
    "application/x-www-form-urlencoded",
    "text/plain",
    "",
]
