"""The lake scan's rewrites keep the lake's invariants: deterministic bytes, no duplicates, no lost
concurrent change; mentions are scrubbed, not deleted; a scan stopped by its deadline resumes."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.conftest import TenantKeys
from tests.functional.privacy.support import lake_state
from touchpoint.models.surveys import StoredResponse
from touchpoint.privacy.erasure import ErasureService
from touchpoint.privacy.lake_scan import LakeScanner
from touchpoint.runtime import Runtime
from touchpoint.storage.dynamo import to_item
from touchpoint.storage.lake import encode_jsonl_gz
from touchpoint.storage.lake_layout import partition_prefix
from touchpoint.storage.lake_maintenance import LakeMaintenanceRepository, ObjectChangedError
from touchpoint.storage.responses import response_item

DAY = date(2026, 3, 10)


def _event(message_id: str, user: str | None = None, anon: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "track",
        "messageId": message_id,
        "event": "Clicked",
        "timestamp": "2026-03-10T10:00:00.000Z",
    }
    if user:
        event["userId"] = user
    if anon:
        event["anonymousId"] = anon
    return event


def _key(tenant_id: str, name: str, area: str = "raw/events", day: date = DAY) -> str:
    return f"{partition_prefix(area, tenant_id, day)}{name}.jsonl.gz"


def _scanner(runtime: Runtime, **kwargs: Any) -> LakeScanner:
    return LakeScanner(runtime.lake_maintenance, **kwargs)


def test_a_rewritten_object_keeps_the_other_lines_in_order_with_deterministic_bytes(
    aws: Runtime, tenant: TenantKeys
) -> None:
    lines = [
        _event("a", user="kim"),
        _event("b", user="erin"),
        _event("c", anon="lee"),
        _event("d", anon="erin-web"),
    ]
    key = _key(tenant.tenant_id, "a" * 64)
    aws.lake.put_jsonl(key, lines, if_absent=True)
    only_erin = _key(tenant.tenant_id, "b" * 64)
    aws.lake.put_jsonl(only_erin, [_event("e", user="erin")], if_absent=True)

    result = _scanner(aws).scan(tenant.tenant_id, frozenset({"erin", "erin-web"}), erase=True)
    assert result.complete and result.stats.events_removed == 3
    assert result.stats.objects_rewritten == 1 and result.stats.objects_deleted == 1
    assert aws.lake.get_bytes(key) == encode_jsonl_gz([lines[0], lines[2]])  # the bytes ingest would write
    assert sorted(lake_state(aws)) == [key]  # same key, no second copy
    again = _scanner(aws).scan(tenant.tenant_id, frozenset({"erin", "erin-web"}), erase=True)
    assert again.stats.objects_rewritten == again.stats.objects_deleted == 0 and again.stats.objects_read == 1


def test_a_mention_keeps_the_line_without_the_persons_id_also_in_the_response(
    aws: Runtime, tenant: TenantKeys
) -> None:
    shared = _event("s", user="kim", anon="erin-web")  # Kim on Erin's device
    key = _key(tenant.tenant_id, "c" * 64)
    aws.lake.put_jsonl(key, [shared], if_absent=True)
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    response = StoredResponse(
        tenant_id=tenant.tenant_id,
        survey_id="s1",
        response_id="r-kim-0001",
        complete=True,
        channel="web",
        user_id="kim",
        anonymous_id="erin-web",
        language="en",
        started_at=now,
        submitted_at=now,
    )
    aws.clients.dynamodb.put_item(
        TableName=aws.settings.responses_table, Item=to_item(response_item(response, 2_000_000_000))
    )
    copy_key = _key(tenant.tenant_id, "r-kim-0001", area="responses")
    aws.lake.put_jsonl(
        copy_key,
        [
            {
                "responseId": "r-kim-0001",
                "surveyId": "s1",
                "userId": "kim",
                "anonymousId": "erin-web",
                "scores": [],
            }
        ],
    )

    outcome = ErasureService(aws).erase(tenant.tenant_id, "erin-web", actor="test")
    assert outcome.counts["eventsScrubbed"] == 1 and outcome.counts["responseCopiesScrubbed"] == 1
    assert outcome.counts["responsesScrubbed"] == 1 and outcome.counts.get("eventsRemoved", 0) == 0
    [line] = aws.lake.read_jsonl(key)
    assert line == {k: v for k, v in shared.items() if k != "anonymousId"}
    assert aws.lake.read_jsonl(copy_key) == [
        {"responseId": "r-kim-0001", "surveyId": "s1", "userId": "kim", "anonymousId": None, "scores": []}
    ]
    kept = aws.responses.get(tenant.tenant_id, "s1", "r-kim-0001")
    assert kept is not None and kept.user_id == "kim" and kept.anonymous_id is None


class _RacingMaintenance(LakeMaintenanceRepository):
    """Runs another erasure of the same object just before this one's first write."""

    def __init__(self, runtime: Runtime, tenant_id: str, other: frozenset[str]) -> None:
        super().__init__(runtime.clients.s3, runtime.settings.lake_bucket)
        self._runtime, self._tenant, self._other, self.raced = runtime, tenant_id, other, 0

    def replace(self, key: str, body: bytes, etag: str, **kwargs: Any) -> None:
        if not self.raced:
            self.raced += 1
            LakeScanner(self._runtime.lake_maintenance).scan(self._tenant, self._other, erase=True)
        super().replace(key, body, etag, **kwargs)


def test_two_erasures_of_one_object_at_once_lose_neither(aws: Runtime, tenant: TenantKeys) -> None:
    key = _key(tenant.tenant_id, "d" * 64)
    aws.lake.put_jsonl(
        key, [_event("1", user="erin"), _event("2", user="kim"), _event("3", user="max")], if_absent=True
    )
    racing = _RacingMaintenance(aws, tenant.tenant_id, frozenset({"max"}))
    result = LakeScanner(racing).scan(tenant.tenant_id, frozenset({"erin"}), erase=True)
    assert racing.raced == 1 and result.stats.retries == 1
    assert [line["userId"] for line in aws.lake.read_jsonl(key)] == ["kim"]


def test_a_conditional_write_with_a_stale_etag_is_refused(aws: Runtime, tenant: TenantKeys) -> None:
    key = _key(tenant.tenant_id, "e" * 64)
    aws.lake.put_jsonl(key, [_event("1", user="kim")])
    maintenance = aws.lake_maintenance
    read = maintenance.read(key)
    assert read is not None
    aws.lake.put_jsonl(key, [_event("2", user="kim")])
    with pytest.raises(ObjectChangedError):
        maintenance.replace(key, b"x", read.etag, content_type="application/x-ndjson")
    with pytest.raises(ObjectChangedError):
        maintenance.delete_if_unchanged(key, read.etag)
    assert maintenance.read("raw/events/none.jsonl.gz") is None
    assert maintenance.delete_if_unchanged("raw/events/none.jsonl.gz", read.etag) is False


def test_quarantine_lines_naming_the_person_go_also_inside_unreadable_bodies(
    aws: Runtime, tenant: TenantKeys
) -> None:
    received = datetime(2026, 3, 10, 9, tzinfo=UTC)
    payload = gzip.compress(b'{"batch": [{"userId": "erin", "event": ')
    records: list[dict[str, Any]] = [
        {
            "reason": "bad",
            "code": "invalid_event",
            "field": "event",
            "index": 0,
            "event": {"userId": "erin"},
            "receivedAt": "x",
        },
        {
            "reason": "bad",
            "code": "invalid_event",
            "field": "type",
            "index": 1,
            "event": {"anonymousId": "kim-web"},
            "receivedAt": "x",
        },
        {
            "reason": "unreadable",
            "field": None,
            "event": None,
            "payload": base64.b64encode(payload).decode(),
            "receivedAt": "x",
        },
        {
            "reason": "bad",
            "code": "invalid_event",
            "field": None,
            "index": 2,
            "event": ["erin"],
            "receivedAt": "x",
        },
    ]
    key = aws.quarantine.put_records(tenant.tenant_id, received, records)
    result = _scanner(aws).scan(tenant.tenant_id, frozenset({"erin"}), erase=True)
    assert result.stats.quarantine_lines_removed == 3
    assert aws.quarantine.read(key) == [records[1]]
    assert list(lake_state(aws)) == [key]


def test_response_exports_naming_the_person_are_deleted(aws: Runtime, tenant: TenantKeys) -> None:
    prefix = partition_prefix("exports/responses", tenant.tenant_id, DAY)
    header = "responseId,surveyId,userId,anonymousId,nps\r\n"
    aws.lake.put_bytes(
        f"{prefix}s1-a.csv", (header + "r1,s1,'-erin,,9\r\n").encode(), content_type="text/csv"
    )
    aws.lake.put_bytes(f"{prefix}s1-b.csv", (header + "r2,s1,kim,,9\r\n").encode(), content_type="text/csv")
    aws.lake.put_bytes(
        f"{prefix}s1-c.jsonl",
        json.dumps({"responseId": "r3", "anonymousId": "-erin"}).encode() + b"\n",
        content_type="application/x-ndjson",
    )
    result = _scanner(aws).scan(tenant.tenant_id, frozenset({"-erin"}), erase=True)
    assert result.stats.exports_removed == 2
    assert [k for k in lake_state(aws) if k.startswith(prefix)] == [f"{prefix}s1-b.csv"]


def test_a_scan_stopped_by_its_deadline_resumes_where_it_stopped(aws: Runtime, tenant: TenantKeys) -> None:
    for n in range(5):
        day = date(2026, 3, 10 + n)
        aws.lake.put_jsonl(
            _key(tenant.tenant_id, f"{n}" * 64, day=day),
            [_event(f"e{n}", user="erin"), _event(f"k{n}", user="kim")],
        )
    ticks = iter(range(1000))

    def clock() -> float:
        return float(next(ticks))

    ids = frozenset({"erin"})
    scanner = _scanner(aws, clock=clock)
    first = scanner.scan(tenant.tenant_id, ids, erase=True, deadline=3.0)
    assert not first.complete and 0 < first.stats.partitions < 5
    rest = _scanner(aws).scan(tenant.tenant_id, ids, erase=True, cursor=first.cursor)
    assert rest.complete and first.stats.partitions + rest.stats.partitions == 5
    assert first.stats.events_removed + rest.stats.events_removed == 5
    assert all(line["userId"] == "kim" for key in lake_state(aws) for line in aws.lake.read_jsonl(key))


def test_a_scan_can_stop_inside_a_large_partition_and_resume_after_the_last_object(
    aws: Runtime, tenant: TenantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = [_key(tenant.tenant_id, f"{n:03d}") for n in range(150)]  # 3 chunks of one partition
    for n, key in enumerate(keys):
        aws.lake.put_jsonl(key, [_event(f"e{n}", user="erin" if n % 2 else "kim")])
    now = [0.0]
    scanner = _scanner(aws, clock=lambda: now[0])
    original = scanner._scan_objects

    def one_chunk_then_late(*args: Any) -> None:
        original(*args)
        now[0] = 10.0  # the deadline passes after the first chunk

    monkeypatch.setattr(scanner, "_scan_objects", one_chunk_then_late)
    first = scanner.scan(tenant.tenant_id, frozenset({"erin"}), erase=True, deadline=5.0)
    assert first.cursor == {"area": 0, "after": keys[63]} and first.stats.objects_read == 64
    assert first.stats.partitions == 0  # none finished
    rest = _scanner(aws).scan(tenant.tenant_id, frozenset({"erin"}), erase=True, cursor=first.cursor)
    assert rest.complete and rest.stats.objects_read == 86
    assert first.stats.events_removed + rest.stats.events_removed == 75
    assert sorted(lake_state(aws)) == [k for n, k in enumerate(keys) if n % 2 == 0]
