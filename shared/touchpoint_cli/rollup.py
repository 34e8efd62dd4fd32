"""`touchpoint rollup` and `touchpoint backfill`: roll up tenant-days by hand, with a progress bar.

By default they act on the local stack named in `.touchpoint/local.json` (started by `make dev`);
with `--aws` on the AWS account and stage of the environment (credentials as boto3 finds them,
`TOUCHPOINT_STAGE` naming the stage). Either way the rollup runs in this process, exactly as the
worker Lambda runs it, and replaces the days' earlier results.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import click

from touchpoint.rollup.engine_choice import ENGINE_CHOICES, EngineChoice
from touchpoint.rollup.service import RollupResult
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import get_runtime, reset_runtime
from touchpoint.settings import ConfigurationError, get_settings
from touchpoint_cli import paths
from touchpoint_cli.logs import quiet_logs
from touchpoint_cli.stack import local_environment

DATE = click.DateTime(formats=["%Y-%m-%d"])
NO_LOCAL_STACK = "start the local stack with make dev first"


@dataclass(frozen=True)
class Target:
    """Where the commands act: the local stack or an AWS stage."""

    name: str
    stage: str


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 80), timeout=2):
            return True
    except OSError:
        return False


def use_target(aws: bool, state_dir: Path | None = None) -> Target:
    """Point this process at the local stack (default) or at AWS (`--aws`); ClickException if impossible."""
    if aws:
        if not os.environ.get("TOUCHPOINT_STAGE"):
            raise click.ClickException(
                "--aws needs TOUCHPOINT_STAGE (dev, staging or prod) in the environment"
            )
    else:
        state_file = (state_dir or paths.LOCAL_STATE_DIR) / "local.json"
        if not state_file.is_file():
            raise click.ClickException(f"no local stack found ({state_file} is missing): {NO_LOCAL_STACK}")
        try:
            endpoint = str(json.loads(state_file.read_text(encoding="utf-8"))["aws_endpoint_url"])
        except (ValueError, KeyError, TypeError):
            raise click.ClickException(
                f"{state_file} is not a local stack description: {NO_LOCAL_STACK}"
            ) from None
        if not _reachable(endpoint):
            raise click.ClickException(f"the local stack at {endpoint} is not running: {NO_LOCAL_STACK}")
        os.environ.update(local_environment(endpoint))
    reset_runtime()
    try:
        settings = get_settings()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None
    return Target(name="aws" if aws else "local stack", stage=settings.stage)


def days_between(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, inclusive."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def backfill_plan(tenant_ids: Iterable[str], first: date, last: date) -> list[tuple[str, date]]:
    """The tenant-days of a backfill, oldest day first (all tenants of a day together)."""
    tenants = sorted(set(tenant_ids))
    return [(tenant_id, day) for day in days_between(first, last) for tenant_id in tenants]


@dataclass
class BackfillOutcome:
    """What a backfill did."""

    done: list[RollupResult]
    failed: list[tuple[str, date, str]]


def run_plan(
    plan: list[tuple[str, date]],
    run: Callable[[str, date], RollupResult],
    progress: Callable[[tuple[str, date]], None] = lambda _item: None,
) -> BackfillOutcome:
    """Run every tenant-day; a failure is recorded and the others still run."""
    outcome = BackfillOutcome(done=[], failed=[])
    for tenant_id, day in plan:
        try:
            outcome.done.append(run(tenant_id, day))
        except Exception as error:  # reported at the end, one line per failed tenant-day
            outcome.failed.append((tenant_id, day, f"{type(error).__name__}: {error}"))
        progress((tenant_id, day))
    return outcome


def _run_with_progress(
    plan: list[tuple[str, date]], label: str, engine: EngineChoice = "auto"
) -> BackfillOutcome:
    service = build_service(get_runtime())

    def show(item: tuple[str, date] | None) -> str:
        return "" if item is None else f"{item[0]} {item[1].isoformat()}"

    with click.progressbar(length=len(plan), label=label, item_show_func=show, show_pos=True) as bar:
        return run_plan(
            plan,
            lambda tenant_id, day: service.run_day(tenant_id, day, engine=engine),
            lambda item: bar.update(1, item),
        )


def _report(outcome: BackfillOutcome) -> None:
    for result in outcome.done:
        click.echo(
            f"{result.tenant_id} {result.day.isoformat()}: {result.points} metric points, "
            f"{result.input_objects} input objects, engine {result.engine}, run {result.run_id} ({result.status})"
        )
    for tenant_id, day, message in outcome.failed:
        click.echo(f"{tenant_id} {day.isoformat()}: FAILED {message}", err=True)
    if outcome.failed:
        raise click.ClickException(
            f"{len(outcome.failed)} of {len(outcome.done) + len(outcome.failed)} tenant-days failed"
        )


@click.command("rollup")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id.")
@click.option("--date", "day", required=True, type=DATE, help="Tenant-local day, YYYY-MM-DD.")
@click.option("--aws", is_flag=True, help="Act on AWS (TOUCHPOINT_STAGE, credentials from the environment).")
@click.option("--verbose", is_flag=True, help="Show the rollup's log lines.")
@click.option(
    "--engine",
    type=click.Choice(ENGINE_CHOICES),
    default="auto",
    show_default=True,
    help="duckdb (in process), spark (a local SparkSession: pyspark and Java 17), or auto: spark when "
    "the day's raw input window is larger than TOUCHPOINT_SPARK_THRESHOLD_BYTES.",
)
def rollup_command(tenant_id: str, day: datetime, aws: bool, verbose: bool, engine: EngineChoice) -> None:
    """Roll up one tenant-day now (replaces its earlier results)."""
    target = use_target(aws)
    quiet_logs(verbose)
    _require_tenants([tenant_id])
    outcome = _run_with_progress(
        [(tenant_id, day.date())], f"rollup on {target.name} ({target.stage}, engine {engine})", engine
    )
    _report(outcome)


@click.command("backfill")
@click.option("--tenant", "tenant_id", default=None, help="Tenant id (default: every tenant).")
@click.option("--from", "first", required=True, type=DATE, help="First tenant-local day, YYYY-MM-DD.")
@click.option("--to", "last", required=True, type=DATE, help="Last tenant-local day, YYYY-MM-DD (inclusive).")
@click.option("--aws", is_flag=True, help="Act on AWS (TOUCHPOINT_STAGE, credentials from the environment).")
@click.option("--verbose", is_flag=True, help="Show the rollup's log lines.")
def backfill_command(
    tenant_id: str | None, first: datetime, last: datetime, aws: bool, verbose: bool
) -> None:
    """Roll up every day from --from to --to for one tenant or all of them."""
    if first > last:
        raise click.BadParameter("--from must not be after --to", param_hint="--from")
    target = use_target(aws)
    quiet_logs(verbose)
    tenant_ids = [tenant_id] if tenant_id else [t.tenant_id for t in get_runtime().tenants.list_tenants()]
    if not tenant_ids:
        raise click.ClickException(f"no tenants on the {target.name}")
    _require_tenants(tenant_ids)
    plan = backfill_plan(tenant_ids, first.date(), last.date())
    outcome = _run_with_progress(plan, f"backfill on {target.name} ({target.stage})")
    _report(outcome)


def _require_tenants(tenant_ids: list[str]) -> None:
    tenants = get_runtime().tenants
    missing = [t for t in tenant_ids if tenants.get_tenant(t) is None]
    if missing:
        raise click.ClickException(f"unknown tenant: {', '.join(missing)}")
