"""Person ids, the identity-graph closure of a person, the salted audit hash, request ids."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import pytest

from touchpoint.privacy.subjects import (
    InvalidPersonIdError,
    check_person_id,
    link_closure,
    new_request_id,
    subject_hash,
)


@pytest.mark.parametrize("good", ["42", "jane@example.com", "a b", "ümlaut-ß", "x" * 256, "%41", "a/b#c"])
def test_ids_as_sdks_send_them_are_accepted_unchanged(good: str) -> None:
    assert check_person_id(good) == good


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("x" * 257, "longer than 256"),
        ("erin\x00", "control characters"),
        ("erin\n", "control characters"),
        ("\ud800", "control characters"),
    ],
)
def test_ids_that_cannot_be_a_person_are_refused(bad: str, message: str) -> None:
    with pytest.raises(InvalidPersonIdError, match=message):
        check_person_id(bad)


def test_the_subject_hash_is_stable_per_tenant_and_reveals_nothing() -> None:
    one = subject_hash("pepper-0123456789", "acme", "jane@example.com")
    assert one == subject_hash("pepper-0123456789", "acme", "jane@example.com")
    assert one.startswith("hmac-sha256:") and len(one) == len("hmac-sha256:") + 64
    assert "jane" not in one
    assert one != subject_hash("pepper-0123456789", "globex", "jane@example.com")
    assert one != subject_hash("another-pepper-00", "acme", "jane@example.com")


LINKS = [
    ("web-1", "erin"),  # identify
    ("app-1", "erin"),
    ("old-erin", "erin"),  # alias: an older userId
    ("web-old", "old-erin"),  # a device of the older userId
    ("web-2", "kim"),
    ("shared-kiosk", "kim"),  # the kiosk's earliest link is Kim's
]


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("erin", {"erin", "web-1", "app-1", "old-erin", "web-old"}),
        ("web-old", {"erin", "web-1", "app-1", "old-erin", "web-old"}),
        ("kim", {"kim", "web-2", "shared-kiosk"}),
        ("nobody", {"nobody"}),
    ],
)
def test_the_closure_follows_links_both_ways(requested: str, expected: set[str]) -> None:
    assert link_closure(requested, LINKS) == expected


def test_the_closure_adds_the_ids_an_earlier_erasure_recorded() -> None:
    asked: list[list[str]] = []

    def groups(ids: Sequence[str]) -> Mapping[str, Sequence[str]]:
        asked.append(list(ids))
        return {"erin": ["erin", "web-gone"]} if "erin" in ids else {}

    assert link_closure("erin", [("app-1", "erin")], groups) == {"erin", "app-1", "web-gone"}
    assert asked[0] == ["erin"] and sorted(asked[1]) == ["app-1", "web-gone"]


def test_request_ids_sort_by_time() -> None:
    first = new_request_id("er", datetime(2026, 3, 1, tzinfo=UTC))
    later = new_request_id("er", datetime(2026, 3, 2, tzinfo=UTC))
    assert first < later and len(first) == 24 and first.startswith("er")
