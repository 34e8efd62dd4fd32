"""A metric's name and value as the dashboard shows them, from the metric registry (`touchpoint.metrics`).

The page texts are in `dashboard_texts`; languages, Accept-Language and the number, date and
money formats are `touchpoint.web.locale`'s.
"""

from __future__ import annotations

from touchpoint.metrics.model import Display
from touchpoint.metrics.registry import REGISTRY
from touchpoint.web.locale import DEFAULT_CURRENCY, Lang, format_money, format_number, format_percent


def metric_label(lang: Lang, metric: str) -> str:
    """The display name of a metric (its name when the registry lacks it)."""
    record = REGISTRY.get(metric)
    return metric if record is None else record.label(lang)


def format_metric(lang: Lang, metric: str, value: float | None, currency: str = DEFAULT_CURRENCY) -> str:
    """A metric value as the dashboard shows it (percent for shares, money in `currency`)."""
    record = REGISTRY.get(metric)
    display, decimals = (Display.NUMBER, 1) if record is None else (record.display, record.decimals)
    if value is None:
        return format_number(lang, None)
    if display is Display.PERCENT:
        return format_percent(lang, value, decimals)
    if display is Display.MONEY:
        return format_money(lang, value, currency)
    if display is Display.FIXED or not float(value).is_integer():
        return format_number(lang, value, decimals)
    return format_number(lang, value, 0)
