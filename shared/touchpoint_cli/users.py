"""`touchpoint users invite | list | set-role | remove`: team accounts for operators."""

from __future__ import annotations

import json

import click

from touchpoint.accounts.service import AccountService
from touchpoint.models.users import Role, UserRecord
from touchpoint.storage.audit import Operator
from touchpoint.web.errors import ApiError
from touchpoint_cli.target import aws_option, connect

ROLE_CHOICE = click.Choice([r.value for r in Role])


@click.group()
def users() -> None:
    """Manage a tenant's team accounts (Cognito users with a role and an optional store scope)."""


def _member(accounts: AccountService, tenant_id: str, email: str) -> UserRecord:
    record = accounts.users.find_by_email(email)
    if record is None or record.tenant_id != tenant_id:
        raise click.ClickException(f"no user {email!r} in tenant {tenant_id!r}")
    return record


def _refused(error: ApiError) -> click.ClickException:
    return click.ClickException(f"{error.message} ({error.code})")


def _json(record: UserRecord) -> str:
    return json.dumps(record.model_dump(mode="json", exclude={"session_version"}), indent=2)


@users.command("invite")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--email", required=True)
@click.option("--role", type=ROLE_CHOICE, required=True)
@click.option("--location", "locations", multiple=True, help="A store this person is limited to (repeat).")
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True)
@click.option(
    "--sign-in-url",
    default="",
    help="The sign-in page named in the e-mail (default: TOUCHPOINT_PUBLIC_BASE_URL).",
)
@aws_option
def invite(
    tenant_id: str,
    email: str,
    role: str,
    locations: tuple[str, ...],
    lang: str,
    sign_in_url: str,
    use_aws: bool,
) -> None:
    """Invite someone: a Cognito user with a temporary password, e-mailed when a sender is configured."""
    runtime = connect(use_aws)
    base = getattr(runtime.settings, "public_base_url", "").rstrip("/")
    link = sign_in_url or f"{base}/dashboard/login?lang={lang}"
    try:
        invitation = runtime.accounts.invite(
            Operator(tenant_id), email, role, locations, sign_in_url=link, lang="en" if lang == "en" else "de"
        )
    except ApiError as error:
        raise _refused(error) from None
    click.echo(_json(invitation.user))
    if invitation.mailed:
        click.echo(f"Invitation e-mailed to {invitation.user.email}.", err=True)
    else:
        click.echo(
            f"No e-mail was sent: pass on the temporary password {invitation.temporary_password} "
            "(shown once, valid 7 days).",
            err=True,
        )


@users.command("list")
@click.option("--tenant", "tenant_id", required=True)
@aws_option
def list_users(tenant_id: str, use_aws: bool) -> None:
    """List the tenant's users: e-mail, role, status and stores."""
    runtime = connect(use_aws)
    for record in runtime.accounts.list_users(tenant_id):
        stores = ",".join(record.locations) or "*"
        click.echo(f"{record.email}\t{record.role.value}\t{record.status.value}\t{stores}")


@users.command("set-role")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--email", required=True)
@click.option("--role", type=ROLE_CHOICE, required=True)
@click.option(
    "--location", "locations", multiple=True, help="Replace the store scope (repeat; none: unchanged)."
)
@click.option("--every-store", is_flag=True, help="Remove the store scope.")
@aws_option
def set_role(
    tenant_id: str, email: str, role: str, locations: tuple[str, ...], every_store: bool, use_aws: bool
) -> None:
    """Change a user's role (and store scope); it applies to their next request."""
    if every_store and locations:
        raise click.BadParameter("give --location or --every-store, not both", param_hint="--every-store")
    runtime = connect(use_aws)
    record = _member(runtime.accounts, tenant_id, email)
    scope = () if every_store else (locations or None)
    try:
        changed = runtime.accounts.change(Operator(tenant_id), record.user_id, role=role, locations=scope)
    except ApiError as error:
        raise _refused(error) from None
    click.echo(_json(changed))


@users.command("remove")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--email", required=True)
@aws_option
def remove(tenant_id: str, email: str, use_aws: bool) -> None:
    """Delete a user in Cognito and Touchpoint; their open sessions end at once."""
    runtime = connect(use_aws)
    record = _member(runtime.accounts, tenant_id, email)
    runtime.accounts.remove(Operator(tenant_id), record.user_id)
    click.echo(f"removed {record.email}")
