"""Printable posters of a touchpoint's QR code: SVG (for the web and print shops) and PDF."""

from __future__ import annotations

from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from touchpoint.qr.layout import PaperSize, PosterLanguage, PosterLayout, dark_runs, layout_poster
from touchpoint.qr.pdf import render_pdf

PosterFormat = Literal["svg", "pdf"]
FONT_FAMILY = "Helvetica, Arial, 'Liberation Sans', sans-serif"


def _n(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text or "0"


def render_svg(layout: PosterLayout) -> str:
    """The poster as a standalone SVG document sized in millimetres."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(layout.width)}mm" height="{_n(layout.height)}mm" '
        f'viewBox="0 0 {_n(layout.width)} {_n(layout.height)}" lang="{layout.language}" role="img">',
        f"<title>{escape(layout.title)}</title>",
        f'<rect width="{_n(layout.width)}" height="{_n(layout.height)}" fill="#fff"/>',
    ]
    for rect in layout.rects:
        parts.append(
            f'<rect x="{_n(rect.x)}" y="{_n(rect.y)}" width="{_n(rect.width)}" '
            f'height="{_n(rect.height)}" fill="{rect.color}"/>'
        )
    path = "".join(f"M{c} {r}h{length}v1h-{length}z" for r, c, length in dark_runs(layout.matrix))
    parts.append(
        f'<path transform="translate({_n(layout.qr_x)} {_n(layout.qr_y)}) scale({_n(layout.module)})" '
        f'fill="#000" shape-rendering="crispEdges" d="{path}"/>'
    )
    for line in layout.texts:
        weight = ' font-weight="bold"' if line.bold else ""
        parts.append(
            f'<text x="{_n(layout.center_x)}" y="{_n(line.y)}" font-size="{_n(line.size)}" '
            f'font-family={quoteattr(FONT_FAMILY)}{weight} fill="{line.color}" '
            f'text-anchor="middle">{escape(line.text)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def poster(
    store_name: str,
    url: str,
    *,
    size: PaperSize = "A4",
    language: PosterLanguage = "de",
    fmt: PosterFormat = "svg",
    label: str = "",
) -> bytes:
    """A poster with the store's name, a call to action in `language` and the QR code of `url`."""
    layout = layout_poster(store_name, url, size=size, language=language, label=label)
    if fmt == "svg":
        return render_svg(layout).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(layout)
    raise ValueError(f"poster format must be svg or pdf, not {fmt!r}")


CONTENT_TYPES: dict[str, str] = {"svg": "image/svg+xml", "pdf": "application/pdf"}
