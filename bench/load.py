"""Mixed load against the local stack over HTTP, then a check that no accepted event was lost or doubled.

Starts its own local stack (moto + every function behind the dev server on 127.0.0.1), raises the
demo tenant's rate limit, creates a touchpoint through the admin API and pre-renders feedback forms
(so that the minimum fill time has passed when the timed phase posts them). Then a bounded pool of
threads (one `requests.Session` each) runs for `--seconds` with a mix of ingest batches
(`/v1/batch`, 20 events with unique messageIds), form submissions and metric reads
(`/v1/metrics`). Afterwards every `raw/events` object of the lake is read back with boto3 and
every accepted messageId must be there exactly once.

Reference: the same ingest batches posted by the same number of threads to a bare `http.server` on
127.0.0.1 that only reads the body (what HTTP on this machine costs without any work).

    .venv/bin/python -m bench.load [--seconds 20] [--threads 8] [--forms 300]

Exits 1 when an accepted event is lost or stored twice.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # no EMF lines on stdout
# One till taking several submissions a second is far beyond the per-touchpoint and per-IP abuse
# limits (60 and 20 per 10 minutes); raise them like the tenant's rate limit, in-process.
os.environ.setdefault("TOUCHPOINT_FEEDBACK_TOKEN_LIMIT", "1000000")
os.environ.setdefault("TOUCHPOINT_FEEDBACK_CLIENT_LIMIT", "1000000")

import boto3
import requests

from touchpoint.runtime import get_runtime
from touchpoint.storage.lake_layout import EVENTS_AREA, partition_prefix
from touchpoint_cli.stack import LocalInfo, LocalStack, free_port

EVENTS_PER_BATCH = 20
MIX: tuple[tuple[str, float], ...] = (("ingest", 0.5), ("form", 0.2), ("metrics", 0.3))
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@dataclass
class Tally:
    """What one kind of request did."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)


@dataclass
class Shared:
    """State the worker threads share (guarded by `lock`)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    accepted: set[str] = field(default_factory=set)
    rejected_events: int = 0
    bodies: list[bytes] = field(default_factory=list)
    forms: list[dict[str, str]] = field(default_factory=list)


def _event(message_id: str, now: datetime) -> dict[str, Any]:
    return {
        "type": "track",
        "messageId": message_id,
        "event": "Product Viewed",
        "anonymousId": f"anon-{hash(message_id) % 97}",
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "properties": {"product_id": f"p-{hash(message_id) % 500}"},
        "context": {"library": {"name": "analytics-python", "version": "2.4.0"}},
    }


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _setup(info: LocalInfo) -> str:
    """Raise the rate limit; create a touchpoint; returns the form's path."""
    runtime = get_runtime()
    tenant = runtime.tenants.get_tenant(info.tenant_id)
    assert tenant is not None
    config = tenant.config.model_copy(update={"rate_limit_per_second": 1_000_000})
    runtime.tenants.update_config(info.tenant_id, config)
    response = requests.post(
        f"{info.api_url}/v1/locations/{info.location_id}/touchpoints",
        headers={"Authorization": f"Bearer {info.admin_key}"},
        json={"touchpoint_id": "load-till", "kind": "till", "label": "Load till"},
        timeout=30,
    )
    response.raise_for_status()
    return "/f/" + str(response.json()["token"])


def _prerender(info: LocalInfo, form_path: str, count: int, threads: int) -> list[dict[str, str]]:
    """Render `count` forms (their hidden fields), in parallel."""

    def render(_: int) -> dict[str, str]:
        html = requests.get(info.api_url + form_path, timeout=30).text
        return {m.group(1): unescape(m.group(2)) for m in HIDDEN.finditer(html)}

    with ThreadPoolExecutor(threads) as pool:
        return [f for f in pool.map(render, range(count)) if f.get("form_token")]


def _worker(index: int, info: LocalInfo, form_path: str, deadline: float, shared: Shared, seed: int) -> None:
    rng = random.Random(seed + index)
    session = requests.Session()
    basic = requests.auth.HTTPBasicAuth(info.write_key, "")
    today = datetime.now(UTC)
    metric_query = {
        "metric": "nps",
        "from": (today.date() - timedelta(days=30)).isoformat(),
        "to": today.date().isoformat(),
    }
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    sequence = 0
    while time.perf_counter() < deadline:
        kind = rng.choices(kinds, weights)[0]
        form: dict[str, str] | None = None
        if kind == "form":
            with shared.lock:
                form = shared.forms.pop() if shared.forms else None
            if form is None:
                kind = "ingest"
        start = time.perf_counter()
        if kind == "ingest":
            sequence += 1
            ids = [f"load-{index}-{sequence}-{i}" for i in range(EVENTS_PER_BATCH)]
            body = json.dumps({"batch": [_event(m, datetime.now(UTC)) for m in ids]}).encode()
            response = session.post(
                info.api_url + "/v1/batch",
                data=body,
                auth=basic,
                headers={"Content-Type": "application/json"},
                timeout=60,
            )
            elapsed = time.perf_counter() - start
            rejected: set[int] = set()
            if response.status_code == 200:
                rejected = {int(r["index"]) for r in response.json().get("rejected", [])}
            with shared.lock:
                shared.bodies.append(body)
                if response.status_code == 200:
                    shared.accepted.update(m for i, m in enumerate(ids) if i not in rejected)
                    shared.rejected_events += len(rejected)
                else:
                    shared.rejected_events += len(ids)
        elif kind == "form":
            assert form is not None
            response = session.post(
                info.api_url + form_path,
                data={**form, "q_csat": str(rng.randint(1, 5)), "q_comment": "load test"},
                timeout=60,
                allow_redirects=False,
            )
            sequence += 1
            elapsed = time.perf_counter() - start
        else:
            response = session.get(
                info.api_url + "/v1/metrics",
                params=metric_query,
                headers={"Authorization": f"Bearer {info.read_key}"},
                timeout=60,
            )
            elapsed = time.perf_counter() - start
        with shared.lock:
            tally = shared.tallies[kind]
            tally.latencies.append(elapsed)
            tally.statuses[response.status_code] += 1


def _lake_message_ids(info: LocalInfo) -> Counter[str]:
    """How often each messageId is stored under raw/events/ of the tenant."""
    s3 = boto3.client("s3", endpoint_url=info.aws_endpoint_url, region_name="eu-central-1")
    bucket = get_runtime().settings.lake_bucket
    counts: Counter[str] = Counter()
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=partition_prefix(EVENTS_AREA, info.tenant_id)):
        for item in page.get("Contents", []):
            raw = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            for line in text.decode("utf-8").splitlines():
                if line.strip():
                    counts[json.loads(line).get("messageId", "")] += 1
    return counts


class _BodyOnly(BaseHTTPRequestHandler):
    """Reads the body and answers 200 `{}`: HTTP and nothing else."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else delayed ACKs add 40 ms to every keep-alive request

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")

    def log_message(self, *args: Any) -> None:
        """Quiet."""


def _reference(bodies: list[bytes], threads: int) -> tuple[float, list[float]]:
    """Post the same batches to a bare server with the same threads: seconds taken, latencies."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _BodyOnly)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/batch"
    latencies: list[float] = []
    lock = threading.Lock()

    def post_slice(part: list[bytes]) -> None:
        session = requests.Session()
        for body in part:
            start = time.perf_counter()
            session.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=30)
            with lock:
                latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    try:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(post_slice, [bodies[i::threads] for i in range(threads)]))
    finally:
        took = time.perf_counter() - start
        server.shutdown()
        server.server_close()
    return took, latencies


def run(seconds: float, threads: int, forms: int, seed: int, out: Callable[[str], None] = print) -> int:
    """Run the benchmark and print the figures; returns the exit status."""
    with tempfile.TemporaryDirectory(prefix="touchpoint-load-") as tmp:
        stack = LocalStack(port=free_port(), state_dir=Path(tmp))
        info = stack.start()
        try:
            form_path = _setup(info)
            shared = Shared()
            shared.forms = _prerender(info, form_path, forms, threads)
            time.sleep(3.5)  # every form older than the minimum fill time (3 s by default)
            out(f"stack up, {len(shared.forms)} forms rendered; {threads} threads for {seconds:.0f} s")
            start = time.perf_counter()
            deadline = start + seconds
            with ThreadPoolExecutor(threads) as pool:
                for future in [
                    pool.submit(_worker, i, info, form_path, deadline, shared, seed) for i in range(threads)
                ]:
                    future.result()
            elapsed = time.perf_counter() - start
            lake = _lake_message_ids(info)
        finally:
            stack.stop()
    out(f"\n{'kind':8} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for kind, _ in MIX:
        tally = shared.tallies[kind]
        lat = tally.latencies
        out(
            f"{kind:8} {len(lat):8d} {len(lat) / elapsed:7.1f} {_percentile(lat, 50) * 1000:8.1f} "
            f"{_percentile(lat, 99) * 1000:8.1f}  {dict(sorted(tally.statuses.items()))}"
        )
    total = sum(len(t.latencies) for t in shared.tallies.values())
    out(f"all      {total:8d} {total / elapsed:7.1f}")
    lost = [m for m in shared.accepted if lake[m] == 0]
    duplicated = [m for m in shared.accepted if lake[m] > 1]
    out(
        f"\nevents accepted {len(shared.accepted)}, rejected {shared.rejected_events}; "
        f"in the lake {sum(lake.values())} lines; lost {len(lost)}, duplicated {len(duplicated)}"
    )
    ref_seconds, ref_lat = _reference(shared.bodies, threads)
    ingest = shared.tallies["ingest"]
    ingest_rps = len(ingest.latencies) / elapsed
    ref_rps = len(ref_lat) / ref_seconds
    out(
        f"reference (bare http.server, same {len(ref_lat)} batches, {threads} threads): {ref_rps:.1f} req/s, "
        f"p50 {_percentile(ref_lat, 50) * 1000:.1f} ms, p99 {_percentile(ref_lat, 99) * 1000:.1f} ms; "
        f"ratio reference/ingest {ref_rps / ingest_rps:.1f}x (ingest shares the stack with the other kinds)"
    )
    return 1 if lost or duplicated else 0


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--forms", type=int, default=300, help="forms rendered before the timed phase")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    return run(args.seconds, args.threads, args.forms, args.seed)


if __name__ == "__main__":
    sys.exit(main())
