"""Chalice middleware every HTTP function registers: logger, metrics and tracer around each request.

- Logger: the request's correlation id (API Gateway's request id, else Lambda's, else a fresh
  one) on every log line of the request, and the Lambda context's fields once it is known.
- Metrics: whatever the request added is published as one EMF document when it ends.
- Tracer: a subsegment named after the route (only when tracing is on, `touchpoint.observability`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from chalice.app import Chalice, Request, Response

from touchpoint.observability import logger, publish_metrics, tracer

_REQUEST_KEYS = ["correlation_id", "http_method", "route"]


def request_id(request: Request) -> str:
    """The id of a request: API Gateway's request id, else the Lambda invocation's, else a new one."""
    from_gateway = request.context.get("requestId") if isinstance(request.context, dict) else None
    from_lambda = getattr(request.lambda_context, "aws_request_id", None)
    return str(from_gateway or from_lambda or uuid.uuid4())


def _route(request: Request) -> str:
    context = request.context if isinstance(request.context, dict) else {}
    return str(context.get("resourcePath") or request.path)


def observe_request(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Run one request with its correlation id logged, its metrics published and a trace subsegment."""
    route = _route(request)
    logger.thread_safe_append_keys(
        correlation_id=request_id(request), http_method=request.method, route=route
    )
    try:
        with tracer.subsegment(f"## {request.method} {route}"):
            return get_response(request)
    finally:
        publish_metrics()
        logger.thread_safe_remove_keys(_REQUEST_KEYS)


def register_observability(app: Chalice) -> None:
    """Wire `observe_request` around every HTTP request of `app` (Chalice middleware)."""

    @app.middleware("all")
    def _observe(event: Any, get_response: Callable[[Any], Any]) -> Any:
        if not isinstance(event, Request):
            return get_response(event)
        return observe_request(event, get_response)
