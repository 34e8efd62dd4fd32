"""Ingest -> rollup -> metrics read for a generated month, checked against an independent computation.

Events go through the ingest function's `/v1/batch` (as SDKs send them), survey responses are
stored in the lake the way the surveys function stores them, its last five days are rolled up with
`touchpoint backfill --aws` (the environment here is moto), and `GET /v1/metrics` must answer,
for every day of those five days, what `support.Independent` computes from the raw data in plain Python.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import TenantKeys, basic_auth, bearer, function_client
from tests.functional.rollup.support import Independent, synthetic_days, write_responses_like_surveys
from touchpoint.observability import logger
from touchpoint.runtime import Runtime, get_runtime
from touchpoint_cli.main import cli

METRICS = ("sessions", "dau", "mau", "orders", "revenue", "conversion_rate", "nps")
pytestmark = [pytest.mark.slow]


@pytest.fixture
def quiet_logger() -> object:
    level = logger.log_level
    yield
    logger.setLevel(level or logging.INFO)


@pytest.mark.usefixtures("quiet_logger")
def test_a_generated_month_through_ingest_rollup_and_the_metrics_api(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    # The month lies in the recent past: ingest stamps receivedAt now, and the engine treats a
    # timestamp more than 365 days before receivedAt as a broken clock.
    last = datetime.now(UTC).date() - timedelta(days=3)
    month = [last - timedelta(days=n) for n in range(30, -1, -1)]
    data = synthetic_days(tmp_path / "gen", month, events=200, people=40)

    with function_client("ingest") as client:
        for start in range(0, len(data.events), 400):
            batch = [
                {k: v for k, v in e.items() if k != "receivedAt"} for e in data.events[start : start + 400]
            ]
            response = client.http.post(
                "/v1/batch",
                headers={"Content-Type": "application/json", **basic_auth(tenant.write_key)},
                body=json.dumps({"batch": batch}),
            )
            assert response.status_code == 200, response.body
    write_responses_like_surveys(aws, tenant.tenant_id, data.responses)

    # What ingest stored, receivedAt included, is what the independent computation reads.
    stored = [
        event
        for key in aws.lake.list_keys(f"raw/events/tenant={tenant.tenant_id}/")
        for event in aws.lake.read_jsonl(key)
    ]
    assert {e["messageId"] for e in stored} == {e["messageId"] for e in data.events}
    expected = Independent(stored, data.responses)

    week = month[-5:]
    result = CliRunner().invoke(
        cli,
        [
            "backfill",
            "--tenant",
            tenant.tenant_id,
            "--from",
            week[0].isoformat(),
            "--to",
            week[-1].isoformat(),
            "--aws",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("metric points") == len(week)
    runtime = get_runtime()
    assert all(runtime.rollup_state.day_state(tenant.tenant_id, day) is not None for day in week)

    with function_client("insights") as client:
        for metric in METRICS:
            response = client.http.get(
                f"/v1/metrics?metric={metric}&from={month[0].isoformat()}&to={week[-1].isoformat()}",
                headers=bearer(tenant.read_key),
            )
            assert response.status_code == 200
            got = {p["date"]: p["value"] for p in json.loads(response.body)["points"]}
            want = {
                day.isoformat(): value for day in week if (value := expected.values(day)[metric]) is not None
            }
            assert got == pytest.approx(want, abs=1e-6), metric
    # Sanity of the sample itself: those days have traffic, orders and survey answers.
    assert all(expected.values(day)["sessions"] for day in week)
    assert sum(expected.values(day)["orders"] or 0 for day in week) > 0
    assert any(expected.values(day)["nps"] is not None for day in week)


def test_backfill_of_all_tenants_reports_each_tenant_day(
    aws: Runtime, tenant: TenantKeys, other_tenant: TenantKeys
) -> None:
    level = logger.log_level
    try:
        result = CliRunner().invoke(cli, ["backfill", "--from", "2026-03-01", "--to", "2026-03-02", "--aws"])
    finally:
        logger.setLevel(level or logging.INFO)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "metric points" in line]
    assert [line.split(":")[0] for line in lines] == [
        f"{tenant.tenant_id} 2026-03-01",
        f"{other_tenant.tenant_id} 2026-03-01",
        f"{tenant.tenant_id} 2026-03-02",
        f"{other_tenant.tenant_id} 2026-03-02",
    ]
    unknown = CliRunner().invoke(cli, ["rollup", "--tenant", "nobody", "--date", "2026-03-01", "--aws"])
    assert unknown.exit_code == 1 and "unknown tenant: nobody" in unknown.output
    assert get_runtime().rollup_state.day_state("nobody", date(2026, 3, 1)) is None
