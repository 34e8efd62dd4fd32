"""`touchpoint openapi`: write the API contract (docs/openapi.json and the copy insights serves).

The document is built from the route tables of every HTTP function (`touchpoint.web.openapi`);
`--check` writes nothing and fails when either file differs from what the code says.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from touchpoint import __version__
from touchpoint.web.openapi import build_document, render
from touchpoint_cli.apps import load_app
from touchpoint_cli.paths import FUNCTIONS_DIR, HTTP_FUNCTIONS, REPO_ROOT

DOC_PATH = REPO_ROOT / "docs" / "openapi.json"
SERVED_PATH = FUNCTIONS_DIR / "insights" / "chalicelib" / "openapi.json"


def http_apps() -> list[tuple[str, Any]]:
    """Every HTTP function's Chalice app (loading one validates settings: a local stage by default)."""
    os.environ.setdefault("TOUCHPOINT_STAGE", "local")
    return [(name, load_app(name)) for name in HTTP_FUNCTIONS]


def current_document() -> str:
    """The document the code describes, as the committed files spell it."""
    return render(build_document(http_apps(), version=__version__))


def stale_files(text: str, paths: tuple[Path, ...] = (DOC_PATH, SERVED_PATH)) -> list[Path]:
    """The files that do not hold `text`."""
    return [p for p in paths if not p.exists() or p.read_text(encoding="utf-8") != text]


@click.command("openapi")
@click.option("--check", is_flag=True, help="Write nothing; fail when a committed copy is stale.")
def openapi_command(check: bool) -> None:
    """Write docs/openapi.json (and insights' served copy) from the route tables and models."""
    text = current_document()
    stale = stale_files(text)
    if check:
        for path in stale:
            click.echo(f"{path.relative_to(REPO_ROOT)} is stale: run `touchpoint openapi`", err=True)
        if stale:
            raise click.exceptions.Exit(1)
        click.echo("the OpenAPI document is up to date")
        return
    for path in stale:
        path.write_text(text, encoding="utf-8")
        click.echo(f"wrote {path.relative_to(REPO_ROOT)}")
