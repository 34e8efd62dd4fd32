"""The insights function: metrics API and dashboard. Wiring only: routes call chalicelib logic."""

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from chalice.app import Chalice, Request, Response

from chalicelib.account_routes import bp as account_routes
from chalicelib.alerts_console_routes import bp as alerts_console_routes
from chalicelib.at_risk_routes import bp as at_risk_routes
from chalicelib.cases_routes import bp as cases_routes
from chalicelib.inbox_routes import bp as inbox_routes
from chalicelib.keys_routes import bp as keys_routes
from chalicelib.lazy import LazyModule
from chalicelib.notification_routes import bp as notification_routes
from chalicelib.settings_routes import bp as settings_routes
from chalicelib.users_routes import bp as users_routes
from touchpoint.alerts.models import DeliveryStatus
from touchpoint.alerts.rules import AlertRuleInput
from touchpoint.metrics.registry import BREAKDOWN_NAMES, METRIC_NAMES
from touchpoint.runtime import get_runtime
from touchpoint.settings import get_settings
from touchpoint.web.auth import ADMIN, PUBLIC, READ, Principal
from touchpoint.web.base_path import get_base_path_settings
from touchpoint.web.contract import DAY, FORM_FIELDS, FROM_DAY, LANG, TO_DAY, Operation, Param
from touchpoint.web.errors import ApiError
from touchpoint.web.health import register_health
from touchpoint.web.middleware import register_observability
from touchpoint.web.routing import json_response, route

if TYPE_CHECKING:
    from chalicelib import alerts_api, api_document, csv_export, views
else:  # loaded by the first request that needs it
    alerts_api = LazyModule("chalicelib.alerts_api")
    api_document = LazyModule("chalicelib.api_document")
    csv_export = LazyModule("chalicelib.csv_export")
    views = LazyModule("chalicelib.views")

get_settings()  # validate the environment at cold start: a bad variable stops the function here
get_base_path_settings()  # TOUCHPOINT_BASE_PATH, the prefix of links and redirects

app = Chalice(app_name="touchpoint-insights")
register_observability(app)
app.register_blueprint(account_routes)
app.register_blueprint(users_routes)
app.register_blueprint(settings_routes)
app.register_blueprint(cases_routes)
app.register_blueprint(inbox_routes)
app.register_blueprint(at_risk_routes)
app.register_blueprint(notification_routes)
app.register_blueprint(alerts_console_routes)
app.register_blueprint(keys_routes)

# The contract's query parameters, bodies and outcomes (`touchpoint openapi`).
METRIC = Param("metric", "a metric of docs/METRICS.md", {"type": "string", "enum": list(METRIC_NAMES)})
BREAKDOWN = Param("breakdown", "split by this dimension", {"type": "string", "enum": sorted(BREAKDOWN_NAMES)})
METRICS = (
    Param("metrics", "comma-separated metric names"),
    Param("metric", "a metric name (may repeat)", {"type": "string", "enum": list(METRIC_NAMES)}),
)
ONE_METRIC = Operation(query=(replace(METRIC, required=True), FROM_DAY, TO_DAY, BREAKDOWN))
BATCH = (*METRICS, FROM_DAY, TO_DAY, BREAKDOWN)
SUMMARY = (FROM_DAY, TO_DAY, *METRICS)
COMMENTS = (
    METRIC,
    Param("date", "one day, YYYY-MM-DD", DAY),
    FROM_DAY,
    TO_DAY,
    Param("location", "only this store"),
    Param("channel", "only this channel"),
    Param("survey", "only this survey"),
)
ALERTS = (
    FROM_DAY,
    TO_DAY,
    Param("status", "delivery status", {"type": "string", "enum": [s.value for s in DeliveryStatus]}),
)
TOO_LARGE = "the body is over 16 KB"
WEBHOOK = {
    "type": "object",
    "required": ["url"],
    "additionalProperties": False,
    "properties": {"url": {"type": ["string", "null"], "format": "uri"}},
}
HTML = "text/html"
SIGN_IN = (LANG, Param("next", "where to go after signing in (a dashboard path)"))

register_health(
    app,
    "insights",
    tables=["cases_table", "config_table", "metrics_table", "responses_table", "state_table"],
    bucket=False,
)


@route(app, "/v1/metrics", access=READ, doc=ONE_METRIC)
def get_metrics(principal: Principal) -> dict[str, Any]:
    """Daily values of one metric: `?metric=M&from=D1&to=D2[&breakdown=B]` (read or admin key)."""
    request = app.current_request
    assert request is not None
    return views.one_metric(principal, request.query_params, get_runtime().metrics)


def _request() -> Request:
    request = app.current_request
    assert request is not None
    return request


def _page_error(error: ApiError) -> Response:
    return views.page_error(app.current_request, error)


# Metrics API ------------------------------------------------------------------------------------


@route(app, "/v1/metrics/batch", access=READ, doc=Operation(query=BATCH))
def get_metrics_batch(principal: Principal) -> dict[str, Any]:
    """Several metrics in one call: `?metrics=a,b` (or `metric` repeated) `&from&to[&breakdown]`."""
    return views.batch_metrics(principal, _request().query_params, get_runtime().metrics)


@route(app, "/v1/metrics.csv", access=READ, doc=Operation(query=BATCH, media_type="text/csv"))
def get_metrics_csv(principal: Principal) -> Response:
    """The batch metrics query as CSV."""
    return views.metrics_csv(principal, _request().query_params, get_runtime().metrics)


@route(app, "/v1/summary", access=READ, doc=Operation(query=SUMMARY))
def get_summary(principal: Principal) -> dict[str, Any]:
    """The north star and each metric's change against the previous period: `?from&to`."""
    return views.summary(get_runtime(), principal, _request().query_params)


@route(app, "/v1/summary.csv", access=READ, doc=Operation(query=SUMMARY, media_type="text/csv"))
def get_summary_csv(principal: Principal) -> Response:
    """The summary as CSV."""
    return views.summary_csv(get_runtime(), principal, _request().query_params)


@route(app, "/v1/comments", access=READ, doc=Operation(query=COMMENTS))
def get_comments(principal: Principal) -> dict[str, Any]:
    """The comments behind a feedback metric: `?metric&date[&location&channel&survey]`, by theme."""
    runtime = get_runtime()
    return views.comments(runtime, principal, _request().query_params, runtime.responses)


@route(app, "/v1/comments.csv", access=READ, doc=Operation(query=COMMENTS, media_type="text/csv"))
def get_comments_csv(principal: Principal) -> Response:
    """The comments query as CSV."""
    runtime = get_runtime()
    return views.comments_csv(runtime, principal, _request().query_params, runtime.responses)


# Alerts -----------------------------------------------------------------------------------------


@route(app, "/v1/alerts", access=READ, doc=Operation(query=ALERTS))
def get_alerts(principal: Principal) -> dict[str, Any]:
    """Fired alerts with their delivery status: `?from&to&status`."""
    return {"alerts": views.alerts(get_runtime(), principal, _request().query_params)}


@route(app, "/v1/alerts.csv", access=READ, doc=Operation(query=ALERTS, media_type="text/csv"))
def get_alerts_csv(principal: Principal) -> Response:
    """Fired alerts as CSV."""
    document = get_alerts(principal)
    return csv_export.csv_response(csv_export.alerts_csv(document["alerts"]), "touchpoint-alerts.csv")


@route(app, "/v1/alerts/rules", access=ADMIN)
def get_alert_rules(principal: Principal) -> dict[str, Any]:
    """The tenant's alert rules."""
    return alerts_api.list_rules(get_runtime(), principal.tenant_id)


@route(
    app,
    "/v1/alerts/rules",
    access=ADMIN,
    methods=["POST"],
    doc=Operation(
        body=AlertRuleInput,
        status=201,
        statuses={409: "the rule id is taken", 413: TOO_LARGE, 422: "the tenant has the most rules allowed"},
    ),
)
def post_alert_rule(principal: Principal) -> Response:
    """Create an alert rule."""
    rule = alerts_api.create_rule(get_runtime(), principal.tenant_id, _request().raw_body)
    return json_response(201, rule)


@route(app, "/v1/alerts/rules/{rule_id}", access=ADMIN)
def get_alert_rule(principal: Principal, rule_id: str) -> dict[str, Any]:
    """One alert rule."""
    return alerts_api.get_rule(get_runtime(), principal.tenant_id, rule_id)


@route(
    app,
    "/v1/alerts/rules/{rule_id}",
    access=ADMIN,
    methods=["PUT"],
    doc=Operation(body=AlertRuleInput, statuses={413: TOO_LARGE}),
)
def put_alert_rule(principal: Principal, rule_id: str) -> dict[str, Any]:
    """Replace an alert rule."""
    return alerts_api.replace_rule(get_runtime(), principal.tenant_id, rule_id, _request().raw_body)


@route(app, "/v1/alerts/rules/{rule_id}", access=ADMIN, methods=["DELETE"])
def delete_alert_rule(principal: Principal, rule_id: str) -> dict[str, Any]:
    """Delete an alert rule (its fired alerts stay)."""
    return alerts_api.delete_rule(get_runtime(), principal.tenant_id, rule_id)


@route(app, "/v1/alerts/webhook", access=ADMIN)
def get_alert_webhook(principal: Principal) -> dict[str, Any]:
    """The webhook URL and its signing secret."""
    return alerts_api.webhook_settings(get_runtime(), principal.tenant_id)


@route(
    app,
    "/v1/alerts/webhook",
    access=ADMIN,
    methods=["PUT"],
    doc=Operation(body=WEBHOOK, statuses={413: TOO_LARGE}),
)
def put_alert_webhook(principal: Principal) -> dict[str, Any]:
    """Set or remove the webhook URL: `{"url": "https://..."}`."""
    return alerts_api.set_webhook(get_runtime(), principal.tenant_id, _request().raw_body)


@route(app, "/v1/alerts/webhook/rotate", access=ADMIN, methods=["POST"])
def post_alert_webhook_rotate(principal: Principal) -> dict[str, Any]:
    """Replace the webhook signing secret."""
    return alerts_api.rotate_webhook_secret(get_runtime(), principal.tenant_id)


@route(app, "/v1/alerts/{alert_id}", access=READ)
def get_alert(principal: Principal, alert_id: str) -> dict[str, Any]:
    """One fired alert with every delivery attempt."""
    return views.alert(get_runtime(), principal, alert_id)


@route(app, "/v1/alerts/{alert_id}/redeliver", access=ADMIN, methods=["POST"])
def post_alert_redeliver(principal: Principal, alert_id: str) -> dict[str, Any]:
    """Try a fired alert's failed deliveries again."""
    return alerts_api.redeliver_alert(get_runtime(), principal.tenant_id, alert_id)


# Dashboard --------------------------------------------------------------------------------------


@route(
    app,
    "/dashboard",
    access=READ,
    on_error=_page_error,
    doc=Operation(query=(FROM_DAY, TO_DAY, LANG), media_type=HTML),
)
def get_dashboard(principal: Principal) -> Response:
    """The dashboard (without a valid session: 401 with the sign-in page)."""
    return views.dashboard(get_runtime(), principal, _request())


@route(
    app,
    "/dashboard/comments",
    access=READ,
    on_error=_page_error,
    doc=Operation(query=(*COMMENTS, LANG), media_type=HTML),
)
def get_dashboard_comments(principal: Principal) -> Response:
    """The comments behind a number."""
    runtime = get_runtime()
    return views.comments_view(runtime, principal, _request(), runtime.responses)


@route(app, "/dashboard/login", access=PUBLIC, doc=Operation(query=SIGN_IN, media_type=HTML))
def get_dashboard_login(_principal: None) -> Response:
    """The sign-in form."""
    return views.login_page(_request())


@route(
    app,
    "/dashboard/login",
    access=PUBLIC,
    methods=["POST"],
    content_types=["application/x-www-form-urlencoded", "multipart/form-data"],
    doc=Operation(
        body=FORM_FIELDS,
        status=303,
        statuses={401: "the key is not a valid read key (the form again)", 403: "a cross-site sign-in"},
        html_errors=True,
        media_type=HTML,
    ),
)
def post_dashboard_login(_principal: None) -> Response:
    """Sign in with the tenant's read key (kept in a Secure, HttpOnly, SameSite=Strict cookie)."""
    return views.login(get_runtime(), _request())


@route(
    app,
    "/dashboard/logout",
    access=PUBLIC,
    methods=["POST"],
    content_types=["application/x-www-form-urlencoded", "application/json", "text/plain"],
    doc=Operation(status=303, statuses={403: "a cross-site sign-out"}, html_errors=True, media_type=HTML),
)
def post_dashboard_logout(_principal: None) -> Response:
    """Sign out."""
    return views.logout(_request())


# The API contract -------------------------------------------------------------------------------


@route(app, "/openapi.json", access=PUBLIC)
def get_openapi(_principal: None) -> Response:
    """The OpenAPI 3.1 document of every function's routes (`touchpoint openapi` writes it)."""
    return api_document.openapi_response()
