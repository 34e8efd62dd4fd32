"""Day digests in the lake: written by each run, read by the next, healed when missing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.conftest import TenantKeys
from tests.functional.rollup.support import load_days
from touchpoint.engine.history import DIGEST_TABLES
from touchpoint.rollup.inputs import digest_prefix
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import Runtime

DAY = date(2026, 3, 10)
DAYS = [DAY - timedelta(days=offset) for offset in (35, 20, 6, 2, 1, 0)]


def _all_points(aws: Runtime, tenant_id: str) -> dict[tuple[str, str], float | None]:
    from touchpoint.engine.catalog import METRIC_NAMES

    points = {}
    for metric in METRIC_NAMES:
        for point in aws.metrics.read(tenant_id, metric, DAY, DAY):
            points[(metric, repr(sorted(point.breakdown.items())))] = point.value
    return points


def _delete_digests(aws: Runtime, tenant_id: str) -> None:
    for key in list(aws.lake.list_keys(f"digests/tenant={tenant_id}/")):
        aws.lake.delete(key)


def test_runs_in_day_order_read_digests_and_answer_as_a_run_from_raw_events(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    tenant_id = tenant.tenant_id
    load_days(aws, tenant_id, tmp_path / "gen", DAYS)
    service = build_service(aws, evaluate_alerts=False)
    for day in DAYS[:-1]:
        service.run_day(tenant_id, day)
    for day in DAYS[:-1]:
        keys = set(aws.lake.list_keys(digest_prefix(tenant_id, day)))
        assert keys == {digest_prefix(tenant_id, day) + f"{table}.parquet" for table in DIGEST_TABLES}

    from_digests = service.run_day(tenant_id, DAY)
    assert from_digests.raw_from == DAY  # every earlier day with data has its digest
    assert from_digests.digest_days_read >= len(DAYS) - 1
    assert from_digests.digests_written == 1
    with_digests = _all_points(aws, tenant_id)

    _delete_digests(aws, tenant_id)
    from_raw = service.run_day(tenant_id, DAY)
    assert from_raw.raw_from is not None and from_raw.raw_from <= DAYS[0]
    assert from_raw.digest_days_read == 0
    assert from_raw.input_objects > from_digests.input_objects - from_digests.digest_days_read * 6
    assert _all_points(aws, tenant_id) == with_digests
    assert len(with_digests) > 100


def test_a_run_missing_digests_heals_them_for_the_next_run(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    tenant_id = tenant.tenant_id
    load_days(aws, tenant_id, tmp_path / "gen", DAYS)
    service = build_service(aws, evaluate_alerts=False)
    first = service.run_day(tenant_id, DAY)  # nothing rolled up before: everything read raw
    assert first.raw_from == DAYS[0]  # the first day with data and no digest
    assert first.digests_written == (DAY - first.raw_from).days + 1
    second = service.run_day(tenant_id, DAY)
    assert second.raw_from == DAY and second.digest_days_read >= len(DAYS) - 1
