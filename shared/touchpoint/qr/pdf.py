"""A minimal PDF writer for one-page posters: filled rectangles and centred Helvetica text.

Writing the few PDF objects a poster needs by hand costs less than a PDF library in every
Lambda package: the page uses the standard Helvetica fonts (every PDF reader has them, nothing is
embedded), text is encoded as WinAnsi (German umlauts and ß included), and the content stream is
deflated.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

from touchpoint.qr.layout import PosterLayout, dark_runs
from touchpoint.qr.metrics import text_width

POINTS_PER_MM = 72 / 25.4


def _color(hex_color: str) -> str:
    value = hex_color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return f"{r:.3f} {g:.3f} {b:.3f}"


def _pdf_string(text: str) -> str:
    """A PDF literal string in WinAnsi encoding, ASCII only (octal escapes for the rest)."""
    out = []
    for byte in text.encode("cp1252", errors="replace"):
        char = chr(byte)
        if char in "\\()":
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "(" + "".join(out) + ")"


def _pdf_text_string(text: str) -> str:
    """A PDF text string (document information) as UTF-16BE hex with a byte order mark."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _number(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def content_stream(layout: PosterLayout) -> str:
    """The page's drawing operators (PDF coordinates: points, origin at the bottom left)."""
    k = POINTS_PER_MM
    page_h = layout.height * k
    ops: list[str] = []
    for rect in layout.rects:
        ops.append(f"{_color(rect.color)} rg")
        y = page_h - (rect.y + rect.height) * k
        ops.append(
            f"{_number(rect.x * k)} {_number(y)} {_number(rect.width * k)} {_number(rect.height * k)} re f"
        )
    ops.append("0 0 0 rg")
    m = layout.module * k
    for row, col, length in dark_runs(layout.matrix):
        x = layout.qr_x * k + col * m
        y = page_h - layout.qr_y * k - (row + 1) * m
        ops.append(f"{_number(x)} {_number(y)} {_number(length * m)} {_number(m)} re")
    ops.append("f")
    for line in layout.texts:
        size = line.size * k
        x = layout.center_x * k - text_width(line.text, size, line.bold) / 2
        y = page_h - line.y * k
        font = "/F2" if line.bold else "/F1"
        ops.append(
            f"BT {_color(line.color)} rg {font} {_number(size)} Tf "
            f"{_number(x)} {_number(y)} Td {_pdf_string(line.text)} Tj ET"
        )
    return "\n".join(ops) + "\n"


def render_pdf(layout: PosterLayout, *, created: datetime | None = None) -> bytes:
    """The poster as a one-page PDF document."""
    k = POINTS_PER_MM
    stream = zlib.compress(content_stream(layout).encode("ascii"), 9)
    stamp = (created or datetime.now(UTC)).strftime("D:%Y%m%d%H%M%SZ")
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_number(layout.width * k)} "
            f"{_number(layout.height * k)}] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> "
            f"/Contents 6 0 R >>"
        ).encode("ascii"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode("ascii")
        + stream
        + b"\nendstream",
        (
            f"<< /Title {_pdf_text_string(layout.title)} /Producer (Touchpoint) /CreationDate ({stamp}) >>"
        ).encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode("ascii")
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode("ascii")
    return bytes(out)
