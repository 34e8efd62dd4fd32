"""The fan-out invoker: how the dispatcher hands one tenant-day to the worker.

On AWS each tenant-day is one asynchronous invocation of the `worker` Lambda (Lambda retries a
failed one twice). Locally and in tests (`local`/`test` stage) the worker runs in-process.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from touchpoint.rollup.schedule import Invoker, TenantDay
from touchpoint.runtime import Runtime

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

IN_PROCESS_STAGES = ("local", "test")
APP_NAME = "touchpoint-rollup"
#: Set by the packaged template (`.chalice/merge-template.json`: `{"Ref": "Worker"}`).
WORKER_VARIABLE = "TOUCHPOINT_ROLLUP_WORKER"


def worker_function_name(
    own_function_name: str | None, stage: str, env: Mapping[str, str] | None = None
) -> str:
    """The worker's Lambda name: `TOUCHPOINT_ROLLUP_WORKER` (CloudFormation names it when deployed
    from `make package`), else the dispatcher's own name with `-worker` for `-nightly` (what
    `chalice deploy` names them), else `touchpoint-rollup-<stage>-worker`."""
    configured = (os.environ if env is None else env).get(WORKER_VARIABLE, "").strip()
    if configured:
        return configured
    if own_function_name and own_function_name.endswith("-nightly"):
        return own_function_name[: -len("nightly")] + "worker"
    return f"{APP_NAME}-{stage}-worker"


class LambdaInvoker:
    """Starts the worker Lambda asynchronously (`InvocationType=Event`)."""

    def __init__(self, client: LambdaClient, function_name: str) -> None:
        self.client = client
        self.function_name = function_name

    def __call__(self, tenant_day: TenantDay) -> None:
        response = self.client.invoke(
            FunctionName=self.function_name,
            InvocationType="Event",
            Payload=json.dumps(tenant_day.payload()).encode("utf-8"),
        )
        if response.get("StatusCode") != 202:
            raise RuntimeError(f"invoking {self.function_name} answered {response.get('StatusCode')}")


class InProcessInvoker:
    """Runs the tenant-day right here (local stack and tests)."""

    def __init__(self, run: Callable[[TenantDay], Any]) -> None:
        self.run = run

    def __call__(self, tenant_day: TenantDay) -> None:
        self.run(tenant_day)


def build_invoker(
    runtime: Runtime, own_function_name: str | None, run_here: Callable[[TenantDay], Any]
) -> Invoker:
    """The invoker for this stage: in-process on `local`/`test`, the worker Lambda elsewhere."""
    stage = runtime.settings.stage
    if stage in IN_PROCESS_STAGES:
        return InProcessInvoker(run_here)
    return LambdaInvoker(runtime.clients.lambda_, worker_function_name(own_function_name, stage))
