"""`touchpoint rollup` / `touchpoint backfill`: target selection, planning and error reporting."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from touchpoint_cli import paths
from touchpoint_cli import rollup as cli_rollup
from touchpoint_cli.main import cli
from touchpoint_cli.stack import free_port


def test_missing_local_json_says_to_start_the_stack(tmp_path: Path) -> None:
    with pytest.raises(click.ClickException, match="start the local stack with make dev first") as raised:
        cli_rollup.use_target(aws=False, state_dir=tmp_path)
    assert "local.json is missing" in raised.value.message


def test_broken_or_stale_local_json_is_reported(tmp_path: Path) -> None:
    (tmp_path / "local.json").write_text("{not json")
    with pytest.raises(click.ClickException, match="not a local stack description"):
        cli_rollup.use_target(aws=False, state_dir=tmp_path)
    (tmp_path / "local.json").write_text(json.dumps({"aws_endpoint_url": f"http://127.0.0.1:{free_port()}"}))
    with pytest.raises(
        click.ClickException, match="is not running: start the local stack with make dev first"
    ):
        cli_rollup.use_target(aws=False, state_dir=tmp_path)


def test_aws_target_needs_a_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOUCHPOINT_STAGE")
    with pytest.raises(click.ClickException, match="--aws needs TOUCHPOINT_STAGE"):
        cli_rollup.use_target(aws=True)


def test_commands_without_a_local_stack_fail_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "LOCAL_STATE_DIR", tmp_path)
    result = CliRunner().invoke(cli, ["rollup", "--tenant", "acme", "--date", "2026-03-01"])
    assert result.exit_code == 1
    assert "start the local stack with make dev first" in result.output


def test_backfill_rejects_a_reversed_range_and_bad_dates() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["backfill", "--from", "2026-03-05", "--to", "2026-03-01"])
    assert result.exit_code == 2 and "--from must not be after --to" in result.output
    result = runner.invoke(cli, ["rollup", "--tenant", "acme", "--date", "5 March"])
    assert result.exit_code == 2 and "'5 March' does not match the format '%Y-%m-%d'" in result.output


def test_backfill_plan_goes_day_by_day_across_tenants() -> None:
    plan = cli_rollup.backfill_plan(["b", "a", "b"], date(2026, 3, 1), date(2026, 3, 2))
    assert plan == [
        ("a", date(2026, 3, 1)),
        ("b", date(2026, 3, 1)),
        ("a", date(2026, 3, 2)),
        ("b", date(2026, 3, 2)),
    ]


def test_run_plan_records_failures_and_keeps_going() -> None:
    seen: list[tuple[str, date]] = []

    def run(tenant_id: str, day: date) -> object:
        if day == date(2026, 3, 2):
            raise RuntimeError("engine exploded")
        return (tenant_id, day)

    plan = cli_rollup.backfill_plan(["a"], date(2026, 3, 1), date(2026, 3, 3))
    outcome = cli_rollup.run_plan(plan, run, seen.append)  # type: ignore[arg-type]
    assert seen == plan
    assert list[object](outcome.done) == [("a", date(2026, 3, 1)), ("a", date(2026, 3, 3))]
    assert outcome.failed == [("a", date(2026, 3, 2), "RuntimeError: engine exploded")]
