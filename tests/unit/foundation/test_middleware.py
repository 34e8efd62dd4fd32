"""The observability middleware: correlation ids on log lines, one EMF document per request, no tracing when off."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.metrics import MetricUnit
from chalice.app import Chalice
from chalice.test import Client

from touchpoint.observability import logger, metrics, tracer
from touchpoint.web.middleware import register_observability, request_id
from touchpoint_cli.paths import REPO_ROOT


def _app() -> Chalice:
    app = Chalice(app_name="observed")
    register_observability(app)

    @app.route("/things/{name}")
    def thing(name: str) -> dict[str, Any]:
        logger.info("handling", extra={"thing": name})
        metrics.add_metric(name="ThingsServed", unit=MetricUnit.Count, value=1)
        return {"name": name}

    @app.route("/broken")
    def broken() -> dict[str, Any]:
        metrics.add_metric(name="Broken", unit=MetricUnit.Count, value=1)
        raise RuntimeError("boom")

    return app


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@pytest.fixture
def log() -> Iterator[io.StringIO]:
    """What the Powertools logger writes (its handler holds the stdout of when it was made)."""
    stream = io.StringIO()
    handler = logger.registered_handler
    original = handler.stream  # type: ignore[attr-defined]
    handler.stream = stream  # type: ignore[attr-defined]
    yield stream
    handler.stream = original  # type: ignore[attr-defined]


def test_each_request_logs_its_correlation_id_and_publishes_its_metrics_once(
    capsys: pytest.CaptureFixture[str], log: io.StringIO
) -> None:
    with Client(_app()) as client:
        for name in ("a", "b"):
            assert client.http.get(f"/things/{name}").json_body == {"name": name}
    logged = [line for line in _lines(log.getvalue()) if line.get("message") == "handling"]
    assert [line["thing"] for line in logged] == ["a", "b"]
    assert all(line["correlation_id"] and line["route"] == "/things/{name}" for line in logged)
    assert all(line["http_method"] == "GET" for line in logged)
    documents = [line for line in _lines(capsys.readouterr().out) if "_aws" in line]
    # one document a request (Powertools writes a metric's values as a list), nothing carried over
    assert [d["ThingsServed"] for d in documents] == [[1.0], [1.0]]
    # the request's keys are gone once it ended
    logger.info("after")
    assert "correlation_id" not in _lines(log.getvalue())[-1]


def test_a_failing_request_still_publishes_and_forgets_its_keys(
    capsys: pytest.CaptureFixture[str], log: io.StringIO
) -> None:
    with Client(_app()) as client:
        assert client.http.get("/broken").status_code == 500
    documents = [line for line in _lines(capsys.readouterr().out) if "_aws" in line]
    assert [d["Broken"] for d in documents] == [[1.0]]
    assert not metrics.metric_set
    logger.info("after")
    assert "correlation_id" not in _lines(log.getvalue())[-1]


def test_with_tracing_off_the_tracer_is_a_no_op() -> None:
    calls: list[str] = []

    @tracer.capture_method(capture_response=False)
    def traced() -> str:
        calls.append("ran")
        return "ok"

    with tracer.subsegment("## block"):
        tracer.put_annotation("tenant_id", "acme")
        assert traced() == "ok"
    assert calls == ["ran"]
    assert tracer.capture_lambda_handler(traced)() == "ok"


def _xray_loaded(code: str, trace_disabled: str) -> list[str]:
    env = {"POWERTOOLS_TRACE_DISABLED": trace_disabled, "PYTHONPATH": str(REPO_ROOT / "shared")}
    out = subprocess.run(
        [sys.executable, "-c", "import sys\n" + code],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        env=env,
    ).stdout
    return out.split()


def test_with_tracing_off_the_xray_sdk_is_not_imported() -> None:
    code = (
        "import touchpoint.observability, touchpoint.web.middleware\n"
        "from touchpoint.observability import tracer\n"
        "f = tracer.capture_method(capture_response=False)(lambda: 1)\n"
        "f()\n"
        "print('aws_xray_sdk.core' in sys.modules)"
    )
    assert _xray_loaded(code, "true") == ["False"]


def test_with_tracing_on_the_xray_sdk_is_imported_on_the_first_traced_call_not_at_import() -> None:
    code = (
        "from touchpoint.observability import tracer\n"
        "f = tracer.capture_method(capture_response=False)(lambda: 1)\n"
        "print('aws_xray_sdk.core' in sys.modules)\n"
        "f()\n"
        "print('aws_xray_sdk.core' in sys.modules)"
    )
    assert _xray_loaded(code, "false") == ["False", "True"]


def test_the_request_id_is_api_gateways_else_lambdas_else_a_new_one() -> None:
    class Ctx:
        aws_request_id = "lambda-1"

    class Req:
        def __init__(self, context: object, lambda_context: object) -> None:
            self.context, self.lambda_context = context, lambda_context

    assert request_id(Req({"requestId": "gw-1"}, Ctx())) == "gw-1"  # type: ignore[arg-type]
    assert request_id(Req({}, Ctx())) == "lambda-1"  # type: ignore[arg-type]
    fresh = {request_id(Req(None, None)) for _ in range(2)}  # type: ignore[arg-type]
    assert len(fresh) == 2 and all(len(f) == 36 for f in fresh)
