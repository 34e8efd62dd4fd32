"""QR code images with segno: SVG and PNG of a form URL, and the module matrix for posters."""

from __future__ import annotations

import io

import segno

FORM_PATH = "/f/"
ERROR_LEVEL = "m"  # 15 % of the code may be damaged or covered and it still scans
QUIET_ZONE = 4  # modules of white border the QR standard asks for


def form_url(base_url: str, token: str) -> str:
    """The public URL a QR code points to: `<base_url>/f/<token>`."""
    return base_url.rstrip("/") + FORM_PATH + token


def make_code(url: str) -> segno.QRCode:
    """The QR code of a URL: the smallest version at error correction M (or better, if it fits)."""
    return segno.make_qr(url, error=ERROR_LEVEL)


def qr_svg(url: str, *, scale: int = 8, title: str | None = None) -> str:
    """A standalone SVG image of the URL's code (black on white, with the quiet zone)."""
    buffer = io.BytesIO()
    make_code(url).save(
        buffer,
        kind="svg",
        scale=scale,
        border=QUIET_ZONE,
        dark="#000",
        light="#fff",
        title=title,
        xmldecl=True,
        svgns=True,
        nl=False,
    )
    return buffer.getvalue().decode("utf-8")


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """A PNG image of the URL's code (black on white, with the quiet zone)."""
    buffer = io.BytesIO()
    make_code(url).save(buffer, kind="png", scale=scale, border=QUIET_ZONE, dark="#000", light="#fff")
    return buffer.getvalue()


def module_matrix(url: str) -> list[list[bool]]:
    """The code's modules without quiet zone, row by row (True = dark)."""
    return [[bool(cell) for cell in row] for row in make_code(url).matrix]
