"""The `touchpoint` command: operator commands for the local stack and AWS."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click

from touchpoint_cli.demo import demo_command
from touchpoint_cli.devserver import base_path_option
from touchpoint_cli.docs import docs
from touchpoint_cli.openapi import openapi_command
from touchpoint_cli.privacy import erase_command, export_person_command, sweep_command
from touchpoint_cli.qr import qr
from touchpoint_cli.rollup import backfill_command, rollup_command
from touchpoint_cli.stack import LocalStack
from touchpoint_cli.tenants import tenants
from touchpoint_cli.train_sentiment import train_sentiment_command
from touchpoint_cli.users import users


@click.group()
@click.version_option(package_name="touchpoint")
def cli() -> None:
    """Touchpoint operator commands."""


def _base_path(_context: click.Context, _parameter: click.Parameter, value: str) -> str:
    try:
        return base_path_option(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@cli.command()
@click.option("--port", default=8000, show_default=True, help="Port of the API on 127.0.0.1.")
@click.option("--aws-port", default=None, type=int, help="Port of the moto server (default: a free one).")
@click.option(
    "--base-path",
    default="",
    callback=_base_path,
    help="Serve every route under this path, e.g. /api (as API Gateway's stage URL does; default: the root).",
)
def dev(port: int, aws_port: int | None, base_path: str) -> None:
    """Start the local stack: moto, the resources of infra/, every HTTP function and a demo tenant."""
    stack = LocalStack(port=port, aws_port=aws_port, base_path=base_path)
    stopping = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        info = stack.start()
        click.echo(
            "\n".join(
                [
                    "Touchpoint local stack is up.",
                    f"  API:          {info.api_url}   (try: curl {info.api_url}/health)",
                    f"  AWS (moto):   {info.aws_endpoint_url}",
                    f"  tenant:       {info.tenant_id}",
                    f"  write key:    {info.write_key}",
                    f"  read key:     {info.read_key}",
                    f"  admin key:    {info.admin_key}",
                    f"  store:        {info.location_id}",
                    f"  admin e-mail: {info.admin_email}   (sign in at {info.api_url}/dashboard/login)",
                    f"  password:     {info.admin_password}",
                    f"  written to:   {stack.state_dir / 'local.json'}",
                    "Press Ctrl-C to stop.",
                ]
            )
        )
        stopping.wait()
    finally:
        stack.stop()
        click.echo("Touchpoint local stack stopped.")


cli.add_command(tenants)
cli.add_command(users)
cli.add_command(rollup_command)
cli.add_command(backfill_command)
cli.add_command(qr)
cli.add_command(demo_command)
cli.add_command(erase_command)
cli.add_command(export_person_command)
cli.add_command(sweep_command)
cli.add_command(train_sentiment_command)
cli.add_command(docs)
cli.add_command(openapi_command)

if __name__ == "__main__":
    cli()
