"""`touchpoint tenants create | list | rotate-key | revoke-key | set-retention`."""

from __future__ import annotations

import json

import click
from pydantic import ValidationError

from touchpoint.models.tenants import (
    MAX_RETENTION_DAYS_EVENTS,
    MAX_RETENTION_DAYS_RESPONSES,
    KeyKind,
    TenantConfig,
    is_valid_tenant_id,
)
from touchpoint.storage.tenants import TenantExistsError, TenantNotFoundError
from touchpoint_cli.target import aws_option, connect

KIND_CHOICE = click.Choice([k.value for k in KeyKind])


@click.group()
def tenants() -> None:
    """Manage tenants and their API keys (only key hashes are stored; keys are shown once)."""


@tenants.command("create")
@click.argument("tenant_id")
@click.option("--name", required=True, help="Display name of the brand.")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone of the tenant's days.")
@click.option(
    "--currency", default="EUR", show_default=True, help="ISO 4217 code of the tenant's money amounts."
)
@aws_option
def create(tenant_id: str, name: str, timezone: str, currency: str, use_aws: bool) -> None:
    """Create a tenant with one write, one read and one admin key."""
    if not is_valid_tenant_id(tenant_id):
        raise click.BadParameter("2-63 lowercase letters, digits or dashes", param_hint="TENANT_ID")
    runtime = connect(use_aws)
    try:
        config = TenantConfig(timezone=timezone, currency=currency)
    except ValidationError as error:
        problem = error.errors()[0]
        option = f"--{problem['loc'][0]}" if problem["loc"] else "--timezone"
        raise click.BadParameter(problem["msg"].removeprefix("Value error, "), param_hint=option) from None
    try:
        runtime.tenants.create_tenant(tenant_id, name, config)
    except TenantExistsError:
        raise click.ClickException(f"tenant {tenant_id!r} exists already") from None
    keys = {kind.value: runtime.tenants.issue_key(tenant_id, kind)[0] for kind in KeyKind}
    click.echo(json.dumps({"tenant_id": tenant_id, "keys": keys}, indent=2))
    click.echo("Store these keys now: they cannot be shown again.", err=True)


@tenants.command("list")
@aws_option
def list_tenants(use_aws: bool) -> None:
    """List tenants with their active keys (ids and kinds, never the keys)."""
    runtime = connect(use_aws)
    for tenant in runtime.tenants.list_tenants():
        keys = [f"{k.kind.value}:{k.key_id}" for k in runtime.tenants.list_keys(tenant.tenant_id) if k.active]
        click.echo(f"{tenant.tenant_id}\t{tenant.name}\t{tenant.config.timezone}\t{' '.join(keys)}")


@tenants.command("rotate-key")
@click.argument("tenant_id")
@click.option("--kind", type=KIND_CHOICE, required=True)
@click.option("--keep-old", is_flag=True, help="Keep the old keys of that kind active (revoke them later).")
@aws_option
def rotate_key(tenant_id: str, kind: str, keep_old: bool, use_aws: bool) -> None:
    """Issue a new key of a kind and revoke the tenant's previous keys of that kind."""
    runtime = connect(use_aws)
    key_kind = KeyKind(kind)
    try:
        old = [k for k in runtime.tenants.list_keys(tenant_id) if k.kind is key_kind and k.active]
        key, record = runtime.tenants.issue_key(tenant_id, key_kind)
    except TenantNotFoundError:
        raise click.ClickException(f"no tenant {tenant_id!r}") from None
    if not keep_old:
        for previous in old:
            runtime.tenants.revoke_key(tenant_id, previous.key_id)
    click.echo(json.dumps({"tenant_id": tenant_id, "kind": kind, "key_id": record.key_id, "key": key}))
    click.echo(f"revoked: {', '.join(k.key_id for k in old) if old and not keep_old else 'none'}", err=True)


@tenants.command("revoke-key")
@click.argument("tenant_id")
@click.argument("key_id")
@aws_option
def revoke_key(tenant_id: str, key_id: str, use_aws: bool) -> None:
    """Revoke one key by id: it fails from the next request on."""
    runtime = connect(use_aws)
    try:
        runtime.tenants.revoke_key(tenant_id, key_id)
    except KeyError:
        raise click.ClickException(f"tenant {tenant_id!r} has no key {key_id!r}") from None
    click.echo(f"revoked {key_id}")


@tenants.command("set-retention")
@click.argument("tenant_id")
@click.option(
    "--events", "events", type=int, help=f"Days raw events are kept (1-{MAX_RETENTION_DAYS_EVENTS})."
)
@click.option(
    "--responses", "responses", type=int, help=f"Days responses are kept (1-{MAX_RETENTION_DAYS_RESPONSES})."
)
@click.option(
    "--comments",
    "comments",
    help="Days comment texts are kept (at most the responses' days), or 'responses' for as long as responses.",
)
@aws_option
def set_retention(
    tenant_id: str, events: int | None, responses: int | None, comments: str | None, use_aws: bool
) -> None:
    """Change a tenant's retention; the daily sweep applies a shorter one from its next run."""
    runtime = connect(use_aws)
    tenant = runtime.tenants.get_tenant(tenant_id)
    if tenant is None:
        raise click.ClickException(f"no tenant {tenant_id!r}")
    update: dict[str, int | None] = {}
    if events is not None:
        update["retention_days_events"] = events
    if responses is not None:
        update["retention_days_responses"] = responses
    if comments is not None:
        if comments == "responses":
            update["retention_days_comments"] = None
        elif comments.isdigit():
            update["retention_days_comments"] = int(comments)
        else:
            raise click.BadParameter("a number of days or 'responses'", param_hint="--comments")
    try:
        config = TenantConfig.model_validate({**tenant.config.model_dump(), **update})
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "retention"
        raise click.ClickException(f"{where}: {first['msg']}") from None
    runtime.tenants.update_config(tenant_id, config)
    click.echo(json.dumps({"tenant_id": tenant_id, **retention_view(config)}))


def retention_view(config: TenantConfig) -> dict[str, int]:
    """A tenant's effective retention in days (events, responses, comments)."""
    return {
        "retention_days_events": config.retention_days_events,
        "retention_days_responses": config.retention_days_responses,
        "retention_days_comments": config.comment_retention_days,
    }
