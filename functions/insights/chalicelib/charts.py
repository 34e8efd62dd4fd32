"""Charts as inline SVG, drawn on the server: line charts, sparklines, stacked and plain bars.

No script and nothing loaded from elsewhere. Every chart scales to the width of its container
(`viewBox` + `width=100%`), is styled by the page's CSS classes (`s0`..`s5` for series), carries a
`<title>` for screen readers and tooltips, and says how many data marks it drew in
`data-points` (the browser test checks that charts are drawn with data). A point may link to a
page (the comment drill-down).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape

WIDTH = 400
WIDE = 800
HEIGHT = 200
_PAD_LEFT, _PAD_RIGHT, _PAD_TOP, _PAD_BOTTOM = 44, 10, 12, 26
MAX_SERIES_CLASSES = 6
Fmt = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    """One line (or bar stack) of a chart: a value per day (None = no data), optional links."""

    label: str
    values: Sequence[float | None]
    links: Sequence[str | None] = field(default_factory=tuple)
    highlight: Sequence[bool] = field(default_factory=tuple)
    css: str | None = None

    def css_class(self, index: int) -> str:
        """The series' colour class (`s0`..`s5` by position unless set)."""
        return self.css or f"s{index % MAX_SERIES_CLASSES}"


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values covering `[low, high]` (at least two)."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0, 1.0]
    if high == low:
        high, low = high + 1, low - 1 if low != 0 else 0
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks if len(ticks) >= 2 else [first, first + step]


def _open(chart_id: str, title: str, marks: int, height: int = HEIGHT, width: int = WIDTH) -> list[str]:
    css = "chart wide" if width > WIDTH else "chart"
    return [
        f'<svg class="{css}" data-chart="{_attr(chart_id)}" data-points="{marks}" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{_attr(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]


def _empty(chart_id: str, title: str, message: str, height: int = HEIGHT, width: int = WIDTH) -> str:
    parts = _open(chart_id, title, 0, height, width)
    parts.append(
        f'<text class="empty" x="{width / 2}" y="{height / 2}" text-anchor="middle">{escape(message)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _x_positions(n: int, width: int = WIDTH) -> list[float]:
    inner = width - _PAD_LEFT - _PAD_RIGHT
    if n == 1:
        return [_PAD_LEFT + inner / 2]
    return [_PAD_LEFT + inner * i / (n - 1) for i in range(n)]


def _axes(
    ticks: list[float],
    y_of: Callable[[float], float],
    labels: Sequence[str],
    xs: Sequence[float],
    fmt: Fmt,
    width: int = WIDTH,
) -> list[str]:
    parts: list[str] = []
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line class="grid" x1="{_PAD_LEFT}" x2="{width - _PAD_RIGHT}" y1="{_num(y)}" y2="{_num(y)}"/>'
        )
        parts.append(
            f'<text class="tick" x="{_PAD_LEFT - 4}" y="{_num(y + 4)}" text-anchor="end">{escape(fmt(tick))}</text>'
        )
    if labels:
        shown = sorted({0, len(labels) // 2, len(labels) - 1})
        for index in shown:
            anchor = (
                "start"
                if index == 0 and len(labels) > 1
                else ("end" if index == len(labels) - 1 else "middle")
            )
            if len(labels) == 1:
                anchor = "middle"
            parts.append(
                f'<text class="tick" x="{_num(xs[index])}" y="{HEIGHT - 8}" text-anchor="{anchor}">'
                f"{escape(labels[index])}</text>"
            )
    return parts


def line_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Fmt = _num,
    empty_message: str = "no data",
    y_min: float | None = None,
    y_max: float | None = None,
    width: int = WIDTH,
) -> str:
    """A line chart with one line per series over `labels` (days); gaps where a value is None."""
    values = [v for s in series for v in s.values if v is not None]
    if not values or not labels:
        return _empty(chart_id, title, empty_message, width=width)
    low = min(values) if y_min is None else min(y_min, min(values))
    high = max(values) if y_max is None else max(y_max, max(values))
    ticks = nice_ticks(low, high)
    bottom, top = ticks[0], ticks[-1]
    plot_h = HEIGHT - _PAD_TOP - _PAD_BOTTOM

    def y_of(value: float) -> float:
        return _PAD_TOP + plot_h * (1 - (value - bottom) / (top - bottom))

    xs = _x_positions(len(labels), width)
    marks = sum(1 for s in series for v in s.values if v is not None)
    parts = _open(chart_id, title, marks, width=width)
    parts += _axes(ticks, y_of, labels, xs, fmt, width)
    for index, s in enumerate(series):
        css = s.css_class(index)
        segments: list[list[str]] = [[]]
        for x, v in zip(xs, s.values, strict=False):
            if v is None:
                segments.append([])
            else:
                segments[-1].append(f"{_num(x)},{_num(y_of(v))}")
        for segment in segments:
            if len(segment) > 1:
                parts.append(f'<polyline class="line {css}" points="{" ".join(segment)}"/>')
        for i, (x, v) in enumerate(zip(xs, s.values, strict=False)):
            if v is None:
                continue
            link = s.links[i] if i < len(s.links) else None
            hot = bool(s.highlight[i]) if i < len(s.highlight) else False
            tip = f"{s.label} {labels[i]}: {fmt(v)}"
            dot = (
                f'<circle class="pt {css}{" hot" if hot else ""}" cx="{_num(x)}" cy="{_num(y_of(v))}" '
                f'r="{4 if hot else 2.5}"><title>{escape(tip)}</title></circle>'
            )
            if link:
                hit = f'<circle class="hit" cx="{_num(x)}" cy="{_num(y_of(v))}" r="9"/>'
                parts.append(f'<a href="{_attr(link)}" class="pt-link" data-value="{v:g}">{hit}{dot}</a>')
            else:
                parts.append(dot)
    parts.append("</svg>")
    return "".join(parts)


def sparkline(chart_id: str, title: str, values: Sequence[float | None]) -> str:
    """A small line without axes (the trend beside a number)."""
    present = [v for v in values if v is not None]
    height = 48
    if not present:
        return _empty(chart_id, title, "", height)
    low, high = min(present), max(present)
    span = (high - low) or 1.0
    n = len(values)
    points = []
    for i, v in enumerate(values):
        if v is None:
            continue
        x = 2 + (WIDTH - 4) * (i / (n - 1) if n > 1 else 0.5)
        y = 4 + (height - 8) * (1 - (v - low) / span)
        points.append(f"{_num(x)},{_num(y)}")
    parts = _open(chart_id, title, len(present), height)
    if len(points) > 1:
        parts.append(f'<polyline class="line s0" points="{" ".join(points)}"/>')
    last_x, last_y = points[-1].split(",")
    parts.append(f'<circle class="pt s0" cx="{last_x}" cy="{last_y}" r="3"/>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    stacks: Sequence[Series],
    *,
    fmt: Fmt = _num,
    percent: bool = False,
    empty_message: str = "no data",
) -> str:
    """One bar per label, stacked from the series (as shares of the bar's total when `percent`)."""
    n = len(labels)
    totals = [sum((s.values[i] or 0.0) for s in stacks) for i in range(n)]
    if not n or not any(t > 0 for t in totals):
        return _empty(chart_id, title, empty_message)
    top_value = 100.0 if percent else max(totals)
    ticks = [0.0, 25.0, 50.0, 75.0, 100.0] if percent else nice_ticks(0.0, top_value)
    top = ticks[-1]
    plot_h = HEIGHT - _PAD_TOP - _PAD_BOTTOM

    def y_of(value: float) -> float:
        return _PAD_TOP + plot_h * (1 - value / top)

    xs = _x_positions(n)
    inner = WIDTH - _PAD_LEFT - _PAD_RIGHT
    bar_w = max(2.0, min(24.0, inner / max(n, 1) * 0.7))
    parts = _open(chart_id, title, 0)
    tick_fmt: Fmt = (lambda v: f"{v:.0f} %") if percent else fmt
    parts += _axes(ticks, y_of, labels, xs, tick_fmt)
    marks = 0
    for i, x in enumerate(xs):
        base = 0.0
        if totals[i] <= 0:
            continue
        for index, s in enumerate(stacks):
            raw = s.values[i] or 0.0
            if raw <= 0:
                continue
            height_value = raw / totals[i] * 100.0 if percent else raw
            y_top, y_bottom = y_of(base + height_value), y_of(base)
            tip = f"{s.label} {labels[i]}: {fmt(raw)}"
            if percent:
                tip += f" ({height_value:.0f} %)"
            bar = (
                f'<rect class="bar {s.css_class(index)}" x="{_num(x - bar_w / 2)}" y="{_num(y_top)}" '
                f'width="{_num(bar_w)}" height="{_num(max(y_bottom - y_top, 0.5))}"><title>{escape(tip)}</title></rect>'
            )
            link = s.links[i] if i < len(s.links) else None
            parts.append(f'<a href="{_attr(link)}" class="bar-link">{bar}</a>' if link else bar)
            base += height_value
            marks += 1
    parts.append("</svg>")
    svg = "".join(parts)
    return svg.replace('data-points="0"', f'data-points="{marks}"', 1)


def bar_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    fmt: Fmt = _num,
    y_max: float | None = None,
    empty_message: str = "no data",
) -> str:
    """Plain vertical bars, one per label (e.g. the deciles of a distribution)."""
    present = [v for v in values if v is not None]
    if not present:
        return _empty(chart_id, title, empty_message)
    ticks = nice_ticks(0.0, max(max(present), y_max or 0.0))
    top = ticks[-1]
    plot_h = HEIGHT - _PAD_TOP - _PAD_BOTTOM

    def y_of(value: float) -> float:
        return _PAD_TOP + plot_h * (1 - value / top)

    n = len(labels)
    inner = WIDTH - _PAD_LEFT - _PAD_RIGHT
    slot = inner / n
    xs = [_PAD_LEFT + slot * (i + 0.5) for i in range(n)]
    parts = _open(chart_id, title, len(present))
    parts += _axes(ticks, y_of, [], xs, fmt)
    for i, (x, v) in enumerate(zip(xs, values, strict=False)):
        parts.append(
            f'<text class="tick" x="{_num(x)}" y="{HEIGHT - 8}" text-anchor="middle">{escape(labels[i])}</text>'
        )
        if v is None:
            continue
        y = y_of(v)
        tip = f"{labels[i]}: {fmt(v)}"
        parts.append(
            f'<rect class="bar s0" x="{_num(x - slot * 0.35)}" y="{_num(y)}" width="{_num(slot * 0.7)}" '
            f'height="{_num(max(y_of(0) - y, 0.5))}"><title>{escape(tip)}</title></rect>'
        )
    parts.append("</svg>")
    return "".join(parts)


def day_labels(days: Sequence[date], fmt: Callable[[date], str]) -> list[str]:
    """Axis labels of days through a formatter (`i18n.format_day` bound to a language)."""
    return [fmt(d) for d in days]
