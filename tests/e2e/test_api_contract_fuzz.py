"""Schemathesis against the local stack: every documented operation, the demo keys, no 5xx answer.

The stack is `touchpoint dev` in its own process on 127.0.0.1 (stopped with Ctrl-C at the end);
cases come from the committed docs/openapi.json, at most 10 per operation, derandomized so a run
in CI is repeatable. Each case is sent with the demo key the operation takes (write-only routes:
the write key; read or admin routes: the admin key; public routes: none).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from touchpoint_cli.openapi import DOC_PATH
from touchpoint_cli.stack import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("api-contract-fuzz")]

MAX_EXAMPLES = 10
REQUEST_TIMEOUT = 15

schema = schemathesis.openapi.from_path(str(DOC_PATH))


@dataclass(frozen=True)
class Stack:
    """The running local stack's URL and demo keys."""

    url: str
    keys: dict[str, str]


def _wait_for(url: str, process: subprocess.Popen[str], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"touchpoint dev stopped early with exit code {process.returncode}")
        try:
            requests.get(url, timeout=5)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state = tmp_path_factory.mktemp("contract-stack")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["TOUCHPOINT_STATE_DIR"] = str(state)
    # The server's console goes to a file: a pipe nobody reads fills up and blocks the server.
    log = (state / "stack.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "touchpoint_cli.main", "dev", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/health", process)
        info = json.loads((state / "local.json").read_text())
        keys = {"write": info["write_key"], "admin": info["admin_key"], "read": info["read_key"]}
        yield Stack(url=info["api_url"], keys=keys)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def auth_headers(kinds: list[str], keys: dict[str, str]) -> dict[str, str]:
    """The Authorization header for an operation's key kinds (`x-touchpoint-keys`)."""
    if not kinds:
        return {}
    kind = "write" if kinds == ["write"] else "admin" if "admin" in kinds else kinds[0]
    return {"Authorization": f"Bearer {keys[kind]}"}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error(case: schemathesis.Case[Any], stack: Stack) -> None:
    kinds = case.operation.definition.raw.get("x-touchpoint-keys", [])
    headers: dict[str, Any] = {**dict(case.headers or {}), **auth_headers(kinds, stack.keys)}
    response = case.call(base_url=stack.url, headers=headers, timeout=REQUEST_TIMEOUT)
    case.validate_response(response, checks=[not_a_server_error])
