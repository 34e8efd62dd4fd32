"""The Spark job of one big tenant-day on EMR Serverless (`infra/spark/rollup_job.py` calls `main`).

The nightly dispatcher starts it (`functions/rollup/chalicelib/invoker.py`, EmrServerlessInvoker)
with `--tenant T --date D` for a tenant-day whose raw window passes the Spark threshold. It runs
the same `RollupService.run_day` as the worker Lambda, with `engine="spark"` and the inputs read
from S3 by the executors (`build_service(runtime, remote_inputs=True)`): state, points, digests and
exports are written exactly as a DuckDB run writes them.

The job starts its SparkSession first, with the engine's session settings; the engine's
SparkBackend then uses that active session (never `local_session()`). The runtime comes from the
environment the dispatcher passes (`spark.emr-serverless.driverEnv.*`). The key pepper is never put
into a job run's parameters: the settings read it, as every function does, from the stage's
Secrets Manager secret (`<prefix>/key-pepper`, made by infra/template.yaml) through Powertools
Parameters (`touchpoint.settings.Settings.key_pepper`); the job role may read that secret only.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from touchpoint.engine.spark_backend import SESSION_SETTINGS

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

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
    session = job_session(f"touchpoint-rollup-{tenant_id}-{day.isoformat()}")
    try:
        summary = run(tenant_id, day)
    finally:
        session.stop()
    print(json.dumps(summary, sort_keys=True))  # the job's driver log (S3 monitoring logUri)
    return 0
