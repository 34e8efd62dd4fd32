"""`touchpoint erase`, `export-person` and `sweep` against moto (the `--aws` path)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import TenantKeys, function_client, make_tenant
from tests.functional.privacy.support import everything_stored, finish_rechecks, send_batch, traces, track
from touchpoint.models.tenants import TenantConfig
from touchpoint.observability import logger
from touchpoint.runtime import Runtime
from touchpoint.storage.lake_layout import partition_prefix
from touchpoint_cli.main import cli

DAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _keep_log_level() -> Iterator[None]:
    """The commands quieten the process-wide logger; later tests in this process expect INFO."""
    level = logger.log_level
    yield
    logger.setLevel(level)


@pytest.fixture
def seeded(aws: Runtime, tenant: TenantKeys) -> None:
    with function_client("ingest") as ingest:
        send_batch(
            ingest,
            tenant.write_key,
            [track("e1", DAY, user="erin", anon="erin-web"), track("k1", DAY, user="kim")],
        )


@pytest.mark.usefixtures("seeded")
def test_export_then_erase_from_the_command_line(aws: Runtime, tenant: TenantKeys, tmp_path: Path) -> None:
    runner = CliRunner()
    exported = runner.invoke(cli, ["export-person", "--tenant", "acme", "--person", "erin-web", "--aws"])
    assert exported.exit_code == 0, exported.output
    document = json.loads(exported.stdout)
    assert document["ids"] == ["erin", "erin-web"] and [e["messageId"] for e in document["events"]] == ["e1"]
    to_file = runner.invoke(
        cli,
        [
            "export-person",
            "--tenant",
            "acme",
            "--person",
            "erin",
            "--output",
            str(tmp_path / "erin.json"),
            "--aws",
        ],
    )
    assert to_file.exit_code == 0 and json.loads((tmp_path / "erin.json").read_text())["ids"] == [
        "erin",
        "erin-web",
    ]

    erased = runner.invoke(
        cli, ["erase", "--tenant", "acme", "--person", "erin", "--actor", "ticket-4711", "--aws"]
    )
    assert erased.exit_code == 0, erased.output
    outcome = json.loads(erased.stdout)
    assert outcome["status"] == "completed" and outcome["removed"]["eventsRemoved"] == 1
    finish_rechecks(aws)
    assert traces(aws, ["erin"]) == sorted(
        f"{aws.settings.people_table}:TENANT#acme#SUPPRESS#{i}|SUPPRESS" for i in ("erin", "erin-web")
    )
    actors = sorted(e.actor for e in aws.privacy_state.list_audit("acme"))
    assert actors == ["cli:cli", "cli:cli", "cli:ticket-4711"]


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["erase", "--tenant", "acme", "--person", " ", "--aws"], 2, "must not be empty"),
        (["erase", "--tenant", "acme", "--person", "x" * 300, "--aws"], 2, "longer than 256"),
        (["erase", "--tenant", "nope", "--person", "erin", "--aws"], 1, "unknown tenant: nope"),
        (["export-person", "--tenant", "nope", "--person", "erin", "--aws"], 1, "unknown tenant: nope"),
        (["sweep", "--tenant", "nope", "--aws"], 1, "unknown tenant: nope"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    aws: Runtime, args: list[str], exit_code: int, message: str
) -> None:
    before = sorted((s.where, s.text) for s in everything_stored(aws))
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == exit_code and message in result.output
    assert sorted((s.where, s.text) for s in everything_stored(aws)) == before


def test_sweep_reports_and_deletes_what_is_past_retention(aws: Runtime) -> None:
    make_tenant(aws, "brief", TenantConfig(retention_days_events=1))
    key = f"{partition_prefix('raw/events', 'brief', DAY)}x.jsonl.gz"
    aws.lake.put_jsonl(key, [{"messageId": "x"}])
    runner = CliRunner()
    dry = runner.invoke(cli, ["sweep", "--tenant", "brief", "--dry-run", "--aws"])
    assert dry.exit_code == 0, dry.output
    [report] = json.loads(dry.stdout)["sweeps"]
    assert report["dry_run"] is True and report["objects_deleted"] == 1
    assert list(aws.lake.list_keys("raw/")) == [key]
    done = runner.invoke(cli, ["sweep", "--aws"])
    assert done.exit_code == 0 and json.loads(done.stdout)["sweeps"][0]["objects_deleted"] == 1
    assert list(aws.lake.list_keys("raw/")) == []
