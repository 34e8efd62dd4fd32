"""`touchpoint dev` as a newcomer runs it: a real process on 127.0.0.1, stopped with Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import requests

from touchpoint_cli.stack import LOCAL_MAIL_FROM, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]


def _wait_for(url: str, timeout: float = 60.0) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_dev_command_serves_every_function_writes_local_json_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["TOUCHPOINT_STATE_DIR"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "touchpoint_cli.main", "dev", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = _wait_for(f"http://127.0.0.1:{port}/health")
        assert health.status_code == 200
        body = health.json()
        assert body["status"] == "ok"
        assert set(body["functions"]) == {"ingest", "surveys", "feedback", "insights", "rollup"}
        assert all(f["status"] == "ok" for f in body["functions"].values())
        info = json.loads((tmp_path / "local.json").read_text())
        assert set(info) >= {
            "api_url",
            "aws_endpoint_url",
            "tenant_id",
            "write_key",
            "admin_key",
            "location_id",
        }
        assert info["api_url"] == f"http://127.0.0.1:{port}"
        assert info["aws_endpoint_url"].startswith("http://127.0.0.1:")
        ses = boto3.client(
            "ses",
            region_name="eu-central-1",
            endpoint_url=info["aws_endpoint_url"],
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        assert LOCAL_MAIL_FROM in ses.list_identities()["Identities"]  # replies to customers can be sent
        missing = requests.get(f"http://127.0.0.1:{port}/no/such/route", timeout=5)
        assert missing.status_code == 404
        assert missing.json()["code"] == "not_found"
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Touchpoint local stack stopped." in output
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
