"""Character-level normalisation: Unicode clean-up and the folded lookup key of a word."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Umlauts and ß are folded to their two-letter transliterations so that "Grüße", "Gruesse" and
# "GRÜSSE" share one key; other accented letters lose their accent ("Café" -> "cafe").
_FOLD_TABLE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'", "ʼ": "'"})
_DASHES = str.maketrans({"‐": "-", "‑": "-", "‒": "-"})
_REPEATS = re.compile(r"(\w)\1{2,}")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u2060\ufeff]")


def clean(text: str) -> str:
    """NFC-normalise, unify apostrophes and hyphens, and drop invisible characters."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    return text.translate(_APOSTROPHES).translate(_DASHES)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Return the lookup key of a word: lower-case, umlauts/ß transliterated, other accents removed."""
    lowered = word.lower().translate(_FOLD_TABLE)
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def collapse_repeats(word: str) -> str:
    """Shorten letters repeated three or more times ("suuuper" -> "super")."""
    return _REPEATS.sub(r"\1", word)


def has_repeats(word: str) -> bool:
    """True if a letter is repeated three or more times in a row (an emphasis marker)."""
    return _REPEATS.search(word) is not None
