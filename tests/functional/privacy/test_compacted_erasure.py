"""Erasure and access keep their promise on compacted event files (`raw/compacted/`)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow.parquet as pq

from tests.conftest import TenantKeys, function_client
from tests.functional.privacy.support import api, send_batch, track
from touchpoint.rollup.compaction import Compactor
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import Runtime
from touchpoint.storage.lake_layout import compacted_prefix

DAY = datetime.now(UTC).date() - timedelta(days=3)


def _compacted_rows(aws: Runtime, tenant_id: str, day: date) -> list[dict[str, Any]]:
    keys = list(aws.lake.list_keys(compacted_prefix(tenant_id, day)))
    return [row for key in keys for row in pq.read_table(io.BytesIO(aws.lake.get_bytes(key))).to_pylist()]


def _landed(aws: Runtime, tenant_id: str, day: date) -> list[str]:
    return [k for k in aws.lake.list_keys(f"raw/events/tenant={tenant_id}/dt={day.isoformat()}/")]


def _seed(aws: Runtime, tenant: TenantKeys) -> None:
    events = [
        track("e1", DAY, user="erin", anon="erin-web"),
        track("e2", DAY, anon="erin-web"),  # erin's device before sign-in: hers
        track("s1", DAY, user="sam", anon="erin-web"),  # sam on erin's device: a mention
        track("k1", DAY, user="kim"),
    ]
    with function_client("ingest") as ingest:
        send_batch(ingest, tenant.write_key, events)
        send_batch(ingest, tenant.write_key, events[:2])  # a retried request: landed twice
    build_service(aws).run_day(tenant.tenant_id, DAY)  # compacts the settled UTC days


def test_the_rollup_compacts_a_settled_day_and_counts_each_event_once(
    aws: Runtime, tenant: TenantKeys
) -> None:
    _seed(aws, tenant)
    assert _landed(aws, tenant.tenant_id, DAY) == []
    rows = _compacted_rows(aws, tenant.tenant_id, DAY)
    assert sorted(r["message_id"] for r in rows) == ["e1", "e2", "k1", "s1"]
    assert all(r["ts"].date() == DAY for r in rows)


def test_access_lists_and_erasure_removes_the_persons_compacted_rows(
    aws: Runtime, tenant: TenantKeys
) -> None:
    _seed(aws, tenant)
    with function_client("surveys") as client:
        status, document, _ = api(client, "GET", "/v1/people/erin/export", tenant.admin_key)
        assert status == 200 and document["scan"]["complete"] is True
        assert sorted(e["messageId"] for e in document["events"]) == ["e1", "e2"]
        status, body, _ = api(client, "DELETE", "/v1/people/erin", tenant.admin_key)
        assert status in (200, 202), body
    rows = {r["message_id"]: r for r in _compacted_rows(aws, tenant.tenant_id, DAY)}
    assert sorted(rows) == ["k1", "s1"]  # erin's two events are gone, sam's and kim's stay
    assert rows["s1"]["anonymous_id"] is None and "erin-web" not in rows["s1"]["record"]
    assert '"userId":"sam"' in rows["s1"]["record"]
    # a second erasure changes nothing
    before = [(k, aws.lake.get_bytes(k)) for k in aws.lake.list_keys(compacted_prefix(tenant.tenant_id, DAY))]
    with function_client("surveys") as client:
        api(client, "DELETE", "/v1/people/erin", tenant.admin_key)
    after = [(k, aws.lake.get_bytes(k)) for k in aws.lake.list_keys(compacted_prefix(tenant.tenant_id, DAY))]
    assert after == before


def test_a_compaction_during_an_erasure_is_undone_and_its_inputs_stay(
    aws: Runtime, tenant: TenantKeys
) -> None:
    with function_client("ingest") as ingest:
        send_batch(ingest, tenant.write_key, [track("e1", DAY, user="erin"), track("k1", DAY, user="kim")])
    landed = _landed(aws, tenant.tenant_id, DAY)
    generations = iter([4, 5])  # an erasure raised the suppression list's generation meanwhile
    compactor = Compactor(aws.lake, aws.lake_maintenance, lambda _: next(generations))
    result = compactor.compact(tenant.tenant_id, DAY)
    assert result.outcome == "erasure ran meanwhile" and result.keys == ()
    assert _landed(aws, tenant.tenant_id, DAY) == landed
    assert list(aws.lake.list_keys(compacted_prefix(tenant.tenant_id, DAY))) == []
    # the next compaction, with no erasure in between, goes through
    done = Compactor(aws.lake, aws.lake_maintenance, lambda _: 5).compact(tenant.tenant_id, DAY)
    assert done.outcome == "compacted" and done.rows_written == 2 and done.objects_deleted == len(landed)
    assert _landed(aws, tenant.tenant_id, DAY) == []


def test_erasure_scrubs_every_chunk_file_of_a_day(aws: Runtime, tenant: TenantKeys) -> None:
    with function_client("ingest") as ingest:  # three requests: three landed objects
        first = track("e1", DAY, user="erin", anon="erin-web")  # links erin's device to her
        send_batch(ingest, tenant.write_key, [first, track("k1", DAY, user="kim")])
        send_batch(ingest, tenant.write_key, [track("e2", DAY, anon="erin-web"), first])  # e1 retried
        send_batch(
            ingest,
            tenant.write_key,
            [track("s1", DAY, user="sam", anon="erin-web"), track("e3", DAY, user="erin")],
        )
    result = Compactor(aws.lake, aws.lake_maintenance, lambda _: 0, chunk_bytes=1).compact(
        tenant.tenant_id, DAY
    )
    assert result.outcome == "compacted" and len(result.keys) == result.chunks == 3
    with function_client("surveys") as client:
        status, document, _ = api(client, "GET", "/v1/people/erin/export", tenant.admin_key)
        assert status == 200 and document["scan"]["complete"] is True
        assert sorted(e["messageId"] for e in document["events"]) == ["e1", "e2", "e3"]  # e1 once
        status, body, _ = api(client, "DELETE", "/v1/people/erin", tenant.admin_key)
        assert status in (200, 202), body
    keys = list(aws.lake.list_keys(compacted_prefix(tenant.tenant_id, DAY)))
    rows = [row for key in keys for row in pq.read_table(io.BytesIO(aws.lake.get_bytes(key))).to_pylist()]
    assert sorted(r["message_id"] for r in rows) == ["k1", "s1"]  # erin's rows gone from every file
    assert all("erin" not in r["record"] for r in rows)


def test_survey_event_copies_are_never_compacted(aws: Runtime, tenant: TenantKeys) -> None:
    key = f"raw/events/tenant={tenant.tenant_id}/dt={DAY.isoformat()}/survey-r1.jsonl.gz"
    aws.lake.put_jsonl(key, [{"type": "track", "event": "Survey Responded", "messageId": "survey-r1"}])
    result = Compactor(aws.lake, aws.lake_maintenance, lambda _: 0).compact(tenant.tenant_id, DAY)
    assert result.outcome == "nothing to do" and _landed(aws, tenant.tenant_id, DAY) == [key]


def test_events_landing_after_the_erasure_are_removed_by_the_recheck(
    aws: Runtime, tenant: TenantKeys
) -> None:
    from touchpoint.privacy.scheduled import run_privacy

    with function_client("ingest") as ingest:
        send_batch(ingest, tenant.write_key, [track("e1", DAY, user="erin"), track("k1", DAY, user="kim")])
    with function_client("surveys") as client:
        status, body, _ = api(client, "DELETE", "/v1/people/erin", tenant.admin_key)
    assert status == 200 and body["status"] == "completed"
    [job] = aws.privacy_state.pending_jobs(tenant.tenant_id)
    assert job.recheck_after is not None  # kept, without cursor progress, for the second scan
    # an event ingest accepted just before the erasure, delivered by the stream afterwards
    aws.landing.land(tenant.tenant_id, [track("e9", DAY, user="erin", receivedAt=f"{DAY}T10:00:00.000Z")])
    requested = datetime.fromisoformat(job.requested_at.replace("Z", "+00:00"))
    early = run_privacy(aws, requested + timedelta(minutes=29), tenant_id=tenant.tenant_id)
    assert early.erasures == [] and len(aws.privacy_state.pending_jobs(tenant.tenant_id)) == 1
    late = run_privacy(aws, requested + timedelta(minutes=31), tenant_id=tenant.tenant_id)
    assert [o.status for o in late.erasures] == ["completed"]
    assert aws.privacy_state.pending_jobs(tenant.tenant_id) == []
    landed = [e["messageId"] for k in _landed(aws, tenant.tenant_id, DAY) for e in aws.lake.read_jsonl(k)]
    assert sorted(landed) == ["k1"]
    [entry] = [e for e in aws.privacy_state.list_audit(tenant.tenant_id) if e.entry_id == job.erasure_id]
    assert entry.counts["eventsRemoved"] == 2  # e1 by the first scan, e9 by the recheck
