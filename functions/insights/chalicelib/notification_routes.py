"""Routes of the per-answer notifications: rules (EDIT), test sends, deliveries (READ). Wiring only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Request, Response

from chalicelib.lazy import LazyModule
from touchpoint.loop.notify_deliveries import NotificationStatus
from touchpoint.loop.notify_rules import NotificationRuleInput
from touchpoint.runtime import get_runtime
from touchpoint.web.auth import EDIT, READ, Principal
from touchpoint.web.contract import FROM_DAY, TO_DAY, Operation, Param
from touchpoint.web.routing import json_response, route

if TYPE_CHECKING:
    from chalicelib import notifications_api
else:  # loaded by the first request that needs it
    notifications_api = LazyModule("chalicelib.notifications_api")

bp = Blueprint(__name__)

TOO_LARGE = "the body is over 16 KB"
DELIVERIES = (
    FROM_DAY,
    TO_DAY,
    Param("status", "delivery status", {"type": "string", "enum": [s.value for s in NotificationStatus]}),
)


def _request() -> Request:
    request = bp.current_request
    assert request is not None
    return request


@route(bp, "/v1/notifications/rules", access=EDIT, doc=Operation())
def get_notification_rules(principal: Principal) -> dict[str, Any]:
    """The tenant's notification rules (a store manager's: those of their stores)."""
    return notifications_api.list_rules(get_runtime(), principal)


@route(
    bp,
    "/v1/notifications/rules",
    access=EDIT,
    methods=["POST"],
    doc=Operation(
        body=NotificationRuleInput,
        status=201,
        statuses={413: TOO_LARGE, 422: "the tenant has the most rules allowed"},
    ),
)
def post_notification_rule(principal: Principal) -> Response:
    """Create a rule; the answer holds its webhook secret, shown this once."""
    rule = notifications_api.create_rule(get_runtime(), principal, _request().raw_body)
    return json_response(201, rule)


@route(bp, "/v1/notifications/rules/{rule_id}", access=EDIT, doc=Operation())
def get_notification_rule(principal: Principal, rule_id: str) -> dict[str, Any]:
    """One notification rule (without its secret)."""
    return notifications_api.get_rule(get_runtime(), principal, rule_id)


@route(
    bp,
    "/v1/notifications/rules/{rule_id}",
    access=EDIT,
    methods=["PUT"],
    doc=Operation(body=NotificationRuleInput, statuses={413: TOO_LARGE}),
)
def put_notification_rule(principal: Principal, rule_id: str) -> dict[str, Any]:
    """Replace a rule (a newly given webhook URL gets a secret, shown this once)."""
    return notifications_api.replace_rule(get_runtime(), principal, rule_id, _request().raw_body)


@route(bp, "/v1/notifications/rules/{rule_id}", access=EDIT, methods=["DELETE"], doc=Operation())
def delete_notification_rule(principal: Principal, rule_id: str) -> dict[str, Any]:
    """Delete a rule (its deliveries stay)."""
    return notifications_api.delete_rule(get_runtime(), principal, rule_id)


@route(
    bp,
    "/v1/notifications/rules/{rule_id}/rotate-secret",
    access=EDIT,
    methods=["POST"],
    doc=Operation(statuses={409: "the rule has no webhook URL"}),
)
def post_notification_rule_rotate(principal: Principal, rule_id: str) -> dict[str, Any]:
    """Give the rule's webhook a new signing secret, shown this once."""
    return notifications_api.rotate_secret(get_runtime(), principal, rule_id)


@route(
    bp,
    "/v1/notifications/rules/{rule_id}/test",
    access=EDIT,
    methods=["POST"],
    doc=Operation(statuses={409: "the rule has only the daily digest"}),
)
def post_notification_rule_test(principal: Principal, rule_id: str) -> dict[str, Any]:
    """Send a sample answer to the rule's Slack and webhook destinations now."""
    return notifications_api.test_rule(get_runtime(), principal, rule_id)


@route(bp, "/v1/notifications/deliveries", access=READ, doc=Operation(query=DELIVERIES))
def get_notification_deliveries(principal: Principal) -> dict[str, Any]:
    """Deliveries with their attempts, last error and next retry: `?status&from&to`."""
    return notifications_api.list_deliveries(get_runtime(), principal, _request().query_params)
