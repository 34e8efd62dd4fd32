"""Advance widths of Helvetica and Helvetica-Bold (Arial has the same), for centring and fitting text.

Widths are in thousandths of the font size, from the Adobe core font metrics, for the printable
ASCII characters; accented letters take the width of their base letter.
"""

from __future__ import annotations

import unicodedata

_REGULAR = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 "
    "556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 "
    "667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 "
    "556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
)
_BOLD = (
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 "
    "556 556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 "
    "667 778 722 667 611 722 667 944 667 667 611 333 278 333 584 556 333 556 611 556 611 556 333 611 "
    "611 278 278 556 278 889 611 611 611 611 389 556 333 611 556 778 556 556 500 389 280 389 584"
)
_TABLES = {
    False: {chr(32 + i): int(w) for i, w in enumerate(_REGULAR.split())},
    True: {chr(32 + i): int(w) for i, w in enumerate(_BOLD.split())},
}
_SPECIAL = {"ß": 611, "–": 556, "—": 1000, "·": 278, "€": 556, "…": 1000, "„": 333, "“": 333, "”": 333}


def char_width(char: str, bold: bool = False) -> int:
    """Width of one character in thousandths of the font size."""
    table = _TABLES[bold]
    if char in table:
        return table[char]
    if char in _SPECIAL:
        return _SPECIAL[char]
    base = unicodedata.normalize("NFD", char)[:1]
    return table.get(base, 556)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of a line of text set at `size` (same unit as the result)."""
    return sum(char_width(c, bold) for c in text) * size / 1000.0


def wrap(text: str, size: float, max_width: float, bold: bool = False) -> list[str]:
    """Break text into lines no wider than `max_width` at spaces (an over-long word stays whole)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size, bold) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def fit_size(text: str, preferred: float, minimum: float, max_width: float, bold: bool = False) -> float:
    """The largest size between `minimum` and `preferred` at which the text fits on one line."""
    width = text_width(text, preferred, bold)
    if width <= max_width:
        return preferred
    return max(minimum, preferred * max_width / width)
