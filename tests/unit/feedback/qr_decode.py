"""Test helpers: decode PNG images and QR codes (zbar through pyzbar; Debian's libzbar0).

The PNG decoder covers what segno and Chromium write (8-bit grey/RGB/RGBA, 1-8 bit grey and
palette, not interlaced), so the tests need no imaging library.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Sequence
from xml.etree import ElementTree

from pyzbar import pyzbar

Gray = tuple[bytes, int, int]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(data: bytes) -> Gray:
    """A PNG as 8-bit grey pixels: (pixels, width, height)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, palette = 8, b"", b""
    width = height = depth = color = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, chunk = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert interlace == 0, "interlaced PNG"
        elif kind == b"PLTE":
            palette = chunk
        elif kind == b"IDAT":
            idat += chunk
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    bits_per_pixel = channels * depth
    stride = (width * bits_per_pixel + 7) // 8
    bpp = max(1, bits_per_pixel // 8)
    raw = zlib.decompress(idat)
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        filter_type, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + (0, a, b, (a + b) // 2, _paeth(a, b, c))[filter_type]) & 0xFF
        rows.append(line)
        prev = line
    out = bytearray()
    for line in rows:
        for x in range(width):
            if depth < 8:
                per_byte = 8 // depth
                value = (line[x // per_byte] >> (8 - depth * (x % per_byte + 1))) & ((1 << depth) - 1)
                if color == 3:
                    r, g, b = palette[value * 3 : value * 3 + 3]
                    out.append((r * 299 + g * 587 + b * 114) // 1000)
                else:
                    out.append(value * 255 // ((1 << depth) - 1))
            elif color == 3:
                r, g, b = palette[line[x] * 3 : line[x] * 3 + 3]
                out.append((r * 299 + g * 587 + b * 114) // 1000)
            elif channels >= 3:
                r, g, b = line[x * channels : x * channels + 3]
                out.append((r * 299 + g * 587 + b * 114) // 1000)
            else:
                out.append(line[x * channels])
    return bytes(out), width, height


def decode_qr(image: Gray) -> list[str]:
    """The texts of every QR code zbar finds in a grey image."""
    return [symbol.data.decode("utf-8") for symbol in pyzbar.decode(image)]


def decode_qr_png(data: bytes) -> list[str]:
    """The texts of every QR code in a PNG."""
    return decode_qr(decode_png(data))


def raster(rects: Sequence[tuple[float, float, float, float]], width: int, height: int) -> Gray:
    """Paint black rectangles (x, y, w, h in pixels, origin top left) on a white image."""
    pixels = bytearray(b"\xff" * (width * height))
    for x, y, w, h in rects:
        for row in range(max(0, round(y)), min(height, round(y + h))):
            left, right = max(0, round(x)), min(width, round(x + w))
            pixels[row * width + left : row * width + right] = b"\x00" * (right - left)
    return bytes(pixels), width, height


def svg_poster_image(svg: str, px_per_mm: float = 4) -> Gray:
    """Rasterise the QR code of a poster SVG (its module path) into a grey image of the page."""
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    width = float(root.attrib["width"].removesuffix("mm"))
    height = float(root.attrib["height"].removesuffix("mm"))
    path = next(p for p in root.iter(f"{ns}path"))
    tx, ty, scale = map(float, re.findall(r"[-0-9.]+", path.attrib["transform"]))
    rects = [
        (
            (tx + int(c) * scale) * px_per_mm,
            (ty + int(r) * scale) * px_per_mm,
            int(n) * scale * px_per_mm,
            scale * px_per_mm,
        )
        for c, r, n in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path.attrib["d"])
    ]
    return raster(rects, round(width * px_per_mm), round(height * px_per_mm))


def pdf_content(pdf: bytes) -> str:
    """The (deflated) content stream of a one-page poster PDF."""
    return zlib.decompress(pdf.split(b"stream\n", 1)[1].split(b"\nendstream", 1)[0]).decode("ascii")


def pdf_poster_image(pdf: bytes, px_per_pt: float = 3) -> Gray:
    """Rasterise the QR code of a poster PDF (its filled rectangles) into a grey image of the page."""
    box = re.search(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", pdf)
    assert box is not None
    page_w, page_h = float(box.group(1)), float(box.group(2))
    code = pdf_content(pdf).split("0 0 0 rg\n", 1)[1].split("\nf\n", 1)[0]
    rects = []
    for x, y, w, h in (map(float, line.split()[:4]) for line in code.splitlines()):
        rects.append((x * px_per_pt, (page_h - y - h) * px_per_pt, w * px_per_pt, h * px_per_pt))
    return raster(rects, round(page_w * px_per_pt), round(page_h * px_per_pt))
