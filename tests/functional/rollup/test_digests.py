"""Day digests in the lake: written by each run (one area per table), read by the next, healed when
missing (also when only the layout before, all tables of a day in one folder, holds them)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.conftest import TenantKeys
from tests.functional.rollup.support import load_days
from touchpoint.engine.history import DIGEST_TABLES
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import Runtime
from touchpoint.storage.lake_layout import (
    DIGESTS_AREA,
    LEGACY_DIGESTS_AREA,
    digest_key,
    partition_prefix,
    people_export_keys,
)

DAY = date(2026, 3, 10)
DAYS = [DAY - timedelta(days=offset) for offset in (35, 20, 6, 2, 1, 0)]


def _all_points(aws: Runtime, tenant_id: str) -> dict[tuple[str, str], float | None]:
    from touchpoint.engine.catalog import METRIC_NAMES

    points = {}
    for metric in METRIC_NAMES:
        for point in aws.metrics.read(tenant_id, metric, DAY, DAY):
            points[(metric, repr(sorted(point.breakdown.items())))] = point.value
    return points


def _digest_keys(aws: Runtime, tenant_id: str) -> list[str]:
    """Every digest object of the tenant, of every table's area and of the legacy layout."""
    return [key for key in aws.lake.list_keys(DIGESTS_AREA + "/") if f"/tenant={tenant_id}/" in key]


def _delete_digests(aws: Runtime, tenant_id: str) -> None:
    for key in _digest_keys(aws, tenant_id):
        aws.lake.delete(key)


def _copy_to_legacy(aws: Runtime, tenant_id: str, day: date, table: str) -> str:
    """Copy a digest table to where the layout before kept it (all tables of a day in one folder)."""
    key = f"{partition_prefix(LEGACY_DIGESTS_AREA, tenant_id, day)}{table}.parquet"
    body = aws.lake.get_bytes(digest_key(tenant_id, day, table))
    aws.lake.put_bytes(key, body, content_type="application/vnd.apache.parquet")
    return key


def test_runs_in_day_order_read_digests_and_answer_as_a_run_from_raw_events(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    tenant_id = tenant.tenant_id
    load_days(aws, tenant_id, tmp_path / "gen", DAYS)
    service = build_service(aws, evaluate_alerts=False)
    for day in DAYS[:-1]:
        service.run_day(tenant_id, day)
    written = set(_digest_keys(aws, tenant_id))
    assert written == {digest_key(tenant_id, day, table) for day in DAYS[:-1] for table in DIGEST_TABLES}

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


def test_digests_of_the_layout_before_are_not_read_the_run_reads_raw_and_writes_them_anew(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    tenant_id = tenant.tenant_id
    load_days(aws, tenant_id, tmp_path / "gen", DAYS)
    service = build_service(aws, evaluate_alerts=False)
    for day in DAYS[:-1]:
        service.run_day(tenant_id, day)
    reference = service.run_day(tenant_id, DAY)
    expected = _all_points(aws, tenant_id)
    for key in _digest_keys(aws, tenant_id):  # as a lake written before the layout change holds them
        table = key.rsplit("/", 1)[1].removesuffix(".parquet")
        day = date.fromisoformat(key.split("/dt=", 1)[1][:10])
        _copy_to_legacy(aws, tenant_id, day, table)
        aws.lake.delete(key)
    legacy = set(_digest_keys(aws, tenant_id))
    assert len(legacy) == (len(DAYS) * len(DIGEST_TABLES)) and not any(
        key.startswith(f"{DIGESTS_AREA}/{table}/") for key in legacy for table in DIGEST_TABLES
    )

    healing = service.run_day(tenant_id, DAY)
    assert healing.digest_days_read == 0 and healing.raw_from == DAYS[0]  # none of them is read
    assert healing.digests_written == (DAY - DAYS[0]).days + 1
    assert _all_points(aws, tenant_id) == expected
    healed = set(_digest_keys(aws, tenant_id)) - legacy  # the legacy objects stay for the lifecycle rule
    assert {digest_key(tenant_id, day, table) for day in DAYS for table in DIGEST_TABLES} <= healed

    after = service.run_day(tenant_id, DAY)
    assert after.raw_from == DAY and after.digest_days_read >= reference.digest_days_read
    assert _all_points(aws, tenant_id) == expected


def test_a_day_missing_one_of_its_tables_is_read_raw_and_healed(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    tenant_id = tenant.tenant_id
    load_days(aws, tenant_id, tmp_path / "gen", DAYS)
    service = build_service(aws, evaluate_alerts=False)
    for day in DAYS[:-1]:
        service.run_day(tenant_id, day)
    expected = service.run_day(tenant_id, DAY)
    points = _all_points(aws, tenant_id)
    aws.lake.delete(digest_key(tenant_id, DAYS[2], "order_rows"))  # say an upload that died half way

    partial = service.run_day(tenant_id, DAY)
    assert partial.raw_from == DAYS[2] and partial.digest_days_read < expected.digest_days_read
    assert _all_points(aws, tenant_id) == points
    assert aws.lake.get_bytes(digest_key(tenant_id, DAYS[2], "order_rows"))[:4] == b"PAR1"
    assert service.run_day(tenant_id, DAY).raw_from == DAY


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
    # digests a lake written before the layout change still holds
    legacy = {day: _copy_to_legacy(aws, tenant_id, day, "person_days") for day in DAYS}
    before = _digest_people(aws, tenant_id, tmp_path / "before")
    assert person in before
    assert any(person in _scored_people(aws, tenant_id, day) for day in DAYS)

    outcome = ErasureService(aws).erase(tenant_id, person, actor="test")
    view = outcome.view()
    left = set(_digest_keys(aws, tenant_id))
    removed = [day for day in DAYS if digest_key(tenant_id, day, "person_days") not in left]
    assert view["status"] == "completed" and view["digestDaysRemoved"] == len(removed) >= 1
    for day in DAYS:  # each day's tables go together, the legacy layout's with them
        keys = {digest_key(tenant_id, day, t) for t in DIGEST_TABLES} | {legacy[day]}
        assert keys.isdisjoint(left) if day in removed else keys <= left
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
    assert (
        first_line == "tenant_day,person,score,score_30d_ago,change,at_risk,last_active_day,revenue_to_date"
    )


def _scored_people(aws: Runtime, tenant_id: str, day: date) -> set[str]:
    text = aws.lake.get_bytes(people_export_keys(tenant_id, day)[0]).decode("utf-8")
    return {line.split(",")[1] for line in text.splitlines()[1:]}


def _digest_people(aws: Runtime, tenant_id: str, folder: Path) -> set[str]:
    """Every person id in the tenant's digests (downloaded into `folder`)."""
    import duckdb

    folder.mkdir()
    files = []
    for i, key in enumerate(_digest_keys(aws, tenant_id)):
        if key.endswith(("person_days.parquet", "order_rows.parquet", "session_days.parquet")):
            path = folder / f"{i}.parquet"
            path.write_bytes(aws.lake.get_bytes(key))
            files.append(str(path))
    rows = duckdb.connect().execute(
        "SELECT DISTINCT person FROM read_parquet($files, union_by_name = true)", {"files": files}
    )
    return {str(row[0]) for row in rows.fetchall()}
