"""Score bands: the one place that says which NPS, CSAT and CES values count as what.

Case rules open cases for the unhappy bands; the inbox filters answers and cases by band name.
A band is named `<kind>_<label>` (`nps_detractor`, `csat_low`, `ces_high_effort`, ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Band:
    """A named range `[low, high]` of one score kind; `unhappy` bands may open a case."""

    name: str
    kind: str
    low: int
    high: int
    unhappy: bool = False

    def holds(self, kind: str, value: int) -> bool:
        """Whether a score of `kind` with `value` lies in this band."""
        return kind == self.kind and self.low <= value <= self.high


#: Every band, per kind from worst to best (NPS 0-10, CSAT 1-5, CES 1-7 where 7 is the most effort).
BANDS: tuple[Band, ...] = (
    Band("nps_detractor", "nps", 0, 6, unhappy=True),
    Band("nps_passive", "nps", 7, 8),
    Band("nps_promoter", "nps", 9, 10),
    Band("csat_low", "csat", 1, 2, unhappy=True),
    Band("csat_neutral", "csat", 3, 3),
    Band("csat_high", "csat", 4, 5),
    Band("ces_high_effort", "ces", 5, 7, unhappy=True),
    Band("ces_neutral", "ces", 4, 4),
    Band("ces_low_effort", "ces", 1, 3),
)
BAND_NAMES: tuple[str, ...] = tuple(band.name for band in BANDS)
_BY_NAME = {band.name: band for band in BANDS}


def band(name: str) -> Band:
    """The band called `name` (KeyError for an unknown name)."""
    return _BY_NAME[name]


def band_of(kind: str, value: int) -> Band | None:
    """The band a score falls in, or None (a `rating` or a value off the scale)."""
    return next((b for b in BANDS if b.holds(kind, value)), None)


def bands_of(scores: Iterable[tuple[str, int]]) -> list[str]:
    """The band names of `(kind, value)` scores, in order, without repeats."""
    names: list[str] = []
    for kind, value in scores:
        found = band_of(kind, value)
        if found is not None and found.name not in names:
            names.append(found.name)
    return names
