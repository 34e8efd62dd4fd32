"""`touchpoint qr`: write the printable posters of every touchpoint of a store into a folder.

Reads the store and its touchpoints from DynamoDB and signs each QR token with the tenant's form
secret, exactly as the feedback function does. By default it talks to the running local stack
(`make dev`) through `.touchpoint/local.json`; `--aws` uses the environment as it is
(`TOUCHPOINT_STAGE` and the usual AWS credentials), and then `--tenant` and `--base-url` are
required (the base URL printed on posters should be a stable custom domain).
"""

from __future__ import annotations

from pathlib import Path

import click

from touchpoint.qr.codes import form_url
from touchpoint.qr.layout import PaperSize, PosterLanguage
from touchpoint.qr.poster import PosterFormat, poster
from touchpoint.qr.tokens import token_for
from touchpoint.runtime import Runtime
from touchpoint_cli.target import aws_option, connect, local_info


class PosterError(click.ClickException):
    """The store is unknown or has no touchpoints."""


def write_posters(
    runtime: Runtime,
    tenant_id: str,
    location_id: str,
    out: Path,
    base_url: str,
    *,
    size: PaperSize = "A4",
    fmt: PosterFormat = "pdf",
    language: PosterLanguage | None = None,
) -> tuple[list[Path], list[str]]:
    """Write one poster per active touchpoint; returns the files and the revoked touchpoints skipped."""
    location = runtime.locations.get_location(tenant_id, location_id)
    if location is None:
        raise PosterError(f"tenant '{tenant_id}' has no location '{location_id}'")
    touchpoints = runtime.locations.list_touchpoints(tenant_id, location_id)
    if not touchpoints:
        raise PosterError(f"location '{location_id}' has no touchpoints yet")
    lang: PosterLanguage = language or ("en" if location.default_language == "en" else "de")
    secret = runtime.tenants.get_form_secret(tenant_id)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    skipped: list[str] = []
    for touchpoint in touchpoints:
        if touchpoint.revoked:
            skipped.append(touchpoint.touchpoint_id)
            continue
        url = form_url(base_url, token_for(secret, touchpoint))
        data = poster(location.name, url, size=size, language=lang, fmt=fmt, label=touchpoint.label)
        path = out / f"{location_id}-{touchpoint.touchpoint_id}-{size}-{lang}.{fmt}"
        path.write_bytes(data)
        written.append(path)
    return written, skipped


@click.command("qr")
@click.option("--location", "location_id", required=True, help="The store whose touchpoints get posters.")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the posters (created if missing).",
)
@click.option(
    "--tenant", "tenant_id", default=None, help="Tenant id (default on the local stack: the demo tenant)."
)
@click.option(
    "--base-url", default=None, help="Public base URL of the form (default on the local stack: its API URL)."
)
@click.option("--size", type=click.Choice(["A4", "A5"]), default="A4", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["pdf", "svg"]), default="pdf", show_default=True)
@click.option("--lang", type=click.Choice(["de", "en"]), default=None, help="Default: the store's language.")
@aws_option
def qr(
    location_id: str,
    out: Path,
    tenant_id: str | None,
    base_url: str | None,
    size: str,
    fmt: str,
    lang: str | None,
    use_aws: bool,
) -> None:
    """Write the QR posters of every touchpoint of a store into a folder."""
    if not use_aws:
        info = local_info()
        tenant_id = tenant_id or info["tenant_id"]
        base_url = base_url or info["api_url"]
    if not tenant_id or not base_url:
        raise click.UsageError("--tenant and --base-url are required with --aws")
    written, skipped = write_posters(
        connect(use_aws),
        tenant_id,
        location_id,
        out,
        base_url,
        size="A5" if size == "A5" else "A4",
        fmt="svg" if fmt == "svg" else "pdf",
        language=None if lang is None else ("en" if lang == "en" else "de"),
    )
    for path in written:
        click.echo(str(path))
    for touchpoint_id in skipped:
        click.echo(f"skipped {touchpoint_id}: revoked (rotate it for a new code)", err=True)
    click.echo(f"{len(written)} poster(s) written to {out}", err=True)
