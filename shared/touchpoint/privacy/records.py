"""Which stored line belongs to a person, which only mentions them, and what is left after erasure.

A line (a raw event, a response's lake copy) *belongs* to the person when its `userId` or
`previousId` is one of their ids, or its `anonymousId` is and it has no other `userId`: it is
removed. It *mentions* them when its `anonymousId` is theirs but its `userId` is someone else's
(a shared device): the line stays, without the `anonymousId`. Quarantined (rejected) input is
removed whenever one of the ids occurs anywhere in it, also inside an unreadable request body
kept as base64; it is never scrubbed, as it cannot be trusted to have the usual shape. Response
exports (CSV, JSON lines) are regenerable downloads: one that contains the person goes whole.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import csv
import io
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

_GZIP_MAGIC = b"\x1f\x8b"
_MAX_INFLATED = 6 * 1024 * 1024
_EXPORT_ID_COLUMNS = ("userId", "anonymousId")


class Verdict(Enum):
    """How a line relates to a person."""

    NONE = "none"
    OWNED = "owned"
    MENTION = "mention"


def id_text(value: Any) -> str | None:
    """An id field's value as text (numbers as their digits), or None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return None


def verdict(record: Mapping[str, Any], ids: frozenset[str]) -> Verdict:
    """Whether a line with Segment-style id fields belongs to the person, mentions them, or neither."""
    user = id_text(record.get("userId"))
    previous = id_text(record.get("previousId"))
    anonymous = id_text(record.get("anonymousId"))
    if (user is not None and user in ids) or (previous is not None and previous in ids):
        return Verdict.OWNED
    if anonymous is not None and anonymous in ids:
        return Verdict.MENTION if user else Verdict.OWNED
    return Verdict.NONE


@dataclass(frozen=True)
class SearchTokens:
    """The forms an id takes in stored JSON text, for a quick look before parsing."""

    text: tuple[str, ...]
    opening: tuple[bytes, ...]

    @classmethod
    def of(cls, ids: Iterable[str]) -> SearchTokens:
        """Quoted JSON forms (UTF-8 and ASCII-escaped) and their opening-quote prefixes."""
        text: set[str] = set()
        for identifier in ids:
            text.add(json.dumps(identifier, ensure_ascii=False))
            text.add(json.dumps(identifier))
        return cls(
            text=tuple(sorted(text)),
            opening=tuple(sorted({t[:-1].encode("utf-8") for t in text})),
        )

    def in_text(self, text: str) -> bool:
        """True when any quoted id occurs in the text."""
        return any(token in text for token in self.text)


@dataclass
class Filtered:
    """The lines of one object after erasure: kept (some scrubbed) and removed."""

    kept: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    scrubbed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when a line was removed or scrubbed."""
        return bool(self.removed or self.scrubbed)


def filter_records(
    records: Iterable[dict[str, Any]], ids: frozenset[str], *, null_scrubbed: bool = False
) -> Filtered:
    """Remove the person's lines; drop their `anonymousId` from lines that only mention them
    (set to null instead when `null_scrubbed`, for response copies whose columns are fixed)."""
    result = Filtered()
    for record in records:
        found = verdict(record, ids)
        if found is Verdict.OWNED:
            result.removed.append(record)
        elif found is Verdict.MENTION:
            clean = dict(record)
            if null_scrubbed:
                clean["anonymousId"] = None
            else:
                clean.pop("anonymousId", None)
            result.kept.append(clean)
            result.scrubbed.append(clean)
        else:
            result.kept.append(record)
    return result


def payload_mentions(payload: Any, tokens: SearchTokens) -> bool:
    """True when a base64 request body kept in quarantine (gzip or not) contains an id.

    Such a body could not be parsed, so it is searched for an id opening a JSON string (`"<id>`,
    which also finds an id cut off by truncation).
    """
    if not isinstance(payload, str):
        return False
    try:
        data = base64.b64decode(payload)
    except (binascii.Error, ValueError):
        return False
    if data.startswith(_GZIP_MAGIC):
        with contextlib.suppress(zlib.error):  # a broken gzip body: search its bytes as they are
            data = zlib.decompressobj(wbits=31).decompress(data, _MAX_INFLATED)
    return any(token in data for token in tokens.opening)


def filter_quarantine(
    records: Iterable[dict[str, Any]], ids: frozenset[str], tokens: SearchTokens
) -> Filtered:
    """Remove every quarantine line in which one of the ids occurs (see the module doc)."""
    result = Filtered()
    for record in records:
        event = record.get("event")
        owned = isinstance(event, dict) and verdict(event, ids) is not Verdict.NONE
        text = json.dumps(record, ensure_ascii=False, default=str)
        if owned or tokens.in_text(text) or payload_mentions(record.get("payload"), tokens):
            result.removed.append(record)
        else:
            result.kept.append(record)
    return result


def _export_value(value: str) -> str:
    # The CSV export prefixes cells a spreadsheet would run as a formula with "'".
    return value[1:] if value.startswith("'") else value


def export_mentions(text: str, ids: frozenset[str], tokens: SearchTokens, *, csv_format: bool) -> bool:
    """True when a response export (CSV or JSON lines) has a row of the person or naming them."""
    if csv_format:
        for row in csv.DictReader(io.StringIO(text, newline="")):
            for column in _EXPORT_ID_COLUMNS:
                value = row.get(column)
                if value and (value in ids or _export_value(value) in ids):
                    return True
        return False
    if not tokens.in_text(text):
        return False
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and verdict(row, ids) is not Verdict.NONE:
            return True
    return False
