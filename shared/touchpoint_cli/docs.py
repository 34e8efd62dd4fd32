"""`touchpoint docs metrics`: regenerate docs/METRICS.md from the metric registry (or `--check` it)."""

from __future__ import annotations

from pathlib import Path

import click

from touchpoint.metrics.docs import DOC_PATH, main


@click.group()
def docs() -> None:
    """Documents generated from the code."""


@docs.command("metrics")
@click.option("--check", is_flag=True, help="Write nothing; fail when the file is stale.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=DOC_PATH, show_default=True)
def metrics_command(check: bool, out: Path) -> None:
    """Write docs/METRICS.md from the metric registry (touchpoint.metrics)."""
    code = main([*(["--check"] if check else []), "--out", str(out)])
    if code:
        raise click.exceptions.Exit(code)
