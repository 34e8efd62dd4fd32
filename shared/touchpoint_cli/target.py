"""Where operator commands act: the local stack of `.touchpoint/local.json`, or AWS with `--aws`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from touchpoint.runtime import Runtime, get_runtime, reset_runtime
from touchpoint_cli import paths
from touchpoint_cli.stack import local_environment


def local_info(state_dir: Path | None = None) -> dict[str, str]:
    """The local stack's URLs and demo keys; a clear error when it is not running."""
    path = (state_dir or paths.LOCAL_STATE_DIR) / "local.json"
    if not path.exists():
        raise click.ClickException(
            f"{path} not found: start the local stack with `make dev` first (or pass --aws)"
        )
    info: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return info


def connect(use_aws: bool, state_dir: Path | None = None) -> Runtime:
    """Point the runtime at the local stack (default) or at the environment's AWS account."""
    if not use_aws:
        os.environ.update(local_environment(local_info(state_dir)["aws_endpoint_url"]))
    elif not os.environ.get("TOUCHPOINT_STAGE"):
        raise click.ClickException("set TOUCHPOINT_STAGE (dev, staging or prod) to use --aws")
    reset_runtime()
    return get_runtime()


aws_option = click.option(
    "--aws",
    "use_aws",
    is_flag=True,
    help="Act on the AWS account of the environment instead of the local stack.",
)
