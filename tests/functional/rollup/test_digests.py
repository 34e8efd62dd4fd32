"""Day digests in the lake: written by each run, read by the next, healed when missing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.conftest import TenantKeys
from tests.functional.rollup.support import load_days
from touchpoint.engine.history import DIGEST_TABLES
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import Runtime
from touchpoint.storage.lake_layout import digest_prefix, people_export_keys

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


def test_an_erasure_removes_the_digests_that_may_hold_the_person(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    from touchpoint.privacy.erasure import ErasureService

    tenant_id = tenant.tenant_id
    load_days(aws, tenant_id, tmp_path / "gen", DAYS)
    service = build_service(aws, evaluate_alerts=False)
    for day in DAYS:
        service.run_day(tenant_id, day)
    person = "user-0000002"
    before = _digest_people(aws, tenant_id, tmp_path / "before")
    assert person in before
    assert any(person in _scored_people(aws, tenant_id, day) for day in DAYS)

    outcome = ErasureService(aws).erase(tenant_id, person, actor="test")
    view = outcome.view()
    assert view["status"] == "completed" and view["digestDaysRemoved"] >= 1
    rerun = service.run_day(tenant_id, DAY)  # the days without digests are read raw (scrubbed) and healed
    assert rerun.raw_from is not None and rerun.raw_from < DAY
    after = _digest_people(aws, tenant_id, tmp_path / "after")
    assert person not in after and after  # the others are still there
    assert person not in _scored_people(aws, tenant_id, DAY)  # the re-run's person scores
    for day in DAYS[:-1]:  # score exports naming them went with their days' digests
        if list(aws.lake.list_keys(people_export_keys(tenant_id, day)[0])):
            assert person not in _scored_people(aws, tenant_id, day)


def test_each_run_exports_every_persons_score(aws: Runtime, tenant: TenantKeys, tmp_path: Path) -> None:
    tenant_id = tenant.tenant_id
    load_days(aws, tenant_id, tmp_path / "gen", DAYS)
    service = build_service(aws, evaluate_alerts=False)
    service.run_day(tenant_id, DAY)
    scored = _scored_people(aws, tenant_id, DAY)
    engagement = aws.metrics.read(tenant_id, "engagement_score", DAY, DAY)[0]
    assert len(scored) == engagement.extra["people"] > 10
    csv_key, parquet_key = people_export_keys(tenant_id, DAY)
    assert aws.lake.get_bytes(parquet_key)[:4] == b"PAR1"
    first_line = aws.lake.get_bytes(csv_key).decode("utf-8").splitlines()[0]
    assert first_line == "tenant_day,person,score,score_30d_ago,change,at_risk"


def _scored_people(aws: Runtime, tenant_id: str, day: date) -> set[str]:
    text = aws.lake.get_bytes(people_export_keys(tenant_id, day)[0]).decode("utf-8")
    return {line.split(",")[1] for line in text.splitlines()[1:]}


def _digest_people(aws: Runtime, tenant_id: str, folder: Path) -> set[str]:
    """Every person id in the tenant's digests (downloaded into `folder`)."""
    import duckdb

    folder.mkdir()
    files = []
    for i, key in enumerate(aws.lake.list_keys(f"digests/tenant={tenant_id}/")):
        if key.endswith(("person_days.parquet", "order_rows.parquet", "session_days.parquet")):
            path = folder / f"{i}.parquet"
            path.write_bytes(aws.lake.get_bytes(key))
            files.append(str(path))
    rows = duckdb.connect().execute(
        "SELECT DISTINCT person FROM read_parquet($files, union_by_name = true)", {"files": files}
    )
    return {str(row[0]) for row in rows.fetchall()}
