"""The pages' one language mechanism: Accept-Language with q-values, texts, numbers, dates, money."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from touchpoint.models.tenants import TenantConfig
from touchpoint.web import locale
from touchpoint.web.locale import Texts


@pytest.mark.parametrize(
    ("header", "default", "expected"),
    [
        ("de-CH;q=0.8, en;q=0.9", "de", "en"),  # q-values, not order
        ("en-GB,en;q=0.9,de;q=0.8", "de", "en"),
        ("fr-FR,fr;q=0.9,de;q=0.7,en;q=0.8", "de", "en"),
        ("de;q=0.5, en;q=0.5", "en", "de"),  # ties keep the header's order
        ("en;q=0, de", "en", "de"),  # q=0 means "not this"
        ("fr, it", "en", "en"),  # nothing supported: the default
        ("*", "en", "en"),
        ("fr, *;q=0.5, de;q=0.3", "en", "en"),  # "any" ranked before German: the default
        ("DE-at", "en", "de"),
        ("en-US;q=abc, de", "en", "de"),  # a q-value that is not a number counts as 0
        ("en;q=1.5, de", "en", "de"),  # a q-value above 1 is malformed
        (";;;,,,", "en", "en"),  # malformed headers: the default
        ("<script>, en", "de", "en"),
        ("x" * 2000, "en", "en"),
        ("", "de", "de"),
        (None, "en", "en"),
        ("de", "fr", "de"),
        ("it", "xx", "de"),  # an unsupported default: the first supported language
    ],
)
def test_accept_language_picks_the_best_supported_language(
    header: str | None, default: str, expected: str
) -> None:
    assert locale.negotiate(header, default=default) == expected


def test_an_explicit_choice_wins_in_order_and_unsupported_ones_are_skipped() -> None:
    assert locale.negotiate("de", "EN", "de") == "en"  # ?lang= before the cookie
    assert locale.negotiate("de", None, "en") == "en"  # no ?lang=: the cookie
    assert locale.negotiate("en", "fr", "xx") == "en"  # neither supported: Accept-Language
    assert locale.negotiate("de, en", "de", supported=("en",)) == "en"  # a survey in English only


def test_accept_language_ranges_are_ordered_by_quality() -> None:
    assert locale.parse_accept_language("de-CH, en;q=0.8, fr;q=0.9 ,;q=1") == [
        ("de-ch", 1.0),
        ("fr", 0.9),
        ("en", 0.8),
    ]
    assert locale.parse_accept_language("en;q=0.7;level=1, *;q=0.1") == [("en", 0.7), ("*", 0.1)]
    assert locale.parse_accept_language("a,b;q=x") == [("a", 1.0)]


def test_numbers_percentages_and_changes_per_language() -> None:
    assert locale.format_number("de", 1234567.891, 2) == "1.234.567,89"
    assert locale.format_number("en", 1234567.891, 2) == "1,234,567.89"
    assert locale.format_number("de", -0.5, 1) == "-0,5"
    assert locale.format_number("en", None) == "–"
    assert locale.format_percent("de", 0.7741) == "77,4 %" and locale.format_percent("en", 0.7741) == "77.4%"
    assert locale.format_change("de", -4.04) == "−4,0 %" and locale.format_change("en", 12.0) == "+12.0%"
    assert locale.format_change("en", None) == "–"


@pytest.mark.parametrize(
    ("lang", "amount", "currency", "expected"),
    [
        ("de", 1234.56, "EUR", "1.234,56 €"),
        ("en", 1234.56, "EUR", "€1,234.56"),
        ("en", 1234.56, "USD", "$1,234.56"),
        ("de", 1234.56, "USD", "1.234,56 $"),
        ("en", 1234.56, "CHF", "CHF 1,234.56"),  # no symbol: the code, spaced
        ("de", 1234.56, "CHF", "1.234,56 CHF"),
        ("en", 1234.5, "JPY", "¥1,234"),  # no minor unit (1234.5 rounds half to even)
        ("de", 1.2345, "KWD", "1,234 KWD"),  # three minor digits (1.2345 is 1.23449... in binary)
        ("en", -12.5, "GBP", "-£12.50"),
        ("de", -0.001, "EUR", "0,00 €"),  # no "-0,00"
        ("en", None, "EUR", "–"),
    ],
)
def test_money_in_the_currency_and_language(
    lang: str, amount: float | None, currency: str, expected: str
) -> None:
    assert locale.format_money(lang, amount, currency) == expected  # type: ignore[arg-type]


def test_dates_per_language() -> None:
    day = date(2024, 5, 31)
    assert locale.format_date("de", day) == "31.05.2024" and locale.format_date("en", day) == "2024-05-31"
    assert locale.format_day("de", day) == "31.05." and locale.format_day("en", day) == "05-31"


def test_texts_fill_placeholders_and_must_exist_in_every_language() -> None:
    texts = Texts({"de": {"days": "{n} Tage"}, "en": {"days": "{n} days"}})
    assert texts("de", "days", n=7) == "7 Tage" and texts("en", "days", n=7) == "7 days"
    assert texts("fr", "days", n=1) == "1 Tage"  # an unknown language: German
    assert "days" in texts and "weeks" not in texts
    with pytest.raises(ValueError, match="texts in en lack weeks"):
        Texts({"de": {"days": "Tage", "weeks": "Wochen"}, "en": {"days": "days"}})
    with pytest.raises(ValueError, match="must be given in de, en"):
        Texts({"de": {"days": "Tage"}})


def test_the_tenant_currency_is_an_iso_code_and_defaults_to_euro() -> None:
    assert TenantConfig().currency == "EUR"
    assert TenantConfig(currency="CHF").currency == "CHF"
    for bad in ("eur", "EURO", "E1R", "", "EUR\n"):
        with pytest.raises(ValidationError, match="currency"):
            TenantConfig(currency=bad)
