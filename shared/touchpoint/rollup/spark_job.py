"""The Spark job of one big tenant-day on EMR Serverless (`infra/spark/rollup_job.py` calls `main`).

The nightly dispatcher starts it (`functions/rollup/chalicelib/invoker.py`, EmrServerlessInvoker)
with `--tenant T --date D` for a tenant-day whose raw window passes the Spark threshold. It runs
the same `RollupService.run_day` as the worker Lambda, with `engine="spark"` and the inputs read
from S3 by the executors (`build_service(runtime, remote_inputs=True)`): state, points, digests and
exports are written exactly as a DuckDB run writes them.

The job starts its SparkSession first, with the engine's session settings; the engine's
SparkBackend then uses that active session (never `local_session()`). The runtime comes from the
environment the dispatcher passes (`spark.emr-serverless.driverEnv.*`). On staging and prod the
settings need the key pepper, which is never put into a job run's parameters: the job reads it
from Secrets Manager (`TOUCHPOINT_KEY_PEPPER_SECRET_ID`, default `touchpoint/<stage>/key-pepper`,
the secret the README's deployment makes).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import MutableMapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from touchpoint.engine.spark_backend import SESSION_SETTINGS

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PEPPER_VARIABLE = "TOUCHPOINT_KEY_PEPPER"
PEPPER_SECRET_VARIABLE = "TOUCHPOINT_KEY_PEPPER_SECRET_ID"  # noqa: S105 - a variable name
#: Stages whose settings require the key pepper (touchpoint.settings).
PEPPERED_STAGES = ("staging", "prod")
#: Shuffle partitions on EMR (the engine's local default of 2 is for one laptop core pair); adaptive
#: query execution coalesces them for small stages.
JOB_SHUFFLE_PARTITIONS = "400"


def parse_args(argv: Sequence[str]) -> tuple[str, date]:
    """`--tenant T --date YYYY-MM-DD` (argparse exits with status 2 on a bad one)."""
    parser = argparse.ArgumentParser(prog="rollup_job", description="Roll up one tenant-day on Spark.")
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--date", required=True, type=date.fromisoformat)
    args = parser.parse_args(list(argv))
    tenant = str(args.tenant).strip()
    if not tenant:
        parser.error("--tenant must not be empty")
    return tenant, args.date


def pepper_secret_id(env: MutableMapping[str, str]) -> str | None:
    """The Secrets Manager id to read the key pepper from, or None when the job needs none."""
    if env.get(PEPPER_VARIABLE) or env.get("TOUCHPOINT_STAGE") not in PEPPERED_STAGES:
        return None
    return env.get(PEPPER_SECRET_VARIABLE) or f"touchpoint/{env['TOUCHPOINT_STAGE']}/key-pepper"


def load_pepper(env: MutableMapping[str, str], secrets: Any | None = None) -> None:
    """Put the key pepper into `env` from Secrets Manager when the stage needs it and it is unset."""
    secret_id = pepper_secret_id(env)
    if secret_id is None:
        return
    if secrets is None:
        import boto3

        secrets = boto3.client("secretsmanager")
    env[PEPPER_VARIABLE] = str(secrets.get_secret_value(SecretId=secret_id)["SecretString"])


def job_session(app_name: str) -> SparkSession:
    """The job's SparkSession (EMR Serverless sets master and resources) with the engine's settings."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    for key, value in {**SESSION_SETTINGS, "spark.sql.shuffle.partitions": JOB_SHUFFLE_PARTITIONS}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def run(tenant_id: str, day: date) -> dict[str, Any]:
    """Roll up one tenant-day on the active SparkSession; returns the run's summary."""
    from touchpoint.rollup.wiring import build_service
    from touchpoint.runtime import get_runtime

    # Alerts are not evaluated here: webhooks need the internet, which an EMR Serverless
    # application without a VPC does not reach.
    service = build_service(get_runtime(), remote_inputs=True, evaluate_alerts=False)
    return service.run_day(tenant_id, day, engine="spark").summary()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse the arguments, start the session, roll the day up; returns the exit status."""
    import json
    import sys

    tenant_id, day = parse_args(sys.argv[1:] if argv is None else argv)
    load_pepper(os.environ)
    session = job_session(f"touchpoint-rollup-{tenant_id}-{day.isoformat()}")
    try:
        summary = run(tenant_id, day)
    finally:
        session.stop()
    print(json.dumps(summary, sort_keys=True))  # the job's driver log (S3 monitoring logUri)
    return 0
