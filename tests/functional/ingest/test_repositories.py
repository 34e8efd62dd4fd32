"""The repositories ingest added: identity links, suppression, rate windows, quarantine, conditional puts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from touchpoint.runtime import Runtime
from touchpoint.storage.dynamo import to_item
from touchpoint.storage.identity import LINK_SHARDS, IdentityLink, link_shard
from touchpoint.storage.lake import ObjectExistsError
from touchpoint.storage.rate_limits import RateLimitRepository
from touchpoint_cli.apps import function_module

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


def test_leases_claim_several_requests_at_once_or_the_last_room(aws: Runtime) -> None:
    assert aws.rate_limits.lease("acme", 10, 4, 100) == (4, 4)
    assert aws.rate_limits.lease("acme", 10, 8, 100) == (1, 5)  # 8 do not fit: one does
    assert aws.rate_limits.lease("acme", 10, 50, 100) == (1, 6)
    assert aws.rate_limits.lease("acme", 10, 4, 100) == (4, 10)
    assert aws.rate_limits.lease("acme", 10, 1, 100) == (0, 10)
    assert aws.rate_limits.hit("acme", 10, now=100.5) is False and aws.rate_limits.hit("acme", 10, now=101.0)


def test_two_containers_never_admit_more_than_the_limit_and_use_every_request_of_a_small_one(
    aws: Runtime,
) -> None:
    rate = function_module("ingest", "chalicelib.rate")
    settings = aws.settings
    containers = [RateLimitRepository(aws.clients.dynamodb, settings.state_table, clock=lambda: 500.2)]
    containers.append(RateLimitRepository(aws.clients.dynamodb, settings.state_table, clock=lambda: 500.7))
    small = [rate.admit(containers[i % 2], "small", 10) for i in range(30)]
    assert sum(small) == 10  # near the limit leases are single requests: none is wasted
    big = [rate.admit(containers[i % 2], "big", 300) for i in range(1_000)]
    window = aws.clients.dynamodb.get_item(
        TableName=settings.state_table, Key={"pk": {"S": "TENANT#big#RATE"}, "sk": {"S": "S#500"}}
    )["Item"]
    assert int(window["n"]["N"]) == 300 and 280 <= sum(big) <= 300
