"""The rollup function: nightly metric rollups. Wiring only: handlers call chalicelib logic.

`nightly` is the hourly EventBridge target (the dispatcher); `worker` rolls up one tenant-day per
invocation (the dispatcher invokes it asynchronously, one tenant-day each); `retention` is the
daily privacy run (pending erasures, then each tenant's retention sweep; `touchpoint.privacy`).
`notifications` consumes the per-answer notifications queue (`touchpoint.loop.notify_delivery`,
its SQS event source is in `.chalice/merge-template.json`); `digest` is the hourly target that
sends each tenant's notification digest at 08:00 local time (`touchpoint.loop.digest`).
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from chalice.app import Chalice

from chalicelib.dispatch import dispatch_scheduled
from chalicelib.worker import run_worker
from touchpoint.observability import logger, metrics, tracer
from touchpoint.privacy.scheduled import handle_scheduled
from touchpoint.runtime import get_runtime
from touchpoint.settings import get_settings

get_settings()  # validate the environment at cold start: a bad variable stops the function here

app = Chalice(app_name="touchpoint-rollup")


@app.lambda_function(name="nightly")
@tracer.capture_lambda_handler
@logger.inject_lambda_context
@metrics.log_metrics
def nightly(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Hourly EventBridge target: starts the tenant-days due at 02:00 local time and dirty days."""
    return dispatch_scheduled(event, context)


@app.lambda_function(name="worker")
@tracer.capture_lambda_handler
@logger.inject_lambda_context
@metrics.log_metrics
def worker(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Rolls up one tenant-day: `{"tenant_id": ..., "date": "YYYY-MM-DD", "generation": ...}`."""
    return run_worker(event, context)


@app.lambda_function(name="retention")
@tracer.capture_lambda_handler
@logger.inject_lambda_context
@metrics.log_metrics
def retention(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Daily EventBridge target: continue pending erasures, then sweep each tenant's retention."""
    return handle_scheduled(get_runtime(), event, context)


@app.lambda_function(name="notifications")
@tracer.capture_lambda_handler
@logger.inject_lambda_context
@metrics.log_metrics
def notifications(event: dict[str, Any], context: LambdaContext) -> Any:
    """SQS event source of the notifications queue: delivers each message (partial batch failures)."""
    from touchpoint.loop.notify_delivery import process_batch  # only this function's cold start pays

    return process_batch(get_runtime(), event, context)


@app.lambda_function(name="digest")
@tracer.capture_lambda_handler
@logger.inject_lambda_context
@metrics.log_metrics
def digest(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Hourly EventBridge target: the notification digests of tenants for which it is 08:00."""
    from touchpoint.loop.digest import run_digests

    return run_digests(get_runtime())
