"""The dashboard's HTML pages: sign-in, dashboard, comments and errors, from Jinja2 templates.

The templates (`templates/`) autoescape every value; what this module adds is the view of the
data each page shows (labels, formatted numbers, links) and the charts, which `charts` draws as
SVG with its own text escaped. No script, one inline style: the Content-Security-Policy allows
nothing but the page's own style block (by hash), same-origin forms and links: no script, no
external resource, no framing. Money is shown in the tenant's currency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from chalice.app import Response
from markupsafe import Markup

from chalicelib import charts
from chalicelib.charts import Series
from chalicelib.dashboard import STORE_METRICS, DashboardData, Trend
from chalicelib.dashboard_texts import t
from chalicelib.i18n import format_metric, metric_label
from chalicelib.queries import Period
from touchpoint.alerts.models import DeliveryStatus, FiredAlert
from touchpoint.metrics.registry import COMMENT_METRICS
from touchpoint.web.locale import DEFAULT_CURRENCY, LANGS, Lang, format_date, format_day, format_number
from touchpoint.web.templates import Templates, minified_css, style_hash

_FOLDER = Path(__file__).resolve().parent / "templates"
CSS = minified_css(_FOLDER / "dashboard.css")
CSP = (
    f"default-src 'none'; style-src {style_hash(CSS)}; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
_SERIES_LIMIT = 6
_SENTIMENT_KEYS = ("negative", "neutral", "positive", "mixed")
_SCORE_LABELS = {"nps": "NPS", "nps_30d": "NPS", "csat": "CSAT", "csat_satisfied_rate": "CSAT", "ces": "CES"}
TEMPLATES = Templates(_FOLDER)


def html_response(status: int, page: str, headers: Mapping[str, str] | None = None) -> Response:
    """An HTML response with the security headers."""
    return Response(
        body=page,
        status_code=status,
        headers={"Content-Type": "text/html; charset=utf-8", **SECURITY_HEADERS, **(headers or {})},
    )


def url(path: str, **params: object) -> str:
    """A route's URL with the non-empty parameters, e.g. `/dashboard?lang=en` (no prefix: see `link`)."""
    query = urlencode({k: str(v) for k, v in params.items() if v is not None and v != ""})
    return f"{path}?{query}" if query else path


def link(base: str, path: str, **params: object) -> str:
    """A same-origin link under the request's path prefix `base` (`touchpoint.web.base_path`)."""
    return base + url(path, **params)


@dataclass(frozen=True)
class Link:
    """A link of the page header (a language or a period preset)."""

    href: str
    text: str = ""
    code: str = ""
    on: bool = False


def _languages(lang: Lang, base: str, path: str, params: Mapping[str, object]) -> list[Link]:
    return [Link(link(base, path, **{**params, "lang": code}), code=code, on=code == lang) for code in LANGS]


def _render(name: str, lang: Lang, base: str, currency: str = DEFAULT_CURRENCY, **context: Any) -> str:
    """A page: the template with the language's texts, metric labels, value formats and link prefix."""
    return TEMPLATES.render(
        name,
        lang=lang,
        base=base,
        css=Markup(CSS),  # noqa: S704 (the stylesheet shipped with the function, not input)
        t=lambda key, **values: t(lang, key, **values),
        label=lambda metric: metric_label(lang, metric),
        value=lambda metric, number: format_metric(lang, metric, number, currency),
        **context,
    )


# Sign-in and errors ------------------------------------------------------------------------------


def login_page(lang: Lang, message: str | None = None, next_url: str = "/dashboard", base: str = "") -> str:
    """The sign-in form (the read key is posted to `/dashboard/login`, then back to `next_url`, a
    route without the prefix `base`)."""
    return _render(
        "login.html",
        lang,
        base,
        message=message,
        next_url=next_url,
        languages=_languages(lang, base, "/dashboard", {}),
    )


def error_page(lang: Lang, message: str, base: str = "") -> str:
    """A plain error page with a way back."""
    return _render("error.html", lang, base, message=message)


# Dashboard ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """A metric's card: its name, formatted value, change and trend chart."""

    trend: Trend
    name: str
    value: str
    chart: Markup


@dataclass(frozen=True)
class Group:
    """A section of trend cards."""

    key: str
    cards: list[Card]


@dataclass(frozen=True)
class Panel:
    """A chart with its title and legend."""

    title: str
    chart: Markup
    legend: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class AlertItem:
    """A fired alert as the dashboard lists it."""

    alert_id: str
    status: str
    label: str
    failed: bool
    day: date
    rule_name: str
    metric: str
    breakdown: list[str]
    value: str
    change: float | None
    errors: str


@dataclass(frozen=True)
class LowItem:
    """A low-CSAT store-day, linking to its comments."""

    href: str
    name: str
    day: date
    csat: str
    responses: int


@dataclass(frozen=True)
class Cell:
    """A store-table cell: the value, and the link to its comments for a feedback metric."""

    text: str
    href: str | None = None
    low: bool = False


@dataclass(frozen=True)
class StoreLine:
    """A row of the store table."""

    location_id: str
    name: str
    cells: list[Cell]


@dataclass(frozen=True)
class Score:
    """The engagement-score distribution card."""

    chart: Markup
    line: str | None = None
    at_risk: float | None = None
    day: date | None = None


class _View:
    """Formatting and links of one dashboard in one language and currency, under the prefix `base`."""

    def __init__(self, lang: Lang, currency: str, base: str) -> None:
        self.lang, self.currency, self.base = lang, currency, base

    def fmt(self, metric: str) -> charts.Fmt:
        return lambda v: format_metric(self.lang, metric, v, self.currency)

    def number(self, decimals: int = 0) -> charts.Fmt:
        return lambda v: format_number(self.lang, v, decimals)

    def comments_url(self, metric: str, period: Period | None = None, **filters: object) -> str:
        params: dict[str, object] = {"metric": metric, "lang": self.lang, **filters}
        if period is not None:
            if period.days == 1:
                params["date"] = period.first.isoformat()
            else:
                params["from"], params["to"] = period.first.isoformat(), period.last.isoformat()
        return link(self.base, "/dashboard/comments", **params)

    def day_links(
        self, metric: str, days: Sequence[date], values: Sequence[float | None], **filters: object
    ) -> list[str | None]:
        """Each day's link to the comments behind a feedback metric (none for other metrics)."""
        if metric not in COMMENT_METRICS:
            return []
        return [
            self.comments_url(metric, Period(day, day), **filters) if value is not None else None
            for day, value in zip(days, values, strict=True)
        ]

    def card(
        self, item: Trend, labels: Sequence[str], days: Sequence[date], width: int = charts.WIDTH
    ) -> Card:
        name = metric_label(self.lang, item.metric)
        links = self.day_links(item.metric, days, item.series) if width == charts.WIDTH else []
        chart = charts.line_chart(
            "north-star" if width == charts.WIDE else f"trend-{item.metric}",
            name,
            labels,
            [Series(name, item.series, links)],
            fmt=self.fmt(item.metric),
            empty_message=t(self.lang, "no_data"),
            width=width,
        )
        value = format_metric(self.lang, item.metric, item.value, self.currency)
        return Card(item, name, value, Markup(chart))  # noqa: S704 (charts escapes its own text)

    def alert(self, alert: FiredAlert, names: Mapping[str, str]) -> AlertItem:
        status = alert.status.value
        failed = alert.status is DeliveryStatus.FAILED
        errors = "; ".join(
            f"{outlet.value}: {state.last_error}"
            for outlet, state in alert.outlets.items()
            if state.last_error
        )
        return AlertItem(
            alert_id=alert.alert_id,
            status=status,
            label=t(self.lang, f"delivery_{status}"),
            failed=failed,
            day=alert.day,
            rule_name=alert.rule_name,
            metric=metric_label(self.lang, alert.metric),
            breakdown=[names.get(v, v) for _, v in sorted(alert.breakdown.items())],
            value=format_metric(self.lang, alert.metric, alert.value, self.currency),
            change=alert.change_pct,
            errors=errors if failed else "",
        )

    def store_lines(self, data: DashboardData, metrics: Sequence[str]) -> list[StoreLine]:
        csat_values = [r.values["csat"] for r in data.stores if r.values["csat"] is not None]
        worst = min(csat_values) if len(csat_values) > 1 else None
        lines = []
        for row in data.stores:
            cells = []
            for metric in metrics:
                value = row.values[metric]
                text = format_metric(self.lang, metric, value, self.currency)
                if metric in COMMENT_METRICS and value is not None and data.period.days <= 31:
                    link = self.comments_url(metric, data.period, location=row.location_id)
                    cells.append(Cell(text, link, low=metric == "csat" and value == worst))
                else:
                    cells.append(Cell(text))
            lines.append(StoreLine(row.location_id, row.name, cells))
        return lines

    def panels(self, data: DashboardData, labels: Sequence[str]) -> list[Panel]:
        """The feedback detail: NPS split, CSAT and tickets by channel, CSAT by store."""
        lang, days, no_data = self.lang, data.period.dates(), t(self.lang, "no_data")
        parts = ("promoters", "passives", "detractors")
        split = data.nps_split
        nps = charts.stacked_bars(
            "nps-split",
            t(lang, "nps_split"),
            labels,
            [Series(t(lang, p), split[p], self.day_links("nps", days, split[p]), css=p) for p in parts],
            fmt=self.number(),
            percent=True,
            empty_message=no_data,
        )
        csat_series = [
            Series(s.label, s.values, self.day_links("csat", days, s.values, channel=s.label))
            for s in _series_map(data.csat_by_channel)
        ]
        csat = charts.line_chart(
            "csat-by-channel",
            t(lang, "csat_by_channel"),
            labels,
            csat_series,
            fmt=self.fmt("csat"),
            empty_message=no_data,
        )
        ticket_series = _series_map(data.tickets_by_channel)
        tickets = charts.stacked_bars(
            "tickets-by-channel",
            t(lang, "tickets_by_channel"),
            labels,
            ticket_series,
            fmt=self.number(),
            empty_message=no_data,
        )
        lowest = {(d.location_id, d.day) for d in data.lowest_csat}
        store_series = []
        for location, values in sorted(data.csat_by_store.items())[:_SERIES_LIMIT]:
            links = [
                self.comments_url("csat", Period(day, day), location=location) if v is not None else None
                for day, v in zip(days, values, strict=True)
            ]
            hot = [(location, day) in lowest for day in days]
            store_series.append(Series(data.store_names.get(location, location), values, links, hot))
        stores = charts.line_chart(
            "csat-by-store",
            t(lang, "csat_by_store"),
            labels,
            store_series,
            fmt=self.fmt("csat"),
            empty_message=no_data,
        )
        return [
            Panel(t(lang, "nps_split"), Markup(nps), [(p, t(lang, p)) for p in parts]),  # noqa: S704
            Panel(t(lang, "csat_by_channel"), Markup(csat), _legend(csat_series)),  # noqa: S704
            Panel(t(lang, "tickets_by_channel"), Markup(tickets), _legend(ticket_series)),  # noqa: S704
            Panel(t(lang, "csat_by_store"), Markup(stores), _legend(store_series)),  # noqa: S704
        ]

    def score(self, data: DashboardData) -> Score:
        score, title, lang = data.score, t(self.lang, "score_distribution"), self.lang
        if not score:
            chart = charts.bar_chart("score-distribution", title, [], [], empty_message=t(lang, "no_data"))
            return Score(Markup(chart))  # noqa: S704 (charts escapes its own text)
        labels = [f"P{10 * (i + 1)}" for i in range(len(score["deciles"]))]
        chart = charts.bar_chart(
            "score-distribution", title, labels, score["deciles"], fmt=self.number(), y_max=100
        )
        people = score.get("people")
        line = t(
            lang,
            "score_people",
            n=format_number(lang, float(people) if isinstance(people, int | float) else None),
            mean=format_number(lang, score.get("mean"), 1),
        )
        return Score(Markup(chart), line, score.get("at_risk"), score["date"])  # noqa: S704


def _legend(series: Sequence[Series]) -> list[tuple[str, str]]:
    return [(s.css_class(i), s.label) for i, s in enumerate(series)]


def _series_map(
    series: Mapping[str, list[float | None]], names: Mapping[str, str] | None = None
) -> list[Series]:
    ordered = sorted(series.items(), key=lambda kv: -sum(1 for v in kv[1] if v is not None))[:_SERIES_LIMIT]
    return [Series((names or {}).get(key, key), values) for key, values in sorted(ordered)]


def dashboard_page(lang: Lang, data: DashboardData, currency: str = DEFAULT_CURRENCY, base: str = "") -> str:
    """The dashboard of a tenant and period, money in `currency` (ISO 4217), links under `base`."""
    view = _View(lang, currency, base)
    period = data.period
    days = period.dates()
    labels = charts.day_labels(days, lambda d: format_day(lang, d))
    params = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    presets = [
        Link(
            link(
                base,
                "/dashboard",
                **{
                    "from": (period.last - timedelta(days=n - 1)).isoformat(),
                    "to": params["to"],
                    "lang": lang,
                },
            ),
            text=t(lang, "days", n=n),
            on=period.days == n,
        )
        for n in (7, 30, 90)
    ]
    shown = [m for m in STORE_METRICS if any(r.values.get(m) is not None for r in data.stores)]
    store_metrics = shown or list(STORE_METRICS)
    lowest = [
        LowItem(
            view.comments_url("csat", Period(d.day, d.day), location=d.location_id),
            d.name,
            d.day,
            format_metric(lang, "csat", d.csat, currency),
            d.responses,
        )
        for d in data.lowest_csat
    ]
    return _render(
        "dashboard.html",
        lang,
        base,
        currency,
        tenant_name=data.tenant_name,
        languages=_languages(lang, base, "/dashboard", params),
        presets=presets,
        period=period,
        star=view.card(data.north_star, labels, days, width=charts.WIDE),
        alerts=[view.alert(a, data.store_names) for a in data.alerts],
        groups=[Group(g, [view.card(i, labels, days) for i in trends]) for g, trends in data.groups.items()],
        panels=view.panels(data, labels),
        lowest_csat=lowest,
        store_metrics=store_metrics,
        stores=view.store_lines(data, store_metrics),
        score=view.score(data),
        csv_href=link(base, "/v1/summary.csv", **params),
        scope_stores=None if data.scope is None else [data.store_names.get(s, s) for s in data.scope],
    )


# Comments ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentItem:
    """One comment: its sentiment, score, text and where it was given."""

    sentiment: str
    label: str
    score: str
    text: str
    where: list[str]


@dataclass(frozen=True)
class Theme:
    """A theme of comments (a key phrase and the comments that share it)."""

    key: str
    title: str
    related: list[str]
    count: int
    negative: int
    share: int
    comments: list[CommentItem]
    more: int


def _comment(
    lang: Lang, comment: Mapping[str, Any], score_label: str, names: Mapping[str, str]
) -> CommentItem:
    sentiment = str(comment["sentiment"])
    score = comment.get("score")
    where = [str(comment.get("channel") or "")]
    if comment.get("location_id"):
        where.append(names.get(comment["location_id"], comment["location_id"]))
    return CommentItem(
        sentiment=sentiment,
        label=t(lang, sentiment) if sentiment in _SENTIMENT_KEYS else sentiment,
        score=f"{score_label} {score}".strip() if score is not None else "",
        text=str(comment["text"]),
        where=[w for w in where if w],
    )


def _theme(lang: Lang, theme: Mapping[str, Any], score_label: str, names: Mapping[str, str]) -> Theme:
    negative = theme["sentiment"].get("negative", 0)
    return Theme(
        key=theme["phrase"] or "",
        title=" · ".join(theme.get("phrases") or []) or t(lang, "other_theme"),
        related=list(theme.get("related") or []),
        count=theme["count"],
        negative=negative,
        share=round(100 * negative / theme["count"]) if theme["count"] else 0,
        comments=[_comment(lang, c, score_label, names) for c in theme["comments"]],
        more=theme.get("more") or 0,
    )


def comments_page(
    lang: Lang, tenant_name: str, document: Mapping[str, Any], store_names: Mapping[str, str], base: str = ""
) -> str:
    """The comments behind a metric, grouped by theme (most negative first), links under `base`."""
    metric = str(document["metric"])
    period = document["period"]
    filters: dict[str, str] = dict(document["filters"])
    scope = []
    if "location" in filters:
        scope.append(f"{t(lang, 'store')}: {store_names.get(filters['location'], filters['location'])}")
    if "channel" in filters:
        scope.append(f"{t(lang, 'channel')}: {filters['channel']}")
    if "survey" in filters:
        scope.append(f"survey: {filters['survey']}")
    first, last = date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
    when = (
        format_date(lang, first)
        if first == last
        else f"{format_date(lang, first)} – {format_date(lang, last)}"
    )
    sentiment = document["sentiment"]
    api_params = {"metric": metric, **filters}
    if period["from"] == period["to"]:
        api_params["date"] = period["from"]
    else:
        api_params["from"], api_params["to"] = period["from"], period["to"]
    score_label = _SCORE_LABELS.get(metric, "")
    return _render(
        "comments.html",
        lang,
        base,
        tenant_name=tenant_name,
        languages=_languages(lang, base, "/dashboard/comments", api_params),
        back_href=link(base, "/dashboard", lang=lang),
        metric=metric,
        when=when,
        scope=scope,
        total=document["total_comments"],
        summary=[f"{t(lang, s)}: {sentiment.get(s, 0)}" for s in ("negative", "neutral", "positive")],
        csv_href=link(base, "/v1/comments.csv", **api_params),
        themes=[_theme(lang, theme, score_label, store_names) for theme in document["themes"]],
    )
