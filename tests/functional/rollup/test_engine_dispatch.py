"""The nightly dispatcher's engine choice: big tenant-days to Spark on EMR Serverless, the others
to the DuckDB worker Lambda; on the `test` stage both run in-process."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, make_tenant
from tests.functional.rollup.support import load_days
from touchpoint.rollup.schedule import dispatch
from touchpoint.runtime import Runtime, get_runtime, reset_runtime
from touchpoint.settings import Settings
from touchpoint.storage.rollup_state import DONE
from touchpoint_cli.apps import function_module, load_app
from touchpoint_cli.cfn import load_template

DAY = date(2026, 3, 10)
HOUR = datetime(2026, 3, 11, 2, tzinfo=UTC)  # 02:00 UTC: the UTC tenants are due for DAY


class RecordingLambda:
    """The worker Lambda's client: records the asynchronous invocations."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append({**kwargs, "Payload": json.loads(kwargs["Payload"])})
        return {"StatusCode": 202}


@pytest.fixture
def emr_application(aws: Runtime) -> str:
    """An application made from the template's properties (moto accepts only `emr-X.Y.0` labels,
    so the release label alone is moto's; the template's is checked below)."""
    properties = load_template()["Resources"]["SparkApplication"]["Properties"]
    client = boto3.client("emr-serverless", region_name="eu-central-1")
    return str(
        client.create_application(
            name="touchpoint-prod-rollup-spark",
            type=properties["Type"],
            releaseLabel="emr-7.12.0",
            maximumCapacity={k.lower(): v for k, v in properties["MaximumCapacity"].items()},
            autoStopConfiguration={"enabled": True, "idleTimeoutMinutes": 15},
        )["applicationId"]
    )


@pytest.fixture
def prod(aws: Runtime, emr_application: str) -> tuple[Runtime, RecordingLambda]:
    """A prod-stage runtime over the moto resources, with a Spark threshold of 1 KB."""
    settings = Settings(
        stage="prod",
        resource_prefix="touchpoint-test",
        key_pepper="p" * 16,
        spark_threshold_bytes=1024,
        emr_application_id=emr_application,
        emr_job_role_arn="arn:aws:iam::123456789012:role/touchpoint-test-rollup-spark-job",
    )
    runtime = Runtime(settings, aws.clients)
    recorder = RecordingLambda()
    runtime.clients.__dict__["lambda_"] = recorder  # the cached client, replaced
    return runtime, recorder


def _dispatch(runtime: Runtime, hour: datetime = HOUR) -> tuple[Any, dict[str, str]]:
    invoker = function_module("rollup", "chalicelib.invoker")
    tenants = runtime.tenants.list_tenants()
    router = invoker.build_invoker(
        runtime,
        "touchpoint-rollup-prod-nightly",
        lambda *_: None,
        hour=hour,
        timezones={t.tenant_id: t.config.timezone for t in tenants},
    )
    report = dispatch(hour, tenants, runtime.rollup_state, router)
    return report, router.summary()


def _job_runs(application_id: str) -> list[dict[str, Any]]:
    client = boto3.client("emr-serverless", region_name="eu-central-1")
    listed = client.list_job_runs(applicationId=application_id)["jobRuns"]
    return [client.get_job_run(applicationId=application_id, jobRunId=r["id"])["jobRun"] for r in listed]


def test_a_big_tenant_day_goes_to_emr_and_a_small_one_to_the_worker(
    prod: tuple[Runtime, RecordingLambda], tenant: TenantKeys, emr_application: str, tmp_path: Path
) -> None:
    runtime, worker = prod
    make_tenant(runtime, "tiny")  # no events: a window of 0 bytes
    load_days(runtime, tenant.tenant_id, tmp_path / "gen", [DAY])
    report, engines = _dispatch(runtime)
    assert [t.tenant_id for t in report.started] == ["acme", "tiny"] and report.failed == []
    assert engines == {"acme/2026-03-10": "spark", "tiny/2026-03-10": "duckdb"}
    assert [(c["FunctionName"], c["InvocationType"], c["Payload"]["tenant_id"]) for c in worker.calls] == [
        ("touchpoint-rollup-prod-worker", "Event", "tiny")
    ]
    (run,) = _job_runs(emr_application)
    assert run["executionRole"] == runtime.settings.emr_job_role_arn
    submit = run["jobDriver"]["sparkSubmit"]
    assert submit["entryPoint"] == "s3://touchpoint-test-lake/artifacts/spark/rollup_job.py"
    assert submit["entryPointArguments"] == ["--tenant", "acme", "--date", "2026-03-10"]
    parameters = submit["sparkSubmitParameters"]
    assert (
        "--conf spark.archives=s3://touchpoint-test-lake/artifacts/spark/touchpoint-spark.tar.gz#environment"
        in parameters
    )
    assert "--conf spark.emr-serverless.driverEnv.TOUCHPOINT_STAGE=prod" in parameters
    assert "--conf spark.emr-serverless.driverEnv.TOUCHPOINT_RESOURCE_PREFIX=touchpoint-test" in parameters
    assert "--conf spark.executor.cores=4" in parameters
    assert "PEPPER=" not in parameters and "p" * 16 not in parameters  # the secret never leaves
    logs = run["configurationOverrides"]["monitoringConfiguration"]["s3MonitoringConfiguration"]
    assert logs["logUri"] == "s3://touchpoint-test-lake/artifacts/spark-logs/"
    assert run["name"].startswith("rollup-acme-2026-03-10-")
    # the job run marks the day itself (run_day's begin_run / finish_run): nothing is marked yet
    assert runtime.rollup_state.day_state(tenant.tenant_id, DAY) is None


def test_a_retried_dispatch_starts_no_second_job_run(
    prod: tuple[Runtime, RecordingLambda], tenant: TenantKeys, emr_application: str, tmp_path: Path
) -> None:
    runtime, _ = prod
    load_days(runtime, tenant.tenant_id, tmp_path / "gen", [DAY])
    _dispatch(runtime)
    again, engines = _dispatch(runtime)  # EventBridge retrying the same scheduled event
    assert [t.tenant_id for t in again.started] == ["acme"] and engines == {"acme/2026-03-10": "spark"}
    assert len(_job_runs(emr_application)) == 1
    # the token names tenant, day, generation and hour: another dispatch hour is another job run
    invoker = function_module("rollup", "chalicelib.invoker")
    (due,) = again.started
    assert invoker.job_run_token(due, HOUR) != invoker.job_run_token(due, HOUR + timedelta(hours=1))
    assert len(invoker.job_run_token(due, HOUR)) == 64  # EMR's clientToken limit


def test_without_an_emr_application_the_big_day_fails_alone(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    settings = Settings(
        stage="prod", resource_prefix="touchpoint-test", key_pepper="p" * 16, spark_threshold_bytes=1024
    )
    runtime = Runtime(settings, aws.clients)
    worker = RecordingLambda()
    runtime.clients.__dict__["lambda_"] = worker
    make_tenant(runtime, "tiny")
    load_days(runtime, tenant.tenant_id, tmp_path / "gen", [DAY])
    report, engines = _dispatch(runtime)
    assert [t.tenant_id for t in report.failed] == ["acme"]
    assert [t.tenant_id for t in report.started] == ["tiny"]
    assert engines["tiny/2026-03-10"] == "duckdb" and len(worker.calls) == 1


def test_the_template_wires_the_application_the_role_and_the_dispatcher() -> None:
    template = load_template()
    resources, outputs = template["Resources"], template["Outputs"]
    app = resources["SparkApplication"]["Properties"]
    assert app["Type"] == "SPARK" and app["ReleaseLabel"].startswith("emr-spark-8.")  # Spark 4
    assert app["AutoStopConfiguration"] == {"Enabled": True, "IdleTimeoutMinutes": 15}
    assert "InitialCapacity" not in app
    role = resources["SparkJobRole"]["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "emr-serverless.amazonaws.com"}
    granted = json.dumps(role["Policies"])
    assert "*" not in granted.replace("/*", "").replace("key-pepper-*", "")  # no wildcard resource
    assert outputs["SparkApplicationId"]["Value"] == {"Ref": "SparkApplication"}
    assert outputs["SparkJobRoleArn"]["Value"] == {"Fn::GetAtt": ["SparkJobRole", "Arn"]}
    merge = json.loads(
        (Path(__file__).resolve().parents[3] / "functions/rollup/.chalice/merge-template.json").read_text()
    )
    imports = {
        o["Export"]["Name"]["Fn::Sub"][0].replace("${Prefix}", "${ResourcePrefix}")
        for o in outputs.values()
        if "Export" in o
    }
    variables = merge["Resources"]["Nightly"]["Properties"]["Environment"]["Variables"]
    assert (
        {v["Fn::ImportValue"]["Fn::Sub"] for k, v in variables.items() if k.startswith("TOUCHPOINT_EMR_")}
        == {name for name in imports if "-rollup-spark-" in name}
        == {
            "${ResourcePrefix}-rollup-spark-application-id",
            "${ResourcePrefix}-rollup-spark-job-role-arn",
        }
    )
    policy = merge["Resources"]["StartSparkRollups"]["Properties"]
    assert policy["Roles"] == [{"Ref": "NightlyRole"}]  # each rollup function has its own role
    actions = [s["Action"] for s in policy["PolicyDocument"]["Statement"]]
    assert actions == [["emr-serverless:StartJobRun", "emr-serverless:ListJobRuns"], "iam:PassRole"]


def test_the_stack_creates_the_job_role_and_exports_it(aws: Runtime) -> None:
    exports = {
        e["Name"]: e.get("Value")
        for e in boto3.client("cloudformation", region_name="eu-central-1").list_exports()["Exports"]
    }
    assert exports["touchpoint-test-rollup-spark-job-role-arn"] == (
        "arn:aws:iam::123456789012:role/touchpoint-test-rollup-spark-job"
    )
    assert "touchpoint-test-rollup-spark-application-id" in exports  # moto skips the application
    role = boto3.client("iam").get_role(RoleName="touchpoint-test-rollup-spark-job")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "emr-serverless.amazonaws.com"
    }


@pytest.mark.spark
@pytest.mark.xdist_group("spark")
def test_on_the_test_stage_a_big_tenant_day_runs_through_spark_in_process(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_days(aws, tenant.tenant_id, tmp_path / "gen", [DAY])
    monkeypatch.setenv("TOUCHPOINT_SPARK_THRESHOLD_BYTES", "1024")
    reset_runtime()
    with Client(load_app("rollup")) as client:
        result = client.lambda_.invoke("nightly", {"time": "2026-03-11T02:00:00Z"}).payload
    assert result["engines"] == {"acme/2026-03-10": "spark"} and result["failed"] == []
    state = get_runtime().rollup_state.day_state(tenant.tenant_id, DAY)
    assert state is not None and state.status == DONE
    assert get_runtime().metrics.read(tenant.tenant_id, "sessions", DAY, DAY)
