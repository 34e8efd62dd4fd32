"""Day digests: a run that reads earlier days from digests answers exactly as one that reads raw events."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from tests.unit.engine.factories import DAY, Lake, identify, page, t, track
from tests.unit.engine.test_pipeline import rich_day
from touchpoint.engine import EngineInputs, compute_day_result
from touchpoint.engine.history import DIGEST_TABLES
from touchpoint.models.metrics import MetricPoint
from touchpoint.models.tenants import TenantConfig
from touchpoint_testkit.synthetic import generate_day


def _records(files: list[Path]) -> list[dict[str, object]]:
    records = []
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            records += [json.loads(line) for line in lines if line.strip().startswith("{")]
    return records


def _links(files: list[Path]) -> list[tuple[str, str]]:
    """Every (anonymousId or previousId, userId) pair of the events, oldest first (ingest's record)."""
    pairs = []
    for record in _records(files):
        user, when = record.get("userId"), str(record.get("timestamp"))
        for source in (record.get("anonymousId"), record.get("previousId")):
            if isinstance(source, str) and isinstance(user, str) and source and user and source != user:
                pairs.append((when, source, user))
    return [(source, user) for _, source, user in sorted(pairs)]


def _days_with_data(inputs: EngineInputs, timezone: str) -> set[date]:
    zone = ZoneInfo(timezone)
    days = set()
    for record in _records([Path(name) for name in [*inputs.event_files, *inputs.response_files]]):
        stamp = record.get("timestamp") or record.get("submittedAt")
        if isinstance(stamp, str):
            days.add(datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(zone).date())
    return days


def _digest_all(inputs: EngineInputs, day: date, config: TenantConfig, root: Path) -> dict[date, Path]:
    """Digests of every earlier day with data, each written by a full (raw) run of that day."""
    digests = {}
    for past in sorted(d for d in _days_with_data(inputs, config.timezone) if d < day):
        digests[past] = root / past.isoformat()
        compute_day_result(inputs, past, config, digest_out=root)
    return digests


def _assert_same(digested: list[MetricPoint], raw: list[MetricPoint]) -> None:
    assert [(p.metric, p.breakdown) for p in digested] == [(p.metric, p.breakdown) for p in raw]
    for mine, theirs in zip(digested, raw, strict=True):
        assert mine.value == pytest.approx(theirs.value, rel=1e-9, abs=1e-9), mine.metric
        assert mine.extra.keys() == theirs.extra.keys(), mine.metric


def _compare(lake_inputs: EngineInputs, day: date, config: TenantConfig, root: Path) -> None:
    links = _links([Path(name) for name in lake_inputs.event_files])
    full = EngineInputs(lake_inputs.event_files, lake_inputs.response_files, links)
    raw = compute_day_result(full, day, config)
    digests = _digest_all(full, day, config, root / "digests")
    digested = compute_day_result(
        EngineInputs(full.event_files, full.response_files, links, digests=digests, raw_from=day), day, config
    )
    assert len(raw.points) > 20
    _assert_same(digested.points, raw.points)
    assert digested.person_scores == pytest.approx(raw.person_scores)


def test_a_rich_day_with_a_year_of_history_gives_the_same_answers_from_digests(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    rich_day(lake)
    _compare(lake.inputs(), DAY, TenantConfig(), tmp_path)


def test_several_synthetic_days_give_the_same_answers_from_digests(tmp_path: Path) -> None:
    config = TenantConfig(timezone="Europe/Berlin")
    files: list[Path] = []
    responses: list[Path] = []
    for offset in range(-31, 1):  # a month of history: retention cohort, DAU/MAU, at-risk
        if offset % 3 and offset > -30:
            continue
        day = DAY + timedelta(days=offset)
        generated = generate_day(
            tmp_path / "lake", day, events=600, people=60, responses=12, seed=5, files=1,
            timezone=config.timezone, skewed_share=0.0,
        )  # fmt: skip
        files += generated.event_files
        responses += generated.response_files
    _compare(EngineInputs(files, responses), DAY, config, tmp_path)


def test_a_digest_is_re_stitched_with_links_learned_later(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(page(t("10:00", DAY - timedelta(days=3)), anon="a1"))  # anonymous three days ago
    lake.events(page(t("10:00", DAY), user="u1"), identify(t("10:05", DAY), user="u1", anon="a1"))
    digests = {}
    early = DAY - timedelta(days=3)
    digests[early] = tmp_path / "d" / early.isoformat()
    compute_day_result(EngineInputs(lake.event_files[:1]), early, TenantConfig(), digest_out=tmp_path / "d")
    result = compute_day_result(
        EngineInputs(lake.event_files, digests=digests, raw_from=DAY), DAY, TenantConfig()
    )
    mau = next(p for p in result.points if p.metric == "mau" and not p.breakdown)
    assert mau.value == 1.0  # a1 three days ago is u1 today: one person, not two


def test_a_digest_holds_its_day_only_and_no_raw_event_fields(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    rich_day(lake)
    compute_day_result(lake.inputs(), DAY, TenantConfig(), digest_out=tmp_path / "digest")
    folder = tmp_path / "digest" / DAY.isoformat()
    assert [p.name for p in (tmp_path / "digest").iterdir()] == [DAY.isoformat()]
    assert sorted(p.stem for p in folder.iterdir()) == sorted(DIGEST_TABLES)
    con = duckdb.connect()
    days = con.execute(
        f"SELECT DISTINCT day FROM read_parquet('{folder / 'person_days.parquet'}')"
    ).fetchall()
    assert days == [(DAY,)]
    columns = {
        row[0]
        for row in con.execute(
            f"DESCRIBE SELECT * FROM read_parquet('{folder}/*.parquet', union_by_name = true)"
        ).fetchall()
    }
    assert not columns & {"context", "properties", "traits", "anonymousId", "userId", "ip"}


def test_events_before_the_day_before_raw_from_are_not_read(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(page(t("10:00", DAY - timedelta(days=5)), user="u9"), page(t("10:00", DAY), user="u1"))
    result = compute_day_result(EngineInputs(lake.event_files, raw_from=DAY), DAY, TenantConfig())
    mau = next(p for p in result.points if p.metric == "mau" and not p.breakdown)
    assert mau.value == 1.0  # u9's day is left to its digest (none given), not read from the file


def test_a_run_that_read_raw_days_heals_their_digests(tmp_path: Path) -> None:
    """A run with `raw_from` before D writes those days' digests, equal to their own runs' ones."""
    lake = Lake(tmp_path)
    rich_day(lake)
    inputs = lake.inputs()
    first = DAY - timedelta(days=45)
    healed = tmp_path / "healed"
    compute_day_result(
        EngineInputs(inputs.event_files, inputs.response_files, raw_from=first), DAY, TenantConfig(),
        digest_out=healed,
    )  # fmt: skip
    assert len(list(healed.iterdir())) == 46  # D-45 .. D
    own = tmp_path / "own"
    day = DAY - timedelta(days=44)  # a day of rich_day with activity and an order
    compute_day_result(inputs, day, TenantConfig(), digest_out=own)
    con = duckdb.connect()
    for table in DIGEST_TABLES:
        query = "SELECT * FROM read_parquet('{}') ORDER BY ALL"
        mine = con.execute(query.format(healed / day.isoformat() / f"{table}.parquet")).fetchall()
        theirs = con.execute(query.format(own / day.isoformat() / f"{table}.parquet")).fetchall()
        assert mine == theirs, table


def test_person_scores_are_written_per_person_with_the_change_over_30_days(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    rich_day(lake)
    result = compute_day_result(lake.inputs(), DAY, TenantConfig(), people_out=tmp_path / "people")
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT * FROM read_csv('{tmp_path / 'people' / 'engagement.csv'}', header = true) ORDER BY person"
    ).fetchall()
    assert [row[1] for row in rows] == sorted(result.person_scores)
    for tenant_day, person, score, before, change, at_risk, *_actions in rows:
        assert str(tenant_day) == DAY.isoformat() and score == pytest.approx(result.person_scores[person])
        assert (before is None) == (change is None)
        assert at_risk == (before is not None and before - score >= 20.0)
    at_risk_metric = next(p for p in result.points if p.metric == "at_risk")
    assert sum(1 for row in rows if row[5]) == at_risk_metric.value
    assert sum(1 for row in rows if row[3] is not None) == at_risk_metric.extra["compared"]
    parquet = con.execute(
        f"SELECT * FROM '{tmp_path / 'people' / 'engagement.parquet'}' ORDER BY person"
    ).fetchall()
    assert [tuple(str(v) if v is not None else None for v in r) for r in parquet] == [
        tuple(str(v) if v is not None else None for v in r) for r in rows
    ]


def test_a_digest_written_before_a_column_was_added_reads_it_as_null(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    early = DAY - timedelta(days=3)
    lake.events(
        track("Referral Sent", t("10:00", early), user="u1", props={"code": "R1", "location_id": "s1"}),
        track(
            "Loyalty Points Earned", t("10:00", early), user="u1", props={"points": 5, "location_id": "s1"}
        ),
        page(t("10:00"), user="u2"),
    )
    compute_day_result(lake.inputs(), early, TenantConfig(), digest_out=tmp_path / "d")
    plan_rows = tmp_path / "d" / early.isoformat() / "plan_rows.parquet"
    con = duckdb.connect()
    old = con.execute(  # the columns of the first digests: no location, event_date, code
        f"SELECT person, message_id, ts, event, event_id, prop_platform, followers FROM read_parquet('{plan_rows}')"
    ).fetchall()
    assert len(old) == 2
    con.execute(
        f"COPY (SELECT person, message_id, ts, event, event_id, prop_platform, followers "
        f"FROM read_parquet('{plan_rows}')) TO '{tmp_path / 'old.parquet'}' (FORMAT parquet)"
    )
    (tmp_path / "old.parquet").replace(plan_rows)
    inputs = EngineInputs(lake.event_files, digests={early: tmp_path / "d" / early.isoformat()}, raw_from=DAY)
    points = compute_day_result(inputs, DAY, TenantConfig()).points
    members = {tuple(p.breakdown.items()): p.value for p in points if p.metric == "active_loyalty_members"}
    assert members == {(): 1.0}  # u1, without the location the old digest did not keep
    # an old digest holds no codes: its sendings cannot be matched, the rate is absent, not wrong
    assert not [p for p in points if p.metric == "referral_conversion_rate"]
