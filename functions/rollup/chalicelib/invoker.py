"""The fan-out invoker: how the dispatcher hands one tenant-day to an engine.

Each due tenant-day is weighed first (the bytes of its raw input window, from listings) and
`touchpoint.rollup.engine_choice.choose_engine` picks the engine: DuckDB in the `worker` Lambda
(one asynchronous invocation per tenant-day; Lambda retries a failed one twice), or Spark on EMR
Serverless (one job run of `infra/spark/rollup_job.py` per tenant-day). Both run the same
`RollupService.run_day`, which marks the day `running` when it begins and `done` (or still
`dirty`) when it has written its results, so the rollup state is the same whichever engine ran.
Locally and in tests (`local`/`test` stage) both run in-process: the worker's code with
`engine="duckdb"` or `engine="spark"` (pyspark in local mode).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, cast

from botocore.exceptions import ClientError

from touchpoint.engine.backend import EngineName
from touchpoint.rollup.engine_choice import choose_engine
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


class JobRuns(Protocol):
    """What the Spark invoker needs from the boto3 `emr-serverless` client."""

    def start_job_run(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def list_job_runs(self, **kwargs: Any) -> Mapping[str, Any]: ...


#: The job's entry point and Python environment under the lake (`infra/spark/README.md`).
SPARK_ARTIFACTS = "artifacts/spark/"
SPARK_ENTRY_POINT = SPARK_ARTIFACTS + "rollup_job.py"
SPARK_ENVIRONMENT = SPARK_ARTIFACTS + "touchpoint-spark.tar.gz"
SPARK_LOGS = "artifacts/spark-logs/"
#: Executors of 4 vCPU / 16 GB (heap plus overhead), at most 16 per job run (4x the 4 the model in
#: bench/RESULTS.md "Scale" needs for the 50 M-event day in 30 minutes); a 16 vCPU driver with
#: 96 GB of heap, because the day's compaction runs on the driver in DuckDB (about 0.9 GB per
#: million events). The application's cap and the reasoning: infra/template.yaml `SparkApplication`.
SPARK_RESOURCES: dict[str, str] = {
    "spark.driver.cores": "16",
    "spark.driver.memory": "96g",
    "spark.executor.cores": "4",
    "spark.executor.memory": "14g",
    "spark.emr-serverless.driver.disk": "200g",
    "spark.emr-serverless.executor.disk": "30g",
    "spark.dynamicAllocation.initialExecutors": "4",
    "spark.dynamicAllocation.maxExecutors": "16",
}
#: A job run still going after this long is stopped (the 50 M-event day is sized for 30 minutes).
SPARK_TIMEOUT_MINUTES = 120
#: A scheduled event is retried by EventBridge for up to 24 hours: a retried dispatch finds the job
#: runs it started in that time.
RETRIED_DISPATCH_WITHIN = timedelta(hours=24)


def job_run_token(tenant_day: TenantDay, hour: datetime) -> str:
    """The idempotency token of a tenant-day's job run from the dispatch of `hour` (64 hex chars)."""
    key = "|".join(
        (tenant_day.tenant_id, tenant_day.day.isoformat(), tenant_day.generation, hour.isoformat())
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def spark_submit_parameters(bucket: str, environment: Mapping[str, str]) -> str:
    """`sparkSubmitParameters`: the packed Python environment, its interpreter, sizes and the job's
    environment variables (no secret: the job reads the key pepper from Secrets Manager)."""
    python = "./environment/bin/python"
    conf: dict[str, str] = {
        "spark.archives": f"s3://{bucket}/{SPARK_ENVIRONMENT}#environment",
        "spark.emr-serverless.driverEnv.PYSPARK_DRIVER_PYTHON": python,
        "spark.emr-serverless.driverEnv.PYSPARK_PYTHON": python,
        "spark.executorEnv.PYSPARK_PYTHON": python,
        **SPARK_RESOURCES,
        **{f"spark.emr-serverless.driverEnv.{name}": value for name, value in sorted(environment.items())},
    }
    blank = sorted(key for key, value in conf.items() if not value or any(c.isspace() for c in value))
    if blank:  # the parameters are one space-separated string: a value may not be empty or hold a space
        raise ValueError(f"Spark job settings must be non-empty without spaces: {', '.join(blank)}")
    return " ".join(f"--conf {key}={value}" for key, value in conf.items())


class EmrServerlessInvoker:
    """Starts one Spark job run per tenant-day on the EMR Serverless application.

    Idempotent per tenant-day, generation and dispatch hour: the job run is named after a token
    of those, and a retried dispatch that finds a job run of that name (started within the last
    24 hours) starts none; the same token is the request's `clientToken`, so two dispatches racing
    each other are also answered with one job run by EMR Serverless itself.
    """

    def __init__(
        self,
        client: JobRuns,
        *,
        application_id: str,
        execution_role_arn: str,
        bucket: str,
        hour: datetime,
        environment: Mapping[str, str],
    ) -> None:
        if not application_id or not execution_role_arn:
            raise ValueError(
                "a Spark rollup needs TOUCHPOINT_EMR_APPLICATION_ID and TOUCHPOINT_EMR_JOB_ROLE_ARN "
                "(set by the rollup's packaged template)"
            )
        self.client = client
        self.application_id = application_id
        self.execution_role_arn = execution_role_arn
        self.bucket = bucket
        self.hour = hour
        self.environment = dict(environment)
        self.started: dict[TenantDay, str] = {}

    def _existing(self, name: str) -> str | None:
        """The id of a job run named `name` started since the dispatch window began, if any."""
        request: dict[str, Any] = {
            "applicationId": self.application_id,
            "createdAtAfter": self.hour - RETRIED_DISPATCH_WITHIN,
        }
        while True:
            try:
                page = self.client.list_job_runs(**request)
            except ClientError as error:
                # moto answers so for an application without job runs; a missing application
                # fails in start_job_run right after, with its own error.
                if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    return None
                raise
            for run in page.get("jobRuns", []):
                if run.get("name") == name:
                    return str(run["id"])
            if not page.get("nextToken"):
                return None
            request["nextToken"] = page["nextToken"]

    def __call__(self, tenant_day: TenantDay) -> None:
        token = job_run_token(tenant_day, self.hour)
        name = f"rollup-{tenant_day.tenant_id}-{tenant_day.day.isoformat()}-{token[:16]}"
        existing = self._existing(name)
        if existing is not None:
            self.started[tenant_day] = existing
            return
        response = self.client.start_job_run(
            applicationId=self.application_id,
            clientToken=token,
            executionRoleArn=self.execution_role_arn,
            name=name,
            jobDriver={
                "sparkSubmit": {
                    "entryPoint": f"s3://{self.bucket}/{SPARK_ENTRY_POINT}",
                    "entryPointArguments": [
                        "--tenant",
                        tenant_day.tenant_id,
                        "--date",
                        tenant_day.day.isoformat(),
                    ],
                    "sparkSubmitParameters": spark_submit_parameters(self.bucket, self.environment),
                }
            },
            configurationOverrides={
                "monitoringConfiguration": {
                    "s3MonitoringConfiguration": {"logUri": f"s3://{self.bucket}/{SPARK_LOGS}"}
                }
            },
            executionTimeoutMinutes=SPARK_TIMEOUT_MINUTES,
            tags={
                "tenant": tenant_day.tenant_id,
                "date": tenant_day.day.isoformat(),
                "reason": tenant_day.reason,
            },
        )
        self.started[tenant_day] = str(response["jobRunId"])


@dataclass
class EngineRouter:
    """Weighs each tenant-day's raw window and hands it to the DuckDB or the Spark invoker."""

    measure: Callable[[TenantDay], int]
    threshold_bytes: int
    duckdb: Invoker
    spark: Invoker
    engines: dict[TenantDay, EngineName] = field(default_factory=dict)

    def __call__(self, tenant_day: TenantDay) -> None:
        engine = choose_engine("auto", self.measure(tenant_day), self.threshold_bytes)
        self.engines[tenant_day] = engine
        (self.spark if engine == "spark" else self.duckdb)(tenant_day)

    def summary(self) -> dict[str, str]:
        """`{"<tenant>/<date>": engine}` of every tenant-day handed on."""
        return {f"{t.tenant_id}/{t.day.isoformat()}": e for t, e in self.engines.items()}


def window_measure(runtime: Runtime, timezones: Mapping[str, str]) -> Callable[[TenantDay], int]:
    """The bytes of a tenant-day's raw input window, from the lake's listings."""
    from touchpoint.rollup.inputs import LakeInputLoader

    loader = LakeInputLoader(runtime.lake)

    def measure(tenant_day: TenantDay) -> int:
        return loader.window_bytes(tenant_day.tenant_id, tenant_day.day, timezones[tenant_day.tenant_id])

    return measure


def job_environment(runtime: Runtime) -> dict[str, str]:
    """What the Spark job's driver needs to build the same runtime as this function."""
    settings = runtime.settings
    return {
        "TOUCHPOINT_STAGE": settings.stage,
        "TOUCHPOINT_RESOURCE_PREFIX": settings.resource_prefix,
        "AWS_REGION": settings.region,
        "POWERTOOLS_SERVICE_NAME": "rollup-spark",
    }


def build_invoker(
    runtime: Runtime,
    own_function_name: str | None,
    run_here: Callable[[TenantDay, EngineName], Any],
    *,
    hour: datetime,
    timezones: Mapping[str, str],
) -> EngineRouter:
    """The invoker for this stage: in-process on `local`/`test` (either engine), elsewhere the
    worker Lambda (DuckDB) or an EMR Serverless job run (Spark), chosen per tenant-day by size."""
    settings = runtime.settings
    measure = window_measure(runtime, timezones)
    if settings.stage in IN_PROCESS_STAGES:
        return EngineRouter(
            measure,
            settings.spark_threshold_bytes,
            duckdb=InProcessInvoker(lambda tenant_day: run_here(tenant_day, "duckdb")),
            spark=InProcessInvoker(lambda tenant_day: run_here(tenant_day, "spark")),
        )
    spark = LazySparkInvoker(
        lambda: EmrServerlessInvoker(
            cast(JobRuns, runtime.clients.emr_serverless),
            application_id=settings.emr_application_id,
            execution_role_arn=settings.emr_job_role_arn,
            bucket=settings.lake_bucket,
            hour=hour,
            environment=job_environment(runtime),
        )
    )
    return EngineRouter(
        measure,
        settings.spark_threshold_bytes,
        duckdb=LambdaInvoker(
            runtime.clients.lambda_, worker_function_name(own_function_name, settings.stage)
        ),
        spark=spark,
    )


class LazySparkInvoker:
    """Makes the EMR Serverless invoker (and its client) only when a tenant-day needs Spark: a
    missing application id then fails that tenant-day alone, never the DuckDB ones."""

    def __init__(self, make: Callable[[], EmrServerlessInvoker]) -> None:
        self._make = make
        self._invoker: EmrServerlessInvoker | None = None

    def __call__(self, tenant_day: TenantDay) -> None:
        if self._invoker is None:
            self._invoker = self._make()
        self._invoker(tenant_day)
