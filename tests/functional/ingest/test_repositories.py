"""The repositories ingest added: identity links, suppression, rate windows, quarantine, conditional puts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from touchpoint.runtime import Runtime
from touchpoint.storage.dynamo import to_item
from touchpoint.storage.identity import LINK_SHARDS, IdentityLink, link_shard
from touchpoint.storage.lake import ObjectExistsError

T0 = datetime(2026, 11, 2, 10, tzinfo=UTC)


def test_links_are_written_in_chunks_listed_from_every_shard_and_read_in_one_lookup(aws: Runtime) -> None:
    links = [IdentityLink(f"anon-{i:03d}", f"user-{i % 7}", T0 + timedelta(minutes=i)) for i in range(60)]
    written = aws.identity.record_links("acme", links)
    assert len(written) == 60
    assert len({link_shard(link.anonymous_id) for link in links}) > LINK_SHARDS // 2
    assert aws.identity.list_links("acme") == [(link.anonymous_id, link.user_id) for link in links]
    # writing again changes nothing; a later link for a known id is ignored, an earlier one wins
    assert aws.identity.record_links("acme", links) == []
    assert (
        aws.identity.record_links("acme", [IdentityLink("anon-000", "other", T0 + timedelta(days=1))]) == []
    )
    earlier = IdentityLink("anon-001", "first", T0 - timedelta(days=1))
    assert aws.identity.record_links("acme", [earlier]) == [earlier]
    lookup = aws.identity.lookup("acme", [f"p-{i}" for i in range(150)], [f"anon-{i:03d}" for i in range(70)])
    assert len(lookup.links) == 60 and lookup.links["anon-001"].user_id == "first"
    assert lookup.suppressed == frozenset()


def test_links_skip_self_links_and_keep_the_best_candidate_of_one_batch(aws: Runtime) -> None:
    candidates = [
        IdentityLink("a", "a", T0),
        IdentityLink("b", "u-2", T0 + timedelta(hours=1)),
        IdentityLink("b", "u-1", T0 + timedelta(hours=1)),
        IdentityLink("b", "u-3", T0 + timedelta(hours=2)),
    ]
    assert [link.user_id for link in aws.identity.record_links("acme", candidates)] == ["u-1"]
    assert aws.identity.list_links("acme") == [("b", "u-1")]


def test_suppression_list_is_read_per_id(aws: Runtime) -> None:
    for person in ("gone-1", "gone-2"):
        aws.clients.dynamodb.put_item(
            TableName=aws.settings.people_table,
            Item=to_item({"pk": f"TENANT#acme#SUPPRESS#{person}", "sk": "SUPPRESS"}),
        )
    ids = ["gone-1", "here", "gone-2", *(f"x-{i}" for i in range(120))]
    assert aws.identity.is_suppressed("acme", ids) == frozenset({"gone-1", "gone-2"})
    assert aws.identity.is_suppressed("globex", ids) == frozenset()
    assert aws.identity.is_suppressed("acme", []) == frozenset()


def test_rate_windows_count_per_tenant_and_second(aws: Runtime) -> None:
    hits = [aws.rate_limits.hit("acme", 3, now=100.1) for _ in range(4)]
    assert hits == [True, True, True, False]
    assert aws.rate_limits.hit("acme", 3, now=101.0) and aws.rate_limits.hit("globex", 3, now=100.5)


def test_quarantine_writes_a_retry_once_and_keeps_unstorable_text(aws: Runtime) -> None:
    lines = [{"reason": "bad", "field": None, "event": {"text": "lone \ud800"}, "receivedAt": "x"}]
    first = aws.quarantine.put_records("acme", T0, lines)
    again = aws.quarantine.put_records("acme", T0, [{**lines[0], "receivedAt": "later"}])
    assert first == again and aws.quarantine.list_keys("acme") == [first]
    assert first.startswith("quarantine/events/tenant=acme/dt=2026-11-02/")
    assert aws.quarantine.read(first)[0]["event"]["text"] == "lone \ud800"


def test_conditional_lake_put_keeps_the_first_object(aws: Runtime) -> None:
    aws.lake.put_jsonl("raw/x.jsonl.gz", [{"a": 1}], if_absent=True)
    with pytest.raises(ObjectExistsError):
        aws.lake.put_jsonl("raw/x.jsonl.gz", [{"a": 2}], if_absent=True)
    assert aws.lake.read_jsonl("raw/x.jsonl.gz") == [{"a": 1}]
    aws.lake.put_jsonl("raw/x.jsonl.gz", [{"a": 3}])  # unconditional writes still replace
    assert aws.lake.read_jsonl("raw/x.jsonl.gz") == [{"a": 3}]
