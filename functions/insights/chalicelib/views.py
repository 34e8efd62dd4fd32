"""The insights routes' logic: API documents, CSV exports and the dashboard pages.

`app.py` only wires routes to these functions; each takes the caller's tenant (from the
principal) and the request's parts, never a tenant id from the request itself.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from chalice.app import Request, Response

from chalicelib import alerts_api, csv_export, pages, scoped
from chalicelib.comment_drilldown import ResponseSource, comments_document, parse_comment_query
from chalicelib.dashboard import build_dashboard
from chalicelib.dashboard_texts import t
from chalicelib.metrics_api import parse_query, read_metrics
from chalicelib.queries import MetricsReader, metric_list, params_of, parse_period, single
from chalicelib.session import (
    LANG_COOKIE,
    check_login,
    clear_session_cookie,
    lang_cookie,
    read_form,
    safe_next,
    session_cookie,
)
from chalicelib.summary import build_summary
from touchpoint.metrics.registry import METRIC_NAMES, SUMMARY_METRICS
from touchpoint.models.tenants import Tenant
from touchpoint.runtime import Runtime
from touchpoint.web.auth import SESSION_COOKIE, Principal
from touchpoint.web.base_path import request_base_path
from touchpoint.web.errors import ApiError, bad_request, not_found
from touchpoint.web.forms import cookie_value, same_origin
from touchpoint.web.locale import Lang, as_lang, negotiate
from touchpoint.web.scope import can_see, is_scoped

DASHBOARD_ALERTS = 20


def _tenant(runtime: Runtime, principal: Principal) -> Tenant:
    tenant = runtime.tenants.get_tenant(principal.tenant_id)
    if tenant is None:  # a key of a deleted tenant
        raise not_found("tenant")
    return tenant


def _headers(request: Request) -> dict[str, str]:
    return {str(k): str(v) for k, v in dict(request.headers).items()}


# API ---------------------------------------------------------------------------------------------


def one_metric(principal: Principal, query: Any, reader: MetricsReader) -> dict[str, Any]:
    """`GET /v1/metrics`: one metric's daily values (a store manager's: their stores' rows)."""
    params = {name: values[-1] for name, values in params_of(query).items() if values}
    if is_scoped(principal):
        params["breakdown"] = scoped.store_breakdown(principal, params.get("breakdown")) or ""
    return read_metrics(principal.tenant_id, params, scoped.metrics_reader(reader, principal))


def batch_metrics(principal: Principal, query: Any, reader: MetricsReader) -> dict[str, Any]:
    """`GET /v1/metrics/batch`: several metrics in one call, each as `GET /v1/metrics` returns it."""
    tenant_id = principal.tenant_id
    reader = scoped.metrics_reader(reader, principal)
    params = params_of(query)
    names = metric_list(params, METRIC_NAMES)
    first, last = single(params, "from"), single(params, "to")
    if first is None or last is None:
        missing = "from" if first is None else "to"
        raise bad_request(f"query parameter {missing} is required", field=missing)
    breakdown = scoped.store_breakdown(principal, single(params, "breakdown"))
    base = {"from": first, "to": last, **({"breakdown": breakdown} if breakdown else {})}
    parse_query({**base, "metric": names[0]})  # validate the shared parameters before any read

    def one(name: str) -> dict[str, Any]:
        return read_metrics(tenant_id, {**base, "metric": name}, reader)

    with ThreadPoolExecutor(max_workers=min(8, len(names))) as pool:
        series = list(pool.map(one, names))
    return {"from": first, "to": last, "breakdown": breakdown, "metrics": series}


def metrics_csv(principal: Principal, query: Any, reader: MetricsReader) -> Response:
    """`GET /v1/metrics.csv`: the batch query as CSV."""
    document = batch_metrics(principal, query, reader)
    name = f"touchpoint-metrics-{document['from']}-{document['to']}.csv"
    return csv_export.csv_response(csv_export.metrics_csv(document["metrics"]), name)


def summary(runtime: Runtime, principal: Principal, query: Any) -> dict[str, Any]:
    """`GET /v1/summary`: the north star and every metric against the previous period (tenant-wide)."""
    scoped.refuse_tenant_wide(principal)
    tenant = _tenant(runtime, principal)
    params = params_of(query)
    period = parse_period(params, tenant.config.timezone)
    names = metric_list(params, SUMMARY_METRICS) if params.get("metric") or params.get("metrics") else None
    return build_summary(tenant.tenant_id, tenant.config.north_star, period, runtime.metrics, names)


def summary_csv(runtime: Runtime, principal: Principal, query: Any) -> Response:
    """`GET /v1/summary.csv`."""
    document = summary(runtime, principal, query)
    period = document["period"]
    name = f"touchpoint-summary-{period['from']}-{period['to']}.csv"
    return csv_export.csv_response(csv_export.summary_csv(document), name)


def comments(runtime: Runtime, principal: Principal, query: Any, source: ResponseSource) -> dict[str, Any]:
    """`GET /v1/comments`: the comments behind a feedback metric, by theme (of the caller's stores)."""
    tenant = _tenant(runtime, principal)
    parsed = parse_comment_query(params_of(query))
    source = scoped.response_source(source, principal)
    return comments_document(tenant.tenant_id, tenant.config.timezone, parsed, source)


def comments_csv(runtime: Runtime, principal: Principal, query: Any, source: ResponseSource) -> Response:
    """`GET /v1/comments.csv`."""
    document = comments(runtime, principal, query, source)
    period = document["period"]
    name = f"touchpoint-comments-{document['metric']}-{period['from']}-{period['to']}.csv"
    return csv_export.csv_response(csv_export.comments_csv(document), name)


# Dashboard ---------------------------------------------------------------------------------------


def page_lang(request: Request) -> Lang:
    """The language of a dashboard page for this request."""
    headers = _headers(request)
    accept = next((v for k, v in headers.items() if k.lower() == "accept-language"), None)
    chosen = params_of(request.query_params).get("lang")
    return negotiate(accept, chosen[-1] if chosen else None, cookie_value(headers, LANG_COOKIE))


def _lang_headers(request: Request, lang: Lang) -> dict[str, str]:
    chosen = params_of(request.query_params).get("lang")
    if not (chosen and chosen[-1] == lang):
        return {}
    return {"Set-Cookie": lang_cookie(lang, request_base_path(request))}


def _this_page(request: Request | None) -> str | None:
    """The route and query of this request, without its prefix (what the sign-in returns to)."""
    if request is None:
        return None
    path = str(request.context.get("resourcePath") or "")
    query = urlencode([(k, v) for k, values in params_of(request.query_params).items() for v in values])
    return f"{path}?{query}" if query else path


def page_error(request: Request | None, error: ApiError) -> Response:
    """How a dashboard page answers a client error: for 401/403 the sign-in page with that status
    (so scripts and monitors see they are not signed in; no `WWW-Authenticate`, which would make a
    browser prompt for a password), a refused session also cleared; else an error page."""
    lang = page_lang(request) if request is not None else "de"
    base = request_base_path(request)
    if error.status in (401, 403):
        back = safe_next(_this_page(request), lang)
        had_session = request is not None and cookie_value(_headers(request), SESSION_COOKIE) is not None
        if not had_session:
            return pages.html_response(error.status, pages.login_page(lang, next_url=back, base=base))
        return pages.html_response(
            error.status,
            pages.login_page(lang, t(lang, "session_expired"), next_url=back, base=base),
            {"Set-Cookie": clear_session_cookie(base)},
        )
    return pages.html_response(error.status, pages.error_page(lang, error.message, base))


def dashboard(runtime: Runtime, principal: Principal, request: Request) -> Response:
    """`GET /dashboard`: the tenant's dashboard for `?from&to` (default: the last 30 days)."""
    tenant = _tenant(runtime, principal)
    lang = page_lang(request)
    period = parse_period(params_of(request.query_params), tenant.config.timezone)
    names = {
        loc.location_id: loc.name
        for loc in runtime.locations.list_locations(tenant.tenant_id)
        if can_see(principal, loc.location_id)
    }
    alerts = runtime.alerts.list_alerts(
        tenant.tenant_id, period.first, period.last + timedelta(days=1), limit=DASHBOARD_ALERTS
    )
    reader = scoped.metrics_reader(runtime.metrics, principal)
    data = build_dashboard(
        tenant.tenant_id, tenant.name, tenant.config.north_star, period, reader, names, alerts
    )
    if principal.locations is not None:  # a store manager: their stores, no company-wide figures
        data = replace(data, alerts=scoped.visible_alerts(principal, data.alerts), scope=tuple(sorted(names)))
    page = pages.dashboard_page(lang, data, tenant.config.currency, request_base_path(request))
    return pages.html_response(200, page, _lang_headers(request, lang))


def comments_view(
    runtime: Runtime, principal: Principal, request: Request, source: ResponseSource
) -> Response:
    """`GET /dashboard/comments`: the drill-down page."""
    tenant = _tenant(runtime, principal)
    lang = page_lang(request)
    document = comments(runtime, principal, request.query_params, source)
    names = {
        loc.location_id: loc.name
        for loc in runtime.locations.list_locations(tenant.tenant_id)
        if can_see(principal, loc.location_id)
    }
    page = pages.comments_page(lang, tenant.name, document, names, request_base_path(request))
    return pages.html_response(200, page, _lang_headers(request, lang))


def login(runtime: Runtime, request: Request) -> Response:
    """`POST /dashboard/login`: check the read key, set the session cookie, go to the dashboard."""
    form = read_form(request.raw_body)
    lang = as_lang((form or {}).get("lang")) or page_lang(request)
    base = request_base_path(request)
    if not same_origin(_headers(request)):
        return pages.html_response(403, pages.error_page(lang, "cross-site sign-in refused", base))
    if form is None:
        return pages.html_response(400, pages.login_page(lang, t(lang, "login_malformed"), base=base))
    outcome = check_login(form.get("key", ""), runtime.tenants)
    if outcome.record is None:
        message = t(lang, outcome.error or "login_failed", kind=outcome.kind or "")
        return pages.html_response(401, pages.login_page(lang, message, base=base))
    return Response(
        body="",
        status_code=303,
        headers={
            "Location": base + safe_next(form.get("next"), lang),
            "Set-Cookie": session_cookie(outcome.record, runtime.settings.key_pepper, time.time(), base),
            "Cache-Control": "no-store",
        },
    )


def logout(request: Request) -> Response:
    """`POST /dashboard/logout`: forget the session cookie."""
    base = request_base_path(request)
    if not same_origin(_headers(request)):
        refused = pages.error_page(page_lang(request), "cross-site sign-out refused", base)
        return pages.html_response(403, refused)
    return Response(
        body="",
        status_code=303,
        headers={
            "Location": base + "/dashboard",
            "Set-Cookie": clear_session_cookie(base),
            "Cache-Control": "no-store",
        },
    )


def login_page(request: Request) -> Response:
    """`GET /dashboard/login?next=`: the sign-in form, going back to `next` (a page of this site) after it."""
    lang = page_lang(request)
    back = safe_next(single(params_of(request.query_params), "next"), lang)
    return pages.html_response(200, pages.login_page(lang, next_url=back, base=request_base_path(request)))


def alerts(runtime: Runtime, principal: Principal, query: Any) -> list[dict[str, Any]]:
    """`GET /v1/alerts`: fired alerts of the period (a store manager's: of their stores)."""
    tenant = runtime.tenants.get_tenant(principal.tenant_id)
    timezone = tenant.config.timezone if tenant else "UTC"
    found = alerts_api.list_alerts(runtime, principal.tenant_id, timezone, params_of(query))
    return scoped.visible_alert_documents(principal, found)


def alert(runtime: Runtime, principal: Principal, alert_id: str) -> dict[str, Any]:
    """`GET /v1/alerts/{alert_id}`: one fired alert (404 for another store's, to a store manager)."""
    document = alerts_api.get_alert(runtime, principal.tenant_id, alert_id)
    if not scoped.visible_alert_documents(principal, [document]):
        raise not_found("alert")
    return document
