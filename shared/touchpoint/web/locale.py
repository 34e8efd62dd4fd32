"""The pages' languages and formats: German and English, Accept-Language, numbers, dates, money.

One Accept-Language parser (with q-values) picks the language of every HTML page; the
formatters write numbers, percentages, dates and amounts the way each language does
(de: `1.234,56 €`, `31.05.2024`; en: `€1,234.56`, `2024-05-31`). Nothing here imports a
template engine: plain functions the pages' templates call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Final, Literal

Lang = Literal["de", "en"]
LANGS: Final[tuple[Lang, ...]] = ("de", "en")
DEFAULT_LANG: Final[Lang] = "de"
DEFAULT_CURRENCY: Final = "EUR"
#: What a missing value shows as.
MISSING: Final = "–"

_BY_CODE: Final[dict[str, Lang]] = {"de": "de", "en": "en"}
_MAX_RANGES = 32
_MAX_HEADER = 1024
_RANGE = re.compile(r"^(\*|[a-z]{1,8}(-[a-z0-9]{1,8})*)$")

#: Symbols of common currencies (others are shown by their ISO 4217 code).
_SYMBOLS: Final[dict[str, str]] = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹"}
#: Minor-unit digits where they are not 2 (ISO 4217).
_DIGITS: Final[dict[str, int]] = {
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "CLP": 0,
    "VND": 0,
    "BHD": 3,
    "KWD": 3,
    "JOD": 3,
    "OMR": 3,
    "TND": 3,
}


def texts_in(table: Mapping[str, Mapping[Lang, str]], lang: Lang) -> dict[str, str]:
    """Every text of a `{key: {"de": ..., "en": ...}}` table in one language."""
    return {key: value[lang] for key, value in table.items()}


def as_lang(code: str | None, supported: Sequence[Lang] = LANGS) -> Lang | None:
    """`code` as a supported language (`EN` -> `en`), or None."""
    lang = _BY_CODE.get((code or "").strip().lower())
    return lang if lang in supported else None


def parse_accept_language(header: str | None) -> list[tuple[str, float]]:
    """An Accept-Language header's language ranges with their q-values, best first.

    Ties keep the header's order; `q=0`, a q-value that is not a number in 0..1 and a
    malformed range are left out (a malformed header gives an empty list).
    """
    if not header or len(header) > _MAX_HEADER:
        return []
    ranges: list[tuple[int, str, float]] = []
    for position, part in enumerate(header.split(",")[:_MAX_RANGES]):
        tag, *params = (p.strip() for p in part.split(";"))
        tag = tag.lower()
        if not _RANGE.match(tag):
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if 0 < quality <= 1:
            ranges.append((position, tag, quality))
    ranges.sort(key=lambda r: (-r[2], r[0]))
    return [(tag, quality) for _, tag, quality in ranges]


def negotiate(
    accept_language: str | None,
    *chosen: str | None,
    default: str = DEFAULT_LANG,
    supported: Sequence[Lang] = LANGS,
) -> Lang:
    """The language of a page.

    The first supported explicit choice in `chosen` (a `?lang=`, a form field, a cookie) wins;
    then the best supported range of Accept-Language (`de-CH;q=0.8, en;q=0.9` -> en; a `*`
    ranked before any supported range means "any": the default); then `default` when it is
    supported, else the first supported language.
    """
    supported = supported or LANGS
    for candidate in chosen:
        lang = as_lang(candidate, supported)
        if lang is not None:
            return lang
    fallback = as_lang(default, supported) or supported[0]
    for tag, _ in parse_accept_language(accept_language):
        if tag == "*":
            return fallback
        lang = as_lang(tag.split("-", 1)[0], supported)
        if lang is not None:
            return lang
    return fallback


def format_number(lang: Lang, value: float | None, decimals: int = 0) -> str:
    """`1.234,5` in German, `1,234.5` in English; `–` for no value."""
    if value is None:
        return MISSING
    text = f"{value:,.{decimals}f}"
    if lang == "de":
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_percent(lang: Lang, share: float | None, decimals: int = 1) -> str:
    """A share as a percentage: `77,4 %` in German, `77.4%` in English (0.774 -> 77.4)."""
    if share is None:
        return MISSING
    number = format_number(lang, share * 100, decimals)
    return f"{number} %" if lang == "de" else f"{number}%"


def format_change(lang: Lang, change_pct: float | None) -> str:
    """A signed change in percent: `+12,3 %` / `−4.0%`; `–` for none."""
    if change_pct is None:
        return MISSING
    sign = "+" if change_pct >= 0 else "−"
    number = format_number(lang, abs(change_pct), 1)
    return f"{sign}{number} %" if lang == "de" else f"{sign}{number}%"


def currency_digits(currency: str) -> int:
    """The minor-unit digits of an ISO 4217 currency (2 unless it has none or three)."""
    return _DIGITS.get(currency, 2)


def format_money(lang: Lang, amount: float | None, currency: str = DEFAULT_CURRENCY) -> str:
    """An amount in a currency: de `1.234,56 €` / `1.234,56 CHF`, en `€1,234.56` / `CHF 1,234.56`."""
    if amount is None:
        return MISSING
    code = currency.upper()
    number = format_number(lang, abs(amount), currency_digits(code))
    sign = "-" if amount < 0 and number.strip("0.,") else ""
    symbol = _SYMBOLS.get(code, code)
    if lang == "de":
        return f"{sign}{number} {symbol}"
    return f"{sign}{symbol}{' ' if symbol.isalpha() else ''}{number}"


def currency_symbol(currency: str) -> str:
    """The symbol a page shows for a currency (`€`, `$`, or the code itself, e.g. `CHF`)."""
    return _SYMBOLS.get(currency.upper(), currency.upper())


def format_date(lang: Lang, day: date) -> str:
    """`31.05.2024` / `2024-05-31`."""
    return f"{day.day:02d}.{day.month:02d}.{day.year}" if lang == "de" else day.isoformat()


def format_day(lang: Lang, day: date) -> str:
    """A short axis label: `31.05.` / `05-31`."""
    return f"{day.day:02d}.{day.month:02d}." if lang == "de" else f"{day.month:02d}-{day.day:02d}"


class Texts:
    """A function's page texts in every language, looked up by key with `{name}` placeholders.

    Made once at import: a key missing in one language is a ValueError naming it, so a page can
    never show a key instead of a text.
    """

    def __init__(self, by_lang: Mapping[Lang, Mapping[str, str]]) -> None:
        if set(by_lang) != set(LANGS):
            raise ValueError(f"texts must be given in {', '.join(LANGS)}, not {', '.join(sorted(by_lang))}")
        keys = set().union(*(set(texts) for texts in by_lang.values()))
        for lang, texts in by_lang.items():
            missing = sorted(keys - set(texts))
            if missing:
                raise ValueError(f"texts in {lang} lack {', '.join(missing)}")
        self._by_lang = {lang: dict(texts) for lang, texts in by_lang.items()}

    def __call__(self, lang: str, key: str, **values: object) -> str:
        """The text `key` in `lang` (German for an unknown language), placeholders filled."""
        texts = self._by_lang.get(as_lang(lang) or DEFAULT_LANG, self._by_lang[DEFAULT_LANG])
        template = texts[key]
        return template.format(**values) if values else template

    def __contains__(self, key: object) -> bool:
        return key in self._by_lang[DEFAULT_LANG]
