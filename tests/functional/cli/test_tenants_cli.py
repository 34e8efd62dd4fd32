"""`touchpoint tenants ...` against moto (the `--aws` path, with moto standing in for AWS)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from touchpoint.models.tenants import KeyKind
from touchpoint.runtime import Runtime, get_runtime
from touchpoint_cli.main import cli


def test_create_list_rotate_and_revoke(aws: Runtime) -> None:
    runner = CliRunner()
    created = runner.invoke(
        cli, ["tenants", "create", "acme", "--name", "Acme", "--timezone", "Europe/Berlin", "--aws"]
    )
    assert created.exit_code == 0, created.output
    keys = json.loads(created.stdout)["keys"]
    assert set(keys) == {"write", "read", "admin"}
    runtime = get_runtime()
    old_write = runtime.tenants.find_key(keys["write"])
    assert old_write is not None
    assert old_write.active
    config = runtime.tenants.get_tenant("acme").config  # type: ignore[union-attr]
    assert config.currency == "EUR"  # the default
    swiss = runner.invoke(cli, ["tenants", "create", "zurich", "--name", "Z", "--currency", "CHF", "--aws"])
    assert swiss.exit_code == 0, swiss.output
    assert runtime.tenants.get_tenant("zurich").config.currency == "CHF"  # type: ignore[union-attr]

    listed = runner.invoke(cli, ["tenants", "list", "--aws"])
    assert listed.exit_code == 0
    assert listed.stdout.startswith("acme\tAcme\tEurope/Berlin\t")
    assert keys["write"] not in listed.stdout

    rotated = runner.invoke(cli, ["tenants", "rotate-key", "acme", "--kind", "write", "--aws"])
    assert rotated.exit_code == 0, rotated.output
    new_key = json.loads(rotated.stdout)["key"]
    revoked_old = get_runtime().tenants.find_key(keys["write"])
    assert revoked_old is not None
    assert not revoked_old.active
    new_record = get_runtime().tenants.find_key(new_key)
    assert new_record is not None
    assert new_record.kind is KeyKind.WRITE

    revoked = runner.invoke(cli, ["tenants", "revoke-key", "acme", new_record.key_id, "--aws"])
    assert revoked.exit_code == 0
    final = get_runtime().tenants.find_key(new_key)
    assert final is not None
    assert not final.active


def test_bad_input_is_refused_and_nothing_is_written(aws: Runtime) -> None:
    runner = CliRunner()
    bad_id = runner.invoke(cli, ["tenants", "create", "Bad_Id", "--name", "x", "--aws"])
    assert bad_id.exit_code == 2
    assert "lowercase" in bad_id.output
    bad_zone = runner.invoke(
        cli, ["tenants", "create", "acme", "--name", "x", "--timezone", "Mars/Base", "--aws"]
    )
    assert bad_zone.exit_code == 2
    assert "unknown IANA time zone" in bad_zone.output
    bad_currency = runner.invoke(
        cli, ["tenants", "create", "acme", "--name", "x", "--currency", "euro", "--aws"]
    )
    assert bad_currency.exit_code == 2
    assert "--currency" in bad_currency.output and "should match pattern" in bad_currency.output
    assert get_runtime().tenants.list_tenants() == []
    runner.invoke(cli, ["tenants", "create", "acme", "--name", "Acme", "--aws"])
    again = runner.invoke(cli, ["tenants", "create", "acme", "--name", "Acme", "--aws"])
    assert again.exit_code == 1
    assert "exists already" in again.output
    unknown = runner.invoke(cli, ["tenants", "revoke-key", "acme", "nokey", "--aws"])
    assert unknown.exit_code == 1
    assert "has no key 'nokey'" in unknown.output


def test_local_target_needs_a_running_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("touchpoint_cli.paths.LOCAL_STATE_DIR", tmp_path)
    result = CliRunner().invoke(cli, ["tenants", "list"])
    assert result.exit_code == 1
    assert "local.json not found: start the local stack with `make dev` first" in result.output
