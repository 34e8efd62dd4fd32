"""Which line belongs to a person, mentions them or neither; quarantine and export matching."""

from __future__ import annotations

import base64
import gzip
from typing import Any

import pytest

from touchpoint.privacy.records import (
    SearchTokens,
    Verdict,
    export_mentions,
    filter_quarantine,
    filter_records,
    payload_mentions,
    verdict,
)

IDS = frozenset({"erin", "erin-web", "42", "zoë"})


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ({"userId": "erin"}, Verdict.OWNED),
        ({"userId": "erin", "anonymousId": "someone"}, Verdict.OWNED),
        ({"anonymousId": "erin-web"}, Verdict.OWNED),
        ({"anonymousId": "erin-web", "userId": ""}, Verdict.OWNED),
        ({"anonymousId": "erin-web", "userId": None}, Verdict.OWNED),
        ({"type": "alias", "previousId": "erin", "userId": "new-id"}, Verdict.OWNED),
        ({"anonymousId": "erin-web", "userId": "kim"}, Verdict.MENTION),
        ({"userId": 42}, Verdict.OWNED),
        ({"userId": True}, Verdict.NONE),
        ({"userId": "kim", "properties": {"friend": "erin"}}, Verdict.NONE),
        ({"userId": "Erin"}, Verdict.NONE),
        ({}, Verdict.NONE),
    ],
)
def test_verdicts(line: dict[str, Any], expected: Verdict) -> None:
    assert verdict(line, IDS) is expected


def test_filtering_keeps_order_and_scrubs_mentions() -> None:
    lines = [
        {"n": 1, "userId": "kim"},
        {"n": 2, "userId": "erin"},
        {"n": 3, "userId": "kim", "anonymousId": "erin-web"},
    ]
    result = filter_records(lines, IDS)
    assert result.kept == [{"n": 1, "userId": "kim"}, {"n": 3, "userId": "kim"}]
    assert result.removed == [lines[1]] and len(result.scrubbed) == 1 and result.changed
    copies = filter_records([{"userId": "kim", "anonymousId": "erin-web"}], IDS, null_scrubbed=True)
    assert copies.kept == [{"userId": "kim", "anonymousId": None}]
    assert not filter_records([{"userId": "kim"}], IDS).changed


def test_search_tokens_find_ids_in_either_json_escaping() -> None:
    tokens = SearchTokens.of({"zoë"})
    assert tokens.in_text('{"userId":"zoë"}') and tokens.in_text('{"userId":"zo\\u00eb"}')
    assert not tokens.in_text('{"userId":"zoë2"}')


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (b'{"batch": [{"userId": "erin"}]}', True),
        (gzip.compress(b'{"batch": [{"userId": "erin"}]}', mtime=0), True),
        (b'{"batch": [{"userId": "erin', True),  # cut off by truncation
        (
            gzip.compress(b'{"batch": [{"userId": "erin", "x": 1}]}', mtime=0)[:25],
            False,
        ),  # too little to inflate
        (b'{"batch": [{"userId": "kim"}]}', False),
        (b"\x1f\x8bnot gzip at all erin", False),
    ],
)
def test_unreadable_bodies_are_searched_for_an_opening_id(body: bytes, found: bool) -> None:
    assert payload_mentions(base64.b64encode(body).decode(), SearchTokens.of(IDS)) is found


def test_payload_search_ignores_what_is_not_base64() -> None:
    assert payload_mentions("%%%not base64%%%", SearchTokens.of(IDS)) is False
    assert payload_mentions(None, SearchTokens.of(IDS)) is False


def test_quarantine_lines_go_when_the_id_occurs_anywhere() -> None:
    lines: list[dict[str, Any]] = [
        {"event": {"userId": "erin"}},
        {"event": {"userId": "kim", "properties": {"ref": "erin-web"}}},
        {"event": "erin"},
        {"event": {"userId": 42}},
        {"event": {"userId": "kim"}},
    ]
    result = filter_quarantine(lines, IDS, SearchTokens.of(IDS))
    assert result.kept == [{"event": {"userId": "kim"}}] and len(result.removed) == 4


def test_exports_are_matched_on_their_id_columns() -> None:
    tokens = SearchTokens.of(IDS)
    header = "responseId,userId,anonymousId,comment\r\n"
    assert export_mentions(header + "r1,erin,,ok\r\n", IDS, tokens, csv_format=True)
    assert export_mentions(header + "r1,,'erin-web,ok\r\n", frozenset({"erin-web"}), tokens, csv_format=True)
    assert not export_mentions(header + "r1,kim,,erin was here\r\n", IDS, tokens, csv_format=True)
    assert export_mentions('{"userId":"kim","anonymousId":"erin-web"}\n', IDS, tokens, csv_format=False)
    assert not export_mentions('{"userId":"kim","comment":"erin"}\n', IDS, tokens, csv_format=False)
