"""Known links spare returning people a read, and never hide a link that must be written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.unit.ingest.support import module
from touchpoint.storage.identity import IdentityLink

cache = module("links_cache")
T0 = datetime(2026, 11, 2, tzinfo=UTC)


class Repo:
    """Stands in for an IdentityRepository (the cache only uses it as a weak key)."""


def test_only_links_that_could_change_the_table_are_unknown() -> None:
    repo: Any = Repo()
    link = IdentityLink("a", "u", T0)
    assert cache.unknown_links(repo, "acme", [link]) == [link]
    cache.remember(repo, "acme", [link])
    later_same = IdentityLink("a", "u", T0 + timedelta(days=1))
    later_other = IdentityLink("a", "v", T0 + timedelta(days=1))
    earlier = IdentityLink("a", "w", T0 - timedelta(days=1))
    other_tenant = IdentityLink("a", "u", T0 + timedelta(days=1))
    assert cache.unknown_links(repo, "acme", [later_same, later_other, earlier]) == [earlier]
    assert cache.unknown_links(repo, "globex", [other_tenant]) == [other_tenant]
    cache.remember(repo, "acme", [earlier, later_other])  # the earliest stays
    assert cache.unknown_links(repo, "acme", [link]) == []


def test_the_cache_is_bounded(monkeypatch: Any) -> None:
    monkeypatch.setattr(cache, "MAX_LINKS", 3)
    repo: Any = Repo()
    cache.remember(repo, "acme", [IdentityLink(f"a{i}", "u", T0) for i in range(5)])
    unknown = cache.unknown_links(repo, "acme", [IdentityLink(f"a{i}", "u", T0) for i in range(5)])
    assert [link.anonymous_id for link in unknown] == ["a0", "a1"]
