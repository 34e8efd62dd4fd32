"""The worker: one tenant-day per invocation, made idempotent with Powertools.

The idempotency key is (tenant_id, date, generation): a duplicated scheduled event or an async
retry after success returns the stored result instead of rolling the day up again, while a newer
dirty mark (a new generation) always runs. A manual invocation may pass its own `generation`.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib.events import worker_request
from touchpoint.engine.backend import EngineName
from touchpoint.models.scheduled_events import BadEventError
from touchpoint.observability import logger, metrics
from touchpoint.rollup.schedule import TenantDay
from touchpoint.rollup.service import DayNotOverError, TenantNotFoundError
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import get_runtime

IDEMPOTENCY_KEY = "[tenant_id, date, generation]"


def run_tenant_day(tenant_day: TenantDay, engine: EngineName = "duckdb") -> dict[str, Any]:
    """Roll up one tenant-day now on `engine` (the dispatcher chose it; the worker Lambda runs
    DuckDB, it has no Java); returns the run's summary."""
    result = build_service(get_runtime()).run_day(tenant_day.tenant_id, tenant_day.day, engine=engine)
    metrics.add_metric(name="RollupSeconds", unit=MetricUnit.Seconds, value=sum(result.timings.values()))
    metrics.add_metric(name="MetricPoints", unit=MetricUnit.Count, value=result.points)
    metrics.add_metric(name="RollupInputBytes", unit=MetricUnit.Bytes, value=result.input_bytes)
    return {**result.summary(), "reason": tenant_day.reason}


def _roll_up(request: dict[str, Any]) -> dict[str, Any]:
    return run_tenant_day(worker_request(request))


def run_worker(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Handle one worker invocation; a request that can never succeed returns `{"error": ...}`."""
    try:
        tenant_day = worker_request(event)
    except BadEventError as error:
        logger.error("bad rollup request", extra={"error": str(error)})
        return {"error": str(error)}
    runtime = get_runtime()
    config = IdempotencyConfig(event_key_jmespath=IDEMPOTENCY_KEY, raise_on_no_idempotency_key=True)
    config.register_lambda_context(context)
    store = DynamoDBPersistenceLayer(
        table_name=runtime.settings.idempotency_table, boto3_client=runtime.clients.dynamodb
    )
    once = idempotent_function(
        _roll_up, data_keyword_argument="request", persistence_store=store, config=config
    )
    try:
        result: dict[str, Any] = once(request=tenant_day.payload())
    except (TenantNotFoundError, DayNotOverError) as error:  # retrying cannot help
        logger.error("rollup request refused", extra={**tenant_day.payload(), "error": str(error)})
        return {"error": str(error), **tenant_day.payload()}
    return result
