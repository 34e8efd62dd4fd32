"""The `/health` route every HTTP function has, and the check behind it."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from chalice.app import Chalice

from touchpoint import __version__
from touchpoint.runtime import Runtime, get_runtime
from touchpoint.web.auth import PUBLIC
from touchpoint.web.routing import json_response, route


def check_resources(runtime: Runtime, tables: list[str], bucket: bool) -> dict[str, str]:
    """Reachability of the named tables (and the lake bucket): `ok` or the error code."""
    results: dict[str, str] = {}
    for table in tables:
        try:
            runtime.clients.dynamodb.describe_table(TableName=table)
            results[table] = "ok"
        except ClientError as error:
            results[table] = error.response.get("Error", {}).get("Code", "error")
        except BotoCoreError as error:
            results[table] = type(error).__name__
    if bucket:
        name = runtime.settings.lake_bucket
        try:
            runtime.clients.s3.head_bucket(Bucket=name)
            results[name] = "ok"
        except ClientError as error:
            results[name] = error.response.get("Error", {}).get("Code", "error")
        except BotoCoreError as error:
            results[name] = type(error).__name__
    return results


def health_report(function: str, runtime: Runtime, tables: list[str], bucket: bool) -> dict[str, Any]:
    """The health document of one function: `status` is `ok` only if every resource answers."""
    resources = check_resources(runtime, tables, bucket)
    status = "ok" if all(v == "ok" for v in resources.values()) else "degraded"
    return {
        "function": function,
        "status": status,
        "version": __version__,
        "stage": runtime.settings.stage,
        "resources": resources,
    }


def register_health(app: Chalice, function: str, *, tables: list[str], bucket: bool) -> None:
    """Add `GET /health` to an app; `tables` are settings attribute names such as `config_table`."""

    @route(app, "/health", access=PUBLIC)
    def health(_principal: None) -> Any:
        runtime = get_runtime()
        names = [getattr(runtime.settings, t) for t in tables]
        report = health_report(function, runtime, names, bucket)
        return json_response(200 if report["status"] == "ok" else 503, report)
