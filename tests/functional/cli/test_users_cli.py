"""`touchpoint users invite | list | set-role | remove` against moto (the `--aws` path)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from click.testing import CliRunner

from tests.conftest import TenantKeys
from touchpoint.models.users import Role
from touchpoint.runtime import Runtime
from touchpoint_cli.main import cli


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["users", *args, "--aws"])
    return result.exit_code, result.stdout, result.stderr


def test_invite_list_set_role_and_remove(aws: Runtime, tenant: TenantKeys) -> None:
    aws.locations.create_location(tenant.tenant_id, "berlin", "Berlin")
    code, out, err = _run(
        "invite",
        "--tenant",
        "acme",
        "--email",
        "Max@Acme.example",
        "--role",
        "editor",
        "--location",
        "berlin",
    )
    assert code == 0, out + err
    invited = json.loads(out)
    assert (invited["email"], invited["role"], invited["locations"]) == (
        "max@acme.example",
        "editor",
        ["berlin"],
    )
    assert "temporary password" in err  # no sender configured: shown once to the operator
    assert "session_salt" not in out

    code, out, _ = _run("list", "--tenant", "acme")
    assert code == 0 and out == "max@acme.example\teditor\tinvited\tberlin\n"

    code, out, _ = _run(
        "set-role", "--tenant", "acme", "--email", "max@acme.example", "--role", "viewer", "--every-store"
    )
    assert code == 0, out
    record = aws.users.find_by_email("max@acme.example")
    assert record is not None and (record.role, record.locations) == (Role.VIEWER, ())

    code, out, _ = _run("remove", "--tenant", "acme", "--email", "max@acme.example")
    assert code == 0 and aws.users.find_by_email("max@acme.example") is None
    today = [e.action for e in aws.audit.list("acme", *_days())]
    assert today == ["users.remove", "users.change", "users.invite"]
    assert {e.actor for e in aws.audit.list("acme", *_days())} == {"operator:cli"}


def test_refusals_name_the_problem_and_store_nothing(aws: Runtime, tenant: TenantKeys) -> None:
    code, _, err = _run("invite", "--tenant", "acme", "--email", "nope", "--role", "viewer")
    assert code == 1 and "invalid_email" in err
    code, _, err = _run(
        "invite", "--tenant", "acme", "--email", "a@acme.example", "--role", "viewer", "--location", "paris"
    )
    assert code == 1 and "unknown store: paris" in err
    assert (
        CliRunner()
        .invoke(cli, ["users", "invite", "--tenant", "acme", "--email", "a@x.de", "--role", "owner"])
        .exit_code
        == 2
    )
    code, _, err = _run("set-role", "--tenant", "acme", "--email", "ghost@acme.example", "--role", "admin")
    assert code == 1 and "no user" in err
    code, _, err = _run("remove", "--tenant", "globex", "--email", "a@acme.example")
    assert code == 1
    assert aws.users.list("acme") == []


def _days() -> tuple[date, date]:
    today = datetime.now(UTC).date()
    return today, today
