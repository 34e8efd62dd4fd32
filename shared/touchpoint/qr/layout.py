"""The layout of a printable poster, in millimetres, shared by the SVG and the PDF renderer.

A poster has a coloured band with the store's name, a call to action in the chosen language, the
QR code (about 60 % of the page width, with its quiet zone), the URL for people who cannot scan
and a short reassurance line. Coordinates have their origin at the top left; a text's `y` is its
baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from touchpoint.qr.codes import QUIET_ZONE, module_matrix
from touchpoint.qr.metrics import fit_size, text_width, wrap

PaperSize = Literal["A4", "A5"]
PosterLanguage = Literal["de", "en"]
PAPER_MM: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}
INK = "#111111"
ACCENT = "#0b4f6c"
MUTED = "#444444"
WHITE = "#ffffff"

CALL_TO_ACTION: dict[str, dict[str, str]] = {
    "de": {
        "headline": "Wie war Ihr Besuch?",
        "subline": "Scannen Sie den Code und sagen Sie uns Ihre Meinung – es dauert nur 30 Sekunden.",
        "url_hint": "Kein Scanner? Öffnen Sie:",
        "footer": "Anonym und ohne Anmeldung. Vielen Dank!",
    },
    "en": {
        "headline": "How was your visit?",
        "subline": "Scan the code and tell us what you think – it only takes 30 seconds.",
        "url_hint": "No scanner? Open:",
        "footer": "Anonymous, no sign-up needed. Thank you!",
    },
}


@dataclass(frozen=True)
class TextLine:
    """One centred line of text."""

    text: str
    y: float
    size: float
    bold: bool = False
    color: str = INK


@dataclass(frozen=True)
class Rect:
    """A filled rectangle."""

    x: float
    y: float
    width: float
    height: float
    color: str


@dataclass(frozen=True)
class PosterLayout:
    """Everything a renderer draws, in millimetres."""

    width: float
    height: float
    title: str
    language: str
    rects: tuple[Rect, ...]
    texts: tuple[TextLine, ...]
    qr_x: float
    qr_y: float
    module: float
    matrix: tuple[tuple[bool, ...], ...]

    @property
    def center_x(self) -> float:
        """The horizontal centre every text line is centred on."""
        return self.width / 2


def _url_lines(url: str, size: float, max_width: float) -> list[str]:
    if text_width(url, size) <= max_width:
        return [url]
    # Break a long URL after a slash or dot near the middle, else in the middle.
    middle = len(url) // 2
    cuts = [i + 1 for i, c in enumerate(url) if c in "/." and 0 < i < len(url) - 1]
    cut = min(cuts, key=lambda i: abs(i - middle)) if cuts else middle
    return [url[:cut], url[cut:]]


def layout_poster(
    store_name: str, url: str, *, size: PaperSize = "A4", language: PosterLanguage = "de", label: str = ""
) -> PosterLayout:
    """Place the parts of a poster on a page of the given paper size."""
    if size not in PAPER_MM:
        raise ValueError(f"paper size must be A4 or A5, not {size!r}")
    if language not in CALL_TO_ACTION:
        raise ValueError(f"language must be de or en, not {language!r}")
    texts_of = CALL_TO_ACTION[language]
    width, height = PAPER_MM[size]
    u = width / 210.0  # every length scales with the page width
    margin = 14 * u
    inner = width - 2 * margin
    texts: list[TextLine] = []

    band_height = 34 * u
    name_size = fit_size(store_name, 11 * u, 5 * u, inner, bold=True)
    texts.append(TextLine(store_name, band_height / 2 + name_size * 0.35, name_size, True, WHITE))

    y = band_height + 22 * u
    headline_size = fit_size(texts_of["headline"], 15 * u, 8 * u, inner, bold=True)
    texts.append(TextLine(texts_of["headline"], y, headline_size, True, INK))
    y += 5 * u
    sub_size = 6.2 * u
    for line in wrap(texts_of["subline"], sub_size, inner):
        y += sub_size * 1.35
        texts.append(TextLine(line, y, sub_size, False, MUTED))

    matrix = tuple(tuple(row) for row in module_matrix(url))
    count = len(matrix) + 2 * QUIET_ZONE
    qr_size = width * 0.6
    module = qr_size / count
    qr_x = (width - qr_size) / 2 + QUIET_ZONE * module
    qr_y = y + 4 * u + QUIET_ZONE * module
    y = y + 4 * u + qr_size

    if label:
        label_size = fit_size(label, 5 * u, 3 * u, inner)
        y += label_size * 0.4
        texts.append(TextLine(label, y, label_size, True, MUTED))
    hint_size = 4.2 * u
    y += 9 * u
    texts.append(TextLine(texts_of["url_hint"], y, hint_size, False, MUTED))
    url_size = 3.6 * u
    for line in _url_lines(url, url_size, inner):
        y += url_size * 1.4
        texts.append(TextLine(line, y, url_size, False, INK))

    footer_size = 4.5 * u
    texts.append(TextLine(texts_of["footer"], height - 12 * u, footer_size, False, MUTED))
    rects = (Rect(0, 0, width, band_height, ACCENT), Rect(0, height - 4 * u, width, 4 * u, ACCENT))
    return PosterLayout(
        width=width,
        height=height,
        title=f"{store_name} – {texts_of['headline']}",
        language=language,
        rects=rects,
        texts=tuple(texts),
        qr_x=qr_x,
        qr_y=qr_y,
        module=module,
        matrix=matrix,
    )


def dark_runs(matrix: tuple[tuple[bool, ...], ...]) -> list[tuple[int, int, int]]:
    """Horizontal runs of dark modules as (row, first column, length)."""
    runs: list[tuple[int, int, int]] = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                runs.append((r, start, c - start))
            else:
                c += 1
    return runs
