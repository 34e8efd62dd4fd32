"""`touchpoint erase`, `touchpoint export-person` and `touchpoint sweep`: people's rights and retention.

They act on the local stack (`.touchpoint/local.json`, started by `make dev`) or, with `--aws`, on
the AWS account and stage of the environment, and run in this process without a time limit: an
erasure scans the tenant's whole lake before it answers, an export returns every line, and the
sweep first finishes the erasures an HTTP request left pending. Output is JSON on stdout.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from touchpoint.privacy.erasure import ErasureService
from touchpoint.privacy.export import export_person
from touchpoint.privacy.scheduled import run_privacy
from touchpoint.privacy.subjects import InvalidPersonIdError, check_person_id
from touchpoint.runtime import get_runtime
from touchpoint_cli.logs import quiet_logs
from touchpoint_cli.rollup import use_target

_AWS_HELP = "Act on AWS (TOUCHPOINT_STAGE, credentials from the environment)."


def _person(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    try:
        return check_person_id(value)
    except InvalidPersonIdError as error:
        raise click.BadParameter(str(error)) from None


def _require_tenant(tenant_id: str) -> None:
    if get_runtime().tenants.get_tenant(tenant_id) is None:
        raise click.ClickException(f"unknown tenant: {tenant_id}")


def _echo(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))


@click.command("erase")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id.")
@click.option("--person", "person_id", required=True, callback=_person, help="userId or anonymousId.")
@click.option("--actor", default="cli", show_default=True, help="Who asked (kept in the audit log).")
@click.option("--aws", is_flag=True, help=_AWS_HELP)
@click.option("--verbose", is_flag=True, help="Show the log lines (with the scan's cost).")
def erase_command(tenant_id: str, person_id: str, actor: str, aws: bool, verbose: bool) -> None:
    """Erase a person: ids, links, responses, lake lines; suppress later events; audit it."""
    use_target(aws)
    quiet_logs(verbose)
    _require_tenant(tenant_id)
    outcome = ErasureService(get_runtime()).erase(tenant_id, person_id, actor=f"cli:{actor}")
    _echo(outcome.view())


@click.command("export-person")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id.")
@click.option("--person", "person_id", required=True, callback=_person, help="userId or anonymousId.")
@click.option("--actor", default="cli", show_default=True, help="Who asked (kept in the audit log).")
@click.option(
    "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="Write to a file."
)
@click.option("--aws", is_flag=True, help=_AWS_HELP)
@click.option("--verbose", is_flag=True, help="Show the log lines.")
def export_person_command(
    tenant_id: str, person_id: str, actor: str, output: Path | None, aws: bool, verbose: bool
) -> None:
    """Everything stored about a person, as one JSON document."""
    use_target(aws)
    quiet_logs(verbose)
    _require_tenant(tenant_id)
    document = export_person(get_runtime(), tenant_id, person_id, actor=f"cli:{actor}", max_lines=None)
    if output is None:
        _echo(document)
        return
    output.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    click.echo(f"written to {output}", err=True)


@click.command("sweep")
@click.option("--tenant", "tenant_id", default=None, help="Tenant id (default: every tenant).")
@click.option("--dry-run", is_flag=True, help="Only report what the retention sweep would delete.")
@click.option("--aws", is_flag=True, help=_AWS_HELP)
@click.option("--verbose", is_flag=True, help="Show the log lines.")
def sweep_command(tenant_id: str | None, dry_run: bool, aws: bool, verbose: bool) -> None:
    """Finish pending erasures, then delete what is past each tenant's retention."""
    use_target(aws)
    quiet_logs(verbose)
    if tenant_id is not None:
        _require_tenant(tenant_id)
    run = run_privacy(get_runtime(), datetime.now(UTC), tenant_id=tenant_id, dry_run=dry_run)
    _echo(run.summary())
