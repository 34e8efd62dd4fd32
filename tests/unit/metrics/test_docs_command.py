"""`touchpoint docs metrics`: writes the doc, and `--check` fails on a stale one without writing."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from touchpoint.metrics.docs import render
from touchpoint_cli.main import cli


def test_docs_metrics_writes_and_checks(tmp_path: Path) -> None:
    out = tmp_path / "METRICS.md"
    out.write_text("stale\n", encoding="utf-8")
    runner = CliRunner()
    stale = runner.invoke(cli, ["docs", "metrics", "--check", "--out", str(out)])
    assert stale.exit_code == 1 and out.read_text(encoding="utf-8") == "stale\n"
    written = runner.invoke(cli, ["docs", "metrics", "--out", str(out)])
    assert written.exit_code == 0 and out.read_text(encoding="utf-8") == render()
    assert runner.invoke(cli, ["docs", "metrics", "--check", "--out", str(out)]).exit_code == 0
