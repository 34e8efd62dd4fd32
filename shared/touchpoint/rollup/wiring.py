"""Build the RollupService from the runtime (the worker Lambda, the local stack and the CLI)."""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from touchpoint.rollup.compaction import Compactor
from touchpoint.rollup.inputs import LakeInputLoader
from touchpoint.rollup.service import ComputeDay, RollupService
from touchpoint.runtime import Runtime

#: Share of the Lambda's memory DuckDB may use; the rest is Python, boto3 and the downloads.
DUCKDB_MEMORY_SHARE = 0.7
#: The worker's /tmp (`EphemeralStorage` in functions/rollup/.chalice/merge-template.json; Lambda
#: tells a function its memory but not its /tmp size).
WORKER_EPHEMERAL_MB = 4096
#: Share of /tmp DuckDB may spill into; the rest holds the day's downloaded inputs and outputs.
DUCKDB_SPILL_SHARE = 0.6


def duckdb_config(env: Mapping[str, str]) -> dict[str, str]:
    """DuckDB limits for the engine: inside a Lambda, a memory limit below the function's memory
    and a bounded spill folder in /tmp; elsewhere DuckDB's own defaults.

    Sizing (bench/RESULTS.md, "Scale" and "Lambda sizing"): the engine peaks at about 0.4 GB plus
    1.0 GB per million events of the day's raw window, so the 8,192 MB worker (5.6 GB for DuckDB)
    holds about 5 million events per tenant-day before it spills.
    """
    memory_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
    if not memory_mb.isdigit():
        return {}
    return {
        "memory_limit": f"{int(int(memory_mb) * DUCKDB_MEMORY_SHARE)}MB",
        "temp_directory": str(Path(tempfile.gettempdir()) / "duckdb-spill"),
        "max_temp_directory_size": f"{int(WORKER_EPHEMERAL_MB * DUCKDB_SPILL_SHARE)}MB",
    }


def engine_compute_day(config: Mapping[str, str]) -> ComputeDay:
    """The engine's `compute_day` (with digests) and the given DuckDB configuration."""
    from touchpoint.engine import compute_day  # the engine is imported on first use

    return functools.partial(compute_day, duckdb_config=dict(config) or None)


def build_service(
    runtime: Runtime,
    env: Mapping[str, str] | None = None,
    *,
    evaluate_alerts: bool = True,
    remote_inputs: bool = False,
) -> RollupService:
    """A RollupService over the runtime's repositories and the real engine.

    With `evaluate_alerts` the tenant's alert rules are evaluated after each day (the worker and
    the CLI); the demo turns it off and evaluates in day order itself after parallel rollups.
    With `remote_inputs` the engine reads events and responses from S3 itself (the Spark job on
    EMR Serverless) instead of from downloaded copies.
    """

    def alerts_after_day(tenant_id: str, day: date) -> object:
        from touchpoint.alerts import evaluate_after_rollup

        return evaluate_after_rollup(runtime, tenant_id, day)

    config = duckdb_config(os.environ if env is None else env)
    return RollupService(
        tenants=runtime.tenants,
        lake=runtime.lake,
        metrics=runtime.metrics,
        state=runtime.rollup_state,
        # The engine also learns links from the events themselves; the stored links add those
        # whose linking event is older than the loaded window.
        identity_links=runtime.identity.list_links,
        compute_day=engine_compute_day(config),
        after_day=alerts_after_day if evaluate_alerts else None,
        # the compaction runs chunk by chunk (COMPACTION_CHUNK_BYTES) under the same DuckDB limits
        compactor=Compactor(
            runtime.lake,
            runtime.lake_maintenance,
            runtime.identity.suppression_generation,
            duckdb_config=config,
        ),
        loader=LakeInputLoader(runtime.lake, remote=remote_inputs),
        spark_threshold_bytes=runtime.settings.spark_threshold_bytes,
        # the loop metrics' follow-up cases (opened, first replied to or resolved in D..D+2)
        case_facts=runtime.cases.facts,
    )
