"""The local stack runs the days marked for recomputation (a re-run, a backfill) as the dispatcher would."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

from tests.conftest import TenantKeys
from tests.functional.rollup.support import write_responses_like_surveys
from tests.unit.engine.factories import response
from touchpoint.runtime import Runtime
from touchpoint.storage.rollup_state import DONE
from touchpoint_cli.rollup_poller import recompute_marked_days, rollup_poller

DAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)


def test_marked_days_are_rolled_up_and_nothing_else(aws: Runtime, tenant: TenantKeys) -> None:
    write_responses_like_surveys(
        aws, tenant.tenant_id, [response(datetime(2026, 3, 10, 9, tzinfo=UTC), [("nps", 3)])]
    )
    assert recompute_marked_days(aws, NOW) == []  # nothing marked: nothing runs
    aws.rollup_state.mark_dirty(tenant.tenant_id, [DAY])
    ran = recompute_marked_days(aws, NOW)
    assert [(t.tenant_id, t.day, t.reason) for t in ran] == [(tenant.tenant_id, DAY, "dirty")]
    state = aws.rollup_state.day_state(tenant.tenant_id, DAY)
    assert state is not None and state.status == DONE
    assert [p.value for p in aws.metrics.read(tenant.tenant_id, "nps", DAY, DAY) if not p.breakdown] == [
        -100.0
    ]
    assert recompute_marked_days(aws, NOW) == []  # done now


def test_the_poller_thread_runs_them_and_stops(aws: Runtime, tenant: TenantKeys) -> None:
    aws.rollup_state.mark_dirty(tenant.tenant_id, [DAY])
    poller = rollup_poller(interval=0.05)
    poller.start()
    try:
        deadline = time.monotonic() + 60
        while aws.rollup_state.status(tenant.tenant_id, DAY) != DONE and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        poller.stop()
    assert aws.rollup_state.status(tenant.tenant_id, DAY) == DONE
    assert not poller.running
