"""`touchpoint demo` explains what is missing instead of failing obscurely (the full run is in tests/e2e)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from touchpoint_cli import paths
from touchpoint_cli.main import cli
from touchpoint_cli.stack import free_port


def test_demo_without_a_local_stack_says_how_to_start_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paths, "LOCAL_STATE_DIR", tmp_path)
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code != 0
    assert "make dev" in result.output


def test_demo_with_a_stopped_stack_says_it_is_not_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # nothing listens there
    info = {"api_url": f"http://127.0.0.1:{port}", "aws_endpoint_url": f"http://127.0.0.1:{port}"}
    (tmp_path / "local.json").write_text(json.dumps(info))
    monkeypatch.setattr(paths, "LOCAL_STATE_DIR", tmp_path)
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code != 0
    assert "is not running" in result.output and "make dev" in result.output


@pytest.mark.parametrize(("option", "value"), [("--days", "0"), ("--days", "91"), ("--people", "5")])
def test_demo_rejects_sizes_it_cannot_fill(option: str, value: str) -> None:
    result = CliRunner().invoke(cli, ["demo", option, value])
    assert result.exit_code == 2 and option in result.output
