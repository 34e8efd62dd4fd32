"""`make dev`, send events, `touchpoint rollup`, read `/v1/metrics`: the local rollup as a developer runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from touchpoint_cli.stack import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("local-stack")]


def _wait_for(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=5)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _touchpoint(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "touchpoint_cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_rollup_command_acts_on_the_local_stack(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TOUCHPOINT_"))}
    env["TOUCHPOINT_STATE_DIR"] = str(tmp_path)
    missing = _touchpoint("rollup", "--tenant", "demo", "--date", "2026-03-01", env=env)
    assert missing.returncode == 1 and "start the local stack with make dev first" in missing.stderr

    stack = subprocess.Popen(
        [sys.executable, "-m", "touchpoint_cli.main", "dev", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/health")
        info = json.loads((tmp_path / "local.json").read_text())
        day = datetime.now(ZoneInfo("Europe/Berlin")).date() - timedelta(days=1)  # the demo tenant's zone
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)
        batch = [
            {
                "type": "page",
                "anonymousId": f"visitor-{n % 3}",
                "messageId": f"e2e-{n}",
                "timestamp": (noon + timedelta(minutes=n)).isoformat().replace("+00:00", "Z"),
            }
            for n in range(6)
        ]
        sent = requests.post(
            f"{info['api_url']}/v1/batch",
            json={"batch": batch},
            headers={"Authorization": f"Bearer {info['write_key']}"},
            timeout=30,
        )
        assert sent.status_code == 200, sent.text

        rolled = _touchpoint("rollup", "--tenant", "demo", "--date", day.isoformat(), env=env)
        assert rolled.returncode == 0, rolled.stderr
        assert f"demo {day.isoformat()}:" in rolled.stdout and "metric points" in rolled.stdout

        read = requests.get(
            f"{info['api_url']}/v1/metrics",
            params={"metric": "dau", "from": day.isoformat(), "to": day.isoformat()},
            headers={"Authorization": f"Bearer {info['read_key']}"},
            timeout=30,
        )
        assert read.status_code == 200
        assert read.json() == {
            "metric": "dau",
            "points": [{"date": day.isoformat(), "value": 3.0, "breakdown": {}, "extra": {}}],
        }
    finally:
        stack.send_signal(signal.SIGINT)
        output, _ = stack.communicate(timeout=30)
    assert stack.returncode == 0, output
    stale = _touchpoint("rollup", "--tenant", "demo", "--date", "2026-03-01", env=env)
    assert (
        stale.returncode == 1 and "is not running: start the local stack with make dev first" in stale.stderr
    )
