"""The rollup function: nightly metric rollups. Wiring only: handlers call chalicelib logic."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from chalice.app import Chalice

from chalicelib.dispatch import dispatch_scheduled
from touchpoint.observability import logger, metrics
from touchpoint.settings import get_settings

get_settings()  # validate the environment at cold start: a bad variable stops the function here

app = Chalice(app_name="touchpoint-rollup")


@app.lambda_function(name="nightly")
@logger.inject_lambda_context
@metrics.log_metrics
def nightly(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Hourly EventBridge target: starts the tenant-days due at 02:00 local time and dirty days."""
    return dispatch_scheduled(event)
