"""The dashboard's HTML: login, dashboard, comments and error pages (no script, one inline style).

Every value is escaped; the Content-Security-Policy allows nothing but this page's own style
block (by hash), same-origin forms and links: no script, no external resource, no framing.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from html import escape
from typing import Any
from urllib.parse import urlencode

from chalice.app import Response

from chalicelib import charts
from chalicelib.catalog import COMMENT_METRICS
from chalicelib.charts import Series
from chalicelib.dashboard import STORE_METRICS, DashboardData, Trend
from chalicelib.i18n import (
    LANGS,
    Lang,
    format_change,
    format_date,
    format_day,
    format_metric,
    format_number,
    metric_label,
    t,
)
from chalicelib.queries import Period
from touchpoint.alerts.models import DeliveryStatus, FiredAlert

CSS = """
:root{--fg:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc;--card:#fff;--accent:#2563eb;--good:#047857;--bad:#b91c1c}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;background:#0f172a;color:#fff}
header.top a{color:#cbd5e1;text-decoration:none;margin-right:.6rem}
header.top a.on{color:#fff;font-weight:600;text-decoration:underline}
header.top .brand{font-weight:700;font-size:1.05rem}
header.top form{display:inline;margin:0}
header.top button{background:none;border:1px solid #475569;color:#e2e8f0;border-radius:6px;padding:.2rem .6rem;font:inherit;cursor:pointer}
main{max-width:1200px;margin:0 auto;padding:1rem}
h1{font-size:1.3rem;margin:.2rem 0 1rem}
h2{font-size:1.05rem;margin:1.6rem 0 .6rem}
.muted{color:var(--muted)}
.grid{display:grid;gap:.8rem;grid-template-columns:repeat(auto-fill,minmax(260px,1fr))}
.grid.wide{grid-template-columns:repeat(auto-fill,minmax(340px,1fr))}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:.8rem .9rem}
.card h3{font-size:.9rem;font-weight:600;margin:0 0 .2rem;color:#334155}
.value{font-size:1.5rem;font-weight:700}
.star{border:2px solid var(--accent)}
.star .value{font-size:2.6rem}
.change{font-size:.85rem;margin-left:.4rem}
.change.good{color:var(--good)}
.change.bad{color:var(--bad)}
svg.chart{display:block;margin-top:.4rem;overflow:visible}
svg .grid{stroke:var(--line);stroke-width:1}
svg .tick{fill:var(--muted);font-size:12px}
svg .empty{fill:var(--muted);font-size:14px}
svg .pt{stroke:#fff;stroke-width:1}
svg .pt.hot{stroke:#7f1d1d;stroke-width:2}
svg .hit{fill:transparent}
svg a.pt-link{cursor:pointer}
svg .s0{stroke:#2563eb;fill:#2563eb}svg .s1{stroke:#d97706;fill:#d97706}svg .s2{stroke:#059669;fill:#059669}
svg .s3{stroke:#dc2626;fill:#dc2626}svg .s4{stroke:#7c3aed;fill:#7c3aed}svg .s5{stroke:#64748b;fill:#64748b}
svg polyline.line{fill:none;stroke-width:2}
svg rect.bar{stroke:none}
svg .promoters{fill:#059669}svg .passives{fill:#cbd5e1}svg .detractors{fill:#dc2626}
.legend{display:flex;flex-wrap:wrap;gap:.3rem .9rem;font-size:.8rem;color:#334155;margin:.3rem 0 0;padding:0;list-style:none}
.legend i{display:inline-block;width:.7rem;height:.7rem;border-radius:2px;margin-right:.3rem;vertical-align:-1px}
.legend .s0{background:#2563eb}.legend .s1{background:#d97706}.legend .s2{background:#059669}
.legend .s3{background:#dc2626}.legend .s4{background:#7c3aed}.legend .s5{background:#64748b}
.legend .promoters{background:#059669}.legend .passives{background:#cbd5e1}.legend .detractors{background:#dc2626}
.table-wrap{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:10px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:.45rem .6rem;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{background:#f1f5f9;font-weight:600}
.low{color:var(--bad);font-weight:600}
ul.plain{list-style:none;margin:0;padding:0}
ul.plain li{padding:.35rem 0;border-bottom:1px solid var(--line)}
.badge{display:inline-block;font-size:.75rem;border-radius:999px;padding:.05rem .5rem;border:1px solid var(--line)}
.badge.failed,.badge.negative{background:#fee2e2;border-color:#fecaca;color:#991b1b}
.badge.delivered,.badge.positive{background:#dcfce7;border-color:#bbf7d0;color:#166534}
.badge.pending,.badge.neutral,.badge.mixed,.badge.skipped{background:#f1f5f9;color:#334155}
.alert-failed{border-left:4px solid var(--bad)}
.theme{margin-bottom:.8rem}
.theme h3{display:flex;flex-wrap:wrap;gap:.4rem;align-items:baseline}
.theme .related{font-weight:400;font-size:.8rem}
svg.bar-neg{display:block;margin:.3rem 0 .5rem}
svg.bar-neg .bg{fill:#fee2e2}svg.bar-neg .fg{fill:#dc2626}
.comment{padding:.4rem 0;border-top:1px solid var(--line)}
.comment q{quotes:"\\201E" "\\201C"}
.login{max-width:26rem;margin:3rem auto}
.login input{width:100%;font:inherit;padding:.55rem;border:1px solid #94a3b8;border-radius:8px;margin:.4rem 0 .8rem}
.login button{font:inherit;padding:.55rem 1.2rem;border-radius:8px;border:0;background:var(--accent);color:#fff;cursor:pointer}
.error{color:var(--bad);font-weight:600}
@media (max-width:520px){main{padding:.6rem}.star .value{font-size:2.1rem}.value{font-size:1.3rem}
svg .tick{font-size:14px}svg.wide .tick{font-size:24px}svg.wide polyline.line{stroke-width:3}}
""".strip()

_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode("ascii")
CSP = (
    f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; img-src 'self' data:; form-action 'self'; "
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


def html_response(status: int, page: str, headers: Mapping[str, str] | None = None) -> Response:
    """An HTML response with the security headers."""
    return Response(
        body=page,
        status_code=status,
        headers={"Content-Type": "text/html; charset=utf-8", **SECURITY_HEADERS, **(headers or {})},
    )


def url(path: str, **params: object) -> str:
    """A same-origin URL with the non-empty parameters, e.g. `/dashboard?lang=en`."""
    query = urlencode({k: str(v) for k, v in params.items() if v is not None and v != ""})
    return f"{path}?{query}" if query else path


def layout(lang: Lang, title: str, body: str, header: str = "") -> str:
    """A complete page."""
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f"<style>{CSS}</style></head><body>{header}<main>{body}</main></body></html>"
    )


def _lang_links(lang: Lang, path: str, params: Mapping[str, object]) -> str:
    links = []
    for code in LANGS:
        css = ' class="on"' if code == lang else ""
        links.append(
            f'<a{css} href="{escape(url(path, **{**params, "lang": code}))}" hreflang="{code}">{code.upper()}</a>'
        )
    return "".join(links)


def _header(lang: Lang, tenant_name: str, path: str, params: Mapping[str, object], extra: str = "") -> str:
    return (
        '<header class="top"><div><span class="brand">Touchpoint</span> '
        f'<span class="muted">· {escape(tenant_name)}</span></div>'
        f"<nav>{extra}{_lang_links(lang, path, params)}"
        f'<form method="post" action="/dashboard/logout"><button type="submit">{escape(t(lang, "logout"))}</button></form>'
        "</nav></header>"
    )


# Login and errors --------------------------------------------------------------------------------


def login_page(lang: Lang, message: str | None = None, next_url: str = "/dashboard") -> str:
    """The sign-in form (the read key is posted to `/dashboard/login`, then back to `next_url`)."""
    error = f'<p class="error" role="alert">{escape(message)}</p>' if message else ""
    body = (
        f'<section class="card login"><h1>{escape(t(lang, "login_title"))}</h1>'
        f'<p class="muted">{escape(t(lang, "login_intro"))}</p>{error}'
        f'<form method="post" action="/dashboard/login"><input type="hidden" name="lang" value="{lang}">'
        f'<input type="hidden" name="next" value="{escape(next_url)}">'
        f'<label for="key">{escape(t(lang, "login_key"))}</label>'
        '<input id="key" name="key" type="password" autocomplete="current-password" required '
        'spellcheck="false" autocapitalize="off" placeholder="tpr_…">'
        f'<button type="submit">{escape(t(lang, "login_submit"))}</button></form></section>'
    )
    header = (
        '<header class="top"><div><span class="brand">Touchpoint</span></div>'
        f"<nav>{_lang_links(lang, '/dashboard', {})}</nav></header>"
    )
    return layout(lang, t(lang, "login_title") + " · Touchpoint", body, header)


def error_page(lang: Lang, message: str) -> str:
    """A plain error page with a way back."""
    body = (
        f'<section class="card"><h1>{escape(t(lang, "error_title"))}</h1><p class="error">{escape(message)}</p>'
        f'<p><a href="/dashboard">{escape(t(lang, "back"))}</a></p></section>'
    )
    return layout(lang, t(lang, "error_title") + " · Touchpoint", body)


# Dashboard ---------------------------------------------------------------------------------------


def _change(lang: Lang, item: Trend) -> str:
    css = "" if item.good is None else (" good" if item.good else " bad")
    return (
        f'<span class="change{css}" title="{escape(t(lang, "vs_previous"))}">'
        f"{escape(format_change(lang, item.change_pct))}</span>"
    )


def _fmt(lang: Lang, metric: str) -> charts.Fmt:
    return lambda v: format_metric(lang, metric, v)


def _day_links(
    lang: Lang, metric: str, days: Sequence[date], values: Sequence[float | None], **filters: object
) -> list[str | None]:
    """Each day's link to the comments behind a feedback metric (none for other metrics)."""
    if metric not in COMMENT_METRICS:
        return []
    return [
        _comments_url(lang, metric, Period(day, day), **filters) if value is not None else None
        for day, value in zip(days, values, strict=True)
    ]


def _trend_card(lang: Lang, item: Trend, labels: Sequence[str], days: Sequence[date]) -> str:
    name = metric_label(lang, item.metric)
    chart = charts.line_chart(
        f"trend-{item.metric}",
        name,
        labels,
        [Series(name, item.series, _day_links(lang, item.metric, days, item.series))],
        fmt=_fmt(lang, item.metric),
        empty_message=t(lang, "no_data"),
    )
    return (
        f'<article class="card" data-metric="{escape(item.metric)}"><h3>{escape(name)}</h3>'
        f'<span class="value">{escape(format_metric(lang, item.metric, item.value))}</span>{_change(lang, item)}'
        f"{chart}</article>"
    )


def _legend(items: Sequence[tuple[str, str]]) -> str:
    entries = "".join(f'<li><i class="{escape(css)}"></i>{escape(label)}</li>' for css, label in items)
    return f'<ul class="legend">{entries}</ul>'


def _series_map(
    series: Mapping[str, list[float | None]], names: Mapping[str, str] | None = None
) -> list[Series]:
    ordered = sorted(series.items(), key=lambda kv: -sum(1 for v in kv[1] if v is not None))[:_SERIES_LIMIT]
    return [Series((names or {}).get(key, key), values) for key, values in sorted(ordered)]


def _comments_url(lang: Lang, metric: str, period: Period | None = None, **filters: object) -> str:
    params: dict[str, object] = {"metric": metric, "lang": lang, **filters}
    if period is not None:
        if period.days == 1:
            params["date"] = period.first.isoformat()
        else:
            params["from"], params["to"] = period.first.isoformat(), period.last.isoformat()
    return url("/dashboard/comments", **params)


def _alerts(lang: Lang, alerts: Sequence[FiredAlert], names: Mapping[str, str]) -> str:
    if not alerts:
        return f'<p class="muted" id="alerts-empty">{escape(t(lang, "no_alerts"))}</p>'
    items = []
    for alert in alerts:
        status = alert.status.value
        label = t(lang, f"delivery_{status}") if status != "failed" else t(lang, "delivery_failed")
        css = " alert-failed" if alert.status is DeliveryStatus.FAILED else ""
        errors = "; ".join(
            f"{outlet.value}: {state.last_error}"
            for outlet, state in alert.outlets.items()
            if state.last_error
        )
        detail = (
            f'<div class="muted">{escape(errors)}</div>'
            if errors and alert.status is DeliveryStatus.FAILED
            else ""
        )
        items.append(
            f'<li class="alert{css}" data-alert="{escape(alert.alert_id)}" data-status="{escape(status)}">'
            f"<strong>{escape(format_date(lang, alert.day))}</strong> · {escape(alert.rule_name)} – "
            f"{escape(metric_label(lang, alert.metric))}"
            f"{escape(''.join(f' {names.get(v, v)}' for _, v in sorted(alert.breakdown.items())))}: "
            f"{escape(format_metric(lang, alert.metric, alert.value))}"
            + (f" ({escape(format_change(lang, alert.change_pct))})" if alert.change_pct is not None else "")
            + f' <span class="badge {escape(status)}">{escape(label)}</span>{detail}</li>'
        )
    return f'<ul class="plain card" id="alerts">{"".join(items)}</ul>'


def _store_table(lang: Lang, data: DashboardData) -> str:
    shown = [m for m in STORE_METRICS if any(r.values.get(m) is not None for r in data.stores)]
    metrics = shown or list(STORE_METRICS)
    head = "".join(f"<th>{escape(metric_label(lang, m))}</th>" for m in metrics)
    csat_values = [r.values["csat"] for r in data.stores if r.values["csat"] is not None]
    worst = min(csat_values) if len(csat_values) > 1 else None
    rows = []
    for row in data.stores:
        cells = []
        for metric in metrics:
            value = row.values[metric]
            text = escape(format_metric(lang, metric, value))
            if metric in COMMENT_METRICS and value is not None and data.period.days <= 31:
                link = _comments_url(lang, metric, data.period, location=row.location_id)
                css = ' class="low"' if metric == "csat" and value == worst else ""
                text = f'<a{css} href="{escape(link)}">{text}</a>'
            cells.append(f"<td>{text}</td>")
        rows.append(
            f'<tr data-location="{escape(row.location_id)}"><td>{escape(row.name)}</td>{"".join(cells)}</tr>'
        )
    return (
        f'<div class="table-wrap"><table id="stores"><thead><tr><th>{escape(t(lang, "store"))}</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _csat_by_store(lang: Lang, data: DashboardData, labels: Sequence[str]) -> str:
    days = data.period.dates()
    lowest = {(d.location_id, d.day) for d in data.lowest_csat}
    series = []
    for location, values in sorted(data.csat_by_store.items())[:_SERIES_LIMIT]:
        links = [
            _comments_url(lang, "csat", Period(day, day), location=location) if v is not None else None
            for day, v in zip(days, values, strict=True)
        ]
        hot = [(location, day) in lowest for day in days]
        series.append(Series(data.store_names.get(location, location), values, links, hot))
    chart = charts.line_chart(
        "csat-by-store",
        t(lang, "csat_by_store"),
        labels,
        series,
        fmt=_fmt(lang, "csat"),
        empty_message=t(lang, "no_data"),
    )
    legend = _legend([(s.css_class(i), s.label) for i, s in enumerate(series)])
    items = "".join(
        f'<li><a class="low-csat" href="{escape(_comments_url(lang, "csat", Period(d.day, d.day), location=d.location_id))}">'
        f"{escape(d.name)} · {escape(format_date(lang, d.day))} · CSAT {escape(format_metric(lang, 'csat', d.csat))}</a>"
        f' <span class="muted">({d.responses} {escape(metric_label(lang, "responses"))})</span></li>'
        for d in data.lowest_csat
    )
    low = (
        f'<h3>{escape(t(lang, "lowest_csat"))}</h3><ul class="plain" id="lowest-csat">{items}</ul>'
        if items
        else ""
    )
    return (
        f'<article class="card"><h3>{escape(t(lang, "csat_by_store"))}</h3>{chart}{legend}</article>'
        f'<article class="card">{low}</article>'
    )


def _score(lang: Lang, data: DashboardData) -> str:
    score = data.score
    title = t(lang, "score_distribution")
    if not score:
        chart = charts.bar_chart("score-distribution", title, [], [], empty_message=t(lang, "no_data"))
        return f'<article class="card"><h3>{escape(title)}</h3>{chart}</article>'
    labels = [f"P{10 * (i + 1)}" for i in range(len(score["deciles"]))]
    chart = charts.bar_chart(
        "score-distribution",
        title,
        labels,
        score["deciles"],
        fmt=lambda v: format_number(lang, v, 0),
        y_max=100,
    )
    people = score.get("people")
    line = t(
        lang,
        "score_people",
        n=format_number(lang, float(people) if isinstance(people, int | float) else None),
        mean=format_number(lang, score.get("mean"), 1),
    )
    risk = score.get("at_risk")
    risk_line = (
        f" · {escape(metric_label(lang, 'at_risk'))}: {escape(format_number(lang, risk))}"
        if risk is not None
        else ""
    )
    return (
        f'<article class="card"><h3>{escape(title)}</h3>{chart}'
        f'<p class="muted">{escape(line)}{risk_line} ({escape(format_date(lang, score["date"]))})</p></article>'
    )


def dashboard_page(lang: Lang, data: DashboardData) -> str:
    """The dashboard of a tenant and period."""
    period = data.period
    labels = charts.day_labels(period.dates(), lambda d: format_day(lang, d))
    params = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    presets = []
    for days in (7, 30, 90):
        first = period.last - timedelta(days=days - 1)
        css = ' class="on"' if period.days == days else ""
        link = url("/dashboard", **{"from": first.isoformat(), "to": period.last.isoformat(), "lang": lang})
        presets.append(f'<a{css} href="{escape(link)}">{escape(t(lang, "days", n=days))}</a>')
    header = _header(lang, data.tenant_name, "/dashboard", params, "".join(presets))
    star = data.north_star
    star_name = metric_label(lang, star.metric)
    star_chart = charts.line_chart(
        "north-star",
        star_name,
        labels,
        [Series(star_name, star.series)],
        fmt=_fmt(lang, star.metric),
        empty_message=t(lang, "no_data"),
        width=charts.WIDE,
    )
    parts = [
        f'<h1>{escape(t(lang, "title"))} <span class="muted">{escape(format_date(lang, period.first))} – '
        f"{escape(format_date(lang, period.last))}</span></h1>",
        f'<section class="card star" id="north-star" data-metric="{escape(star.metric)}">'
        f"<h3>{escape(t(lang, 'north_star'))}: {escape(star_name)}</h3>"
        f'<span class="value">{escape(format_metric(lang, star.metric, star.value))}</span>{_change(lang, star)}'
        f"{star_chart}</section>",
        f"<h2>{escape(t(lang, 'alerts'))}</h2>{_alerts(lang, data.alerts, data.store_names)}",
    ]
    for group, trends in data.groups.items():
        cards = "".join(_trend_card(lang, item, labels, period.dates()) for item in trends)
        parts.append(
            f'<section id="group-{group}"><h2>{escape(t(lang, f"group_{group}"))}</h2><div class="grid">{cards}</div></section>'
        )
    split = data.nps_split
    nps_chart = charts.stacked_bars(
        "nps-split",
        t(lang, "nps_split"),
        labels,
        [
            Series(t(lang, part), split[part], _day_links(lang, "nps", period.dates(), split[part]), css=part)
            for part in ("promoters", "passives", "detractors")
        ],
        fmt=lambda v: format_number(lang, v, 0),
        percent=True,
        empty_message=t(lang, "no_data"),
    )
    nps_legend = _legend([(part, t(lang, part)) for part in ("promoters", "passives", "detractors")])
    csat_series = [
        Series(s.label, s.values, _day_links(lang, "csat", period.dates(), s.values, channel=s.label))
        for s in _series_map(data.csat_by_channel)
    ]
    csat_chart = charts.line_chart(
        "csat-by-channel",
        t(lang, "csat_by_channel"),
        labels,
        csat_series,
        fmt=_fmt(lang, "csat"),
        empty_message=t(lang, "no_data"),
    )
    ticket_series = _series_map(data.tickets_by_channel)
    ticket_chart = charts.stacked_bars(
        "tickets-by-channel",
        t(lang, "tickets_by_channel"),
        labels,
        ticket_series,
        fmt=lambda v: format_number(lang, v, 0),
        empty_message=t(lang, "no_data"),
    )
    parts.append(
        f'<section id="feedback-detail"><h2>{escape(t(lang, "group_feedback"))} · {escape(t(lang, "channel"))}</h2>'
        '<div class="grid wide">'
        f'<article class="card"><h3>{escape(t(lang, "nps_split"))}</h3>{nps_chart}{nps_legend}</article>'
        f'<article class="card"><h3>{escape(t(lang, "csat_by_channel"))}</h3>{csat_chart}'
        f"{_legend([(s.css_class(i), s.label) for i, s in enumerate(csat_series)])}</article>"
        f'<article class="card"><h3>{escape(t(lang, "tickets_by_channel"))}</h3>{ticket_chart}'
        f"{_legend([(s.css_class(i), s.label) for i, s in enumerate(ticket_series)])}</article>"
        f"{_csat_by_store(lang, data, labels)}</div></section>"
    )
    parts.append(
        f'<section id="store-comparison"><h2>{escape(t(lang, "stores"))}</h2>{_store_table(lang, data)}</section>'
    )
    csv_link = url("/v1/summary.csv", **params)
    parts.append(
        f'<section id="engagement"><h2>{escape(t(lang, "group_composite"))}</h2><div class="grid wide">{_score(lang, data)}</div>'
        f'<p><a href="{escape(csv_link)}">{escape(t(lang, "download_csv"))}</a></p></section>'
    )
    return layout(lang, f"{t(lang, 'title')} · {data.tenant_name}", "".join(parts), header)


# Comments ----------------------------------------------------------------------------------------


_SENTIMENT_KEYS = ("negative", "neutral", "positive", "mixed")


def _comment(lang: Lang, comment: Mapping[str, Any], score_label: str, names: Mapping[str, str]) -> str:
    sentiment = str(comment["sentiment"])
    label = t(lang, sentiment) if sentiment in _SENTIMENT_KEYS else sentiment
    score = comment.get("score")
    where = [str(comment.get("channel") or "")]
    if comment.get("location_id"):
        where.append(names.get(comment["location_id"], comment["location_id"]))
    return (
        f'<div class="comment" data-sentiment="{escape(sentiment)}">'
        f'<span class="badge {escape(sentiment)}">{escape(label)}</span> '
        + (f"<strong>{escape(f'{score_label} {score}'.strip())}</strong> " if score is not None else "")
        + f'<q>{escape(str(comment["text"]))}</q> <span class="muted">{escape(" · ".join(w for w in where if w))}</span></div>'
    )


def comments_page(
    lang: Lang, tenant_name: str, document: Mapping[str, Any], store_names: Mapping[str, str]
) -> str:
    """The comments behind a metric, grouped by theme (most negative first)."""
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
    score_label = {
        "nps": "NPS",
        "nps_30d": "NPS",
        "csat": "CSAT",
        "csat_satisfied_rate": "CSAT",
        "ces": "CES",
    }.get(metric, "")
    sentiment = document["sentiment"]
    summary = " · ".join(f"{t(lang, s)}: {sentiment.get(s, 0)}" for s in ("negative", "neutral", "positive"))
    themes = []
    for theme in document["themes"]:
        phrase = " · ".join(theme.get("phrases") or []) or t(lang, "other_theme")
        related = theme.get("related") or []
        related_html = f'<span class="muted related">({escape(", ".join(related))})</span>' if related else ""
        negative = theme["sentiment"].get("negative", 0)
        share = round(100 * negative / theme["count"]) if theme["count"] else 0
        comments = "".join(_comment(lang, c, score_label, store_names) for c in theme["comments"])
        more = f'<p class="muted">+{theme["more"]}</p>' if theme.get("more") else ""
        themes.append(
            f'<section class="card theme" data-phrase="{escape(theme["phrase"] or "")}" data-negative="{negative}">'
            f'<h3><span>{escape(phrase)}</span> {related_html}<span class="badge">{theme["count"]}</span>'
            f' <span class="badge negative">{escape(t(lang, "negative"))}: {negative}</span></h3>'
            f'<svg class="bar-neg" viewBox="0 0 100 4" preserveAspectRatio="none" width="100%" height="7" aria-hidden="true">'
            f'<rect class="bg" width="100" height="4"/><rect class="fg" width="{share}" height="4"/></svg>'
            f"{comments}{more}</section>"
        )
    listing = "".join(themes) or f'<p class="muted" id="no-comments">{escape(t(lang, "comments_none"))}</p>'
    api_params = {"metric": metric, **filters}
    if period["from"] == period["to"]:
        api_params["date"] = period["from"]
    else:
        api_params["from"], api_params["to"] = period["from"], period["to"]
    body = (
        f'<p><a href="{escape(url("/dashboard", lang=lang))}">← {escape(t(lang, "back"))}</a></p>'
        f'<h1 id="comments-title">{escape(t(lang, "comments_title"))}: {escape(metric_label(lang, metric))} · {escape(when)}</h1>'
        f'<p class="muted">{escape(" · ".join(scope))}</p>'
        f'<p id="comments-summary"><strong>{escape(t(lang, "comments_total", n=document["total_comments"]))}</strong> · {escape(summary)}'
        f' · <a href="{escape(url("/v1/comments.csv", **api_params))}">{escape(t(lang, "download_csv"))}</a></p>'
        f'<div id="themes">{listing}</div>'
    )
    header = _header(lang, tenant_name, "/dashboard/comments", {**api_params})
    return layout(lang, f"{t(lang, 'comments_title')} · {tenant_name}", body, header)
