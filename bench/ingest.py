"""Ingest throughput: the real handler versus a floor that only parses and makes one buffer put.

Both run in-process against moto with the same 100-event batches (distinct content, as an SDK
sends them). The handler is the Chalice app invoked with an API Gateway proxy event, exactly as
Lambda calls it: authentication (the key read on every request), rate limit (from the
container's lease of the tenant's window), validation, privacy, the suppression check (the list's
generation on every request, the ids the container has not cleared at it) and link lookup, the
landing of the accepted events in the Firehose delivery stream (`PutRecordBatch`), late-day
marks (none here: after clock-skew correction the events fall on the tenant's today), logs and
EMF metrics. The floor (issue 12: "parse + one buffer put") does `json.loads(body)`, encodes each
event as its landing record (`touchpoint.storage.landing.landing_record`) and makes one
`put_record_batch` to the same stream.

    .venv/bin/python -m bench.ingest [--batches 300] [--gzip] [--dynamodb-latency-ms 5 --firehose-latency-ms 10]

The latency options add a sleep to every call of that service, for handler and floor alike: what
the ratio becomes when each call is a network round trip instead of moto's Python (moto is not
AWS: its Firehose writes each `PutRecordBatch` straight to its in-memory S3).

Workload: 100 events per batch from 20 of 500 returning people (their identity links already
recorded), 60 % product views, 15 % pages, 10 % screens, 5 % identifies, 5 % orders, each with an
SDK-like context; time moves on from batch to batch.

Prints events per second of both, the ratio, handler latency percentiles, the AWS calls each
makes per request and the time spent inside them (against moto every call costs about a
millisecond of Python, so the call count dominates the ratio; against real AWS the calls are
network round trips instead).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
        "TOUCHPOINT_STAGE": "test",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "ingest",
    }
)
for _variable in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "TOUCHPOINT_RESOURCE_PREFIX"):
    os.environ.pop(_variable, None)

import boto3  # noqa: E402
from botocore.client import BaseClient  # noqa: E402
from chalice.local import LambdaContext  # noqa: E402
from moto import mock_aws  # noqa: E402

from touchpoint.models.tenants import KeyKind, TenantConfig  # noqa: E402
from touchpoint.observability import logger  # noqa: E402
from touchpoint.runtime import Runtime, get_runtime, reset_runtime  # noqa: E402
from touchpoint.storage.identity import IdentityLink  # noqa: E402
from touchpoint.storage.landing import landing_record  # noqa: E402
from touchpoint_cli.apps import function_module, load_app  # noqa: E402
from touchpoint_cli.resources import deploy_stack  # noqa: E402

if TYPE_CHECKING:
    from mypy_boto3_firehose.type_defs import RecordTypeDef

EVENTS_PER_BATCH = 100
USER_POOL = [f"user-{u}" for u in range(500)]
START = datetime(2026, 11, 2, 8, tzinfo=UTC)


def make_batches(count: int, seed: int = 7) -> list[bytes]:
    """`count` distinct SDK-like batch bodies of 100 events (track, page, screen, identify)."""
    rng = random.Random(seed)
    bodies: list[bytes] = []
    for b in range(count):
        events: list[dict[str, Any]] = []
        users = rng.sample(USER_POOL, 20)  # 20 people per batch, from a pool of returning users
        for i in range(EVENTS_PER_BATCH):
            user = rng.choice(users)
            base: dict[str, Any] = {
                "messageId": f"{b:05d}-{i:03d}-{rng.getrandbits(48):012x}",
                "anonymousId": f"anon-{user}",
                # SDK traffic: time moves on from batch to batch (10 s per batch, 0.1 s per event)
                "timestamp": (START + timedelta(seconds=10 * b + i / 10)).isoformat(timespec="milliseconds"),
                "context": {
                    "library": {"name": "analytics-python", "version": "2.4.0"},
                    "ip": f"203.0.113.{rng.randrange(256)}",
                    "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
                    "page": {
                        "url": f"https://shop.example/p/{rng.randrange(500)}",
                        "referrer": "https://www.google.com/",
                    },
                },
                "integrations": {},
            }
            roll = rng.random()
            if roll < 0.05:
                base |= {
                    "type": "identify",
                    "userId": user,
                    "traits": {"email": f"{user}@example.com", "plan": "gold"},
                }
            elif roll < 0.20:
                base |= {
                    "type": "page",
                    "name": "Product",
                    "properties": {"title": "A product", "path": "/p"},
                }
            elif roll < 0.30:
                base |= {
                    "type": "screen",
                    "name": "Cart",
                    "userId": user,
                    "properties": {"items": rng.randrange(5)},
                }
            elif roll < 0.35:
                base |= {
                    "type": "track",
                    "event": "Order Completed",
                    "userId": user,
                    "properties": {
                        "order_id": f"o-{b}-{i}",
                        "revenue": round(rng.uniform(5, 300), 2),
                        "currency": "EUR",
                        "products": [{"product_id": f"p-{rng.randrange(500)}", "price": 19.9, "quantity": 1}],
                    },
                }
            else:
                base |= {
                    "type": "track",
                    "event": "Product Viewed",
                    "properties": {
                        "product_id": f"p-{rng.randrange(500)}",
                        "price": 19.9,
                        "category": "shoes",
                    },
                }
            events.append(base)
        body = {
            "batch": events,
            # sent right after its last event: after clock-skew correction the events fall within
            # seconds before the request (a fixed sentAt hours later put them on the previous day
            # shortly after midnight UTC, and every request then marked that late day dirty)
            "sentAt": (START + timedelta(seconds=10 * b + 10)).isoformat(timespec="milliseconds"),
            "context": {"library": {"name": "analytics-python"}},
        }
        bodies.append(json.dumps(body).encode("utf-8"))
    return bodies


def api_gateway_event(body: bytes, write_key: str, compress: bool, number: int) -> dict[str, Any]:
    """The Lambda proxy event API Gateway sends for `POST /v1/batch`."""
    import base64

    auth = "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
    headers = {
        "content-type": "application/json",
        "authorization": auth,
        "user-agent": "analytics-python/2.4.0",
    }
    payload: str
    if compress:
        headers["content-encoding"] = "gzip"
        payload, encoded = base64.b64encode(gzip.compress(body)).decode(), True
    else:
        payload, encoded = body.decode("utf-8"), False
    return {
        "resource": "/v1/batch",
        "path": "/v1/batch",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/v1/batch",
            "httpMethod": "POST",
            "path": "/api/v1/batch",
            "requestId": f"bench-{number}",
            "identity": {"sourceIp": "203.0.113.7"},
        },
        "body": payload,
        "isBase64Encoded": encoded,
    }


class CallCounter:
    """Counts the AWS API calls (boto3 client calls, moto included) and the wall time spent in them."""

    def __init__(self, latency_s: dict[str, float] | None = None) -> None:
        self.calls: Counter[str] = Counter()
        self.latency_s = latency_s or {}
        self.seconds = 0.0
        self.by_operation: dict[str, float] = {}
        original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped in the stubs
        counter = self

        def timed(client: Any, operation: str, params: Any) -> Any:
            counter.calls[operation] += 1
            started = time.perf_counter()
            try:
                delay = counter.latency_s.get(client.meta.service_model.service_name, 0.0)
                if delay:
                    time.sleep(delay)  # a network round trip, as the real service would add
                return original(client, operation, params)
            finally:
                spent = time.perf_counter() - started
                counter.seconds += spent
                counter.by_operation[operation] = counter.by_operation.get(operation, 0.0) + spent

        setattr(BaseClient, "_make_api_call", timed)  # noqa: B010

    def take(self) -> tuple[Counter[str], float]:
        taken, seconds = self.calls, self.seconds
        self.calls, self.seconds = Counter(), 0.0
        return taken, seconds

    def take_by_operation(self) -> dict[str, float]:
        """Seconds per operation since the last call (and reset)."""
        taken, self.by_operation = self.by_operation, {}
        return taken


@dataclass
class Timings:
    """Seconds per request: wall clock, and CPU time of this process (robust to a busy machine)."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def measure(work: Callable[[int], Any], count: int) -> Timings:
    """Run `work(i)` for i in range(count), timing each call."""
    timings = Timings()
    for i in range(count):
        start, start_cpu = time.perf_counter(), time.process_time()
        work(i)
        timings.cpu.append(time.process_time() - start_cpu)
        timings.wall.append(time.perf_counter() - start)
    return timings


def bench_tenant() -> tuple[Runtime, str]:
    """Inside `mock_aws`: the stack of infra/, tenant `bench` (no practical rate limit) and its write key.

    Steady state: the pool's people are known, their anonymousId -> userId links recorded.
    """
    reset_runtime()
    deploy_stack(boto3.client("cloudformation", region_name="eu-central-1"), "test")
    runtime = get_runtime()
    runtime.tenants.create_tenant("bench", "Bench", TenantConfig(rate_limit_per_second=1_000_000))
    write_key, _ = runtime.tenants.issue_key("bench", KeyKind.WRITE)
    runtime.identity.record_links(
        "bench", [IdentityLink(f"anon-{user}", user, START - timedelta(days=30)) for user in USER_POOL]
    )
    return runtime, write_key


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=300, help="measured batches of 100 events")
    parser.add_argument(
        "--gzip", action="store_true", help="send the batches gzip-compressed (base64 in the event)"
    )
    parser.add_argument(
        "--dynamodb-latency-ms", type=float, default=0.0, help="added to every DynamoDB call (a round trip)"
    )
    parser.add_argument(
        "--s3-latency-ms", type=float, default=0.0, help="added to every S3 call (a round trip)"
    )
    parser.add_argument(
        "--firehose-latency-ms", type=float, default=0.0, help="added to every Firehose call (a round trip)"
    )
    args = parser.parse_args(argv)
    latency_s = {
        "dynamodb": args.dynamodb_latency_ms / 1000.0,
        "s3": args.s3_latency_ms / 1000.0,
        "firehose": args.firehose_latency_ms / 1000.0,
    }

    with mock_aws():
        runtime, write_key = bench_tenant()
        app = load_app("ingest")
        pipeline = function_module("ingest", "chalicelib.pipeline")
        normalize = function_module("ingest", "chalicelib.normalize")
        warmup = 30
        bodies = make_batches(args.batches * 2 + warmup * 2)
        handler_bodies, floor_bodies = bodies[: args.batches + warmup], bodies[args.batches + warmup :]
        events = [api_gateway_event(b, write_key, args.gzip, i) for i, b in enumerate(handler_bodies)]
        context = LambdaContext("touchpoint-ingest-bench", 512, max_runtime_ms=29_000)
        firehose, stream = runtime.clients.firehose, runtime.settings.events_stream
        counter = CallCounter(latency_s)
        failures: list[Any] = []

        def handler(i: int) -> None:
            response = app(events[i], context)
            if response["statusCode"] != 200:
                failures.append(response)

        floor_sent = [gzip.compress(b) for b in floor_bodies] if args.gzip else floor_bodies

        def floor(i: int) -> None:
            body = floor_sent[i]
            batch = json.loads(gzip.decompress(body) if args.gzip else body)["batch"]
            records: list[RecordTypeDef] = [{"Data": landing_record("bench", event)} for event in batch]
            firehose.put_record_batch(DeliveryStreamName=stream, Records=records)

        sink = open(os.devnull, "w")  # noqa: SIM115 - logs and EMF go nowhere, but are still produced
        logger.registered_handler.setStream(sink)  # type: ignore[attr-defined]
        with contextlib.redirect_stdout(sink):
            measure(handler, warmup)
            measure(floor, warmup)
            counter.take()
            counter.take_by_operation()
            handler_times = measure(lambda i: handler(i + warmup), args.batches)
            handler_calls, handler_aws = counter.take()
            handler_by_operation = counter.take_by_operation()
            floor_times = measure(lambda i: floor(i + warmup), args.batches)
            floor_calls, floor_aws = counter.take()
            # the handler's pure work (validation, normalization, hashing) without AWS or HTTP
            from zoneinfo import ZoneInfo

            from touchpoint.tracking_plan import default_tracking_plan

            config = TenantConfig()
            info = normalize.RequestInfo(
                tenant_id="bench",
                config=config,
                zone=ZoneInfo("UTC"),
                plan=default_tracking_plan(),
                received_at=datetime.now(UTC),
                max_event_bytes=32 * 1024,
                contact_salt=b"0" * 32,
            )
            parsed = [json.loads(b)["batch"] for b in handler_bodies[warmup:]]

            def pure(i: int) -> None:
                for day in pipeline.events_by_day(pipeline.prepare(parsed[i], info).accepted):
                    for record in day.records:
                        landing_record("bench", record)

            pure_times = measure(pure, args.batches)
        sink.close()
        if failures:
            print(f"{len(failures)} handler requests failed, first: {failures[0]}", file=sys.stderr)
            return 1

    def per_request(calls: Counter[str]) -> str:
        return ", ".join(f"{name} {n / args.batches:g}" for name, n in sorted(calls.items()))

    events_total = args.batches * EVENTS_PER_BATCH
    ms = 1000.0
    rows = (
        ("handler (Chalice app, Lambda event)", handler_times),
        ("floor (parse, one buffer put)", floor_times),
        ("handler pipeline only (no AWS)", pure_times),
    )
    print(
        f"ingest benchmark: {args.batches} batches of {EVENTS_PER_BATCH} events, gzip={args.gzip}, "
        f"moto in-process, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, "
        f"added latency per call: DynamoDB {args.dynamodb_latency_ms:g} ms, S3 {args.s3_latency_ms:g} ms, "
        f"Firehose {args.firehose_latency_ms:g} ms"
    )
    for clock in ("wall", "cpu"):
        print(f"{clock + ' clock':37} {'events/s':>9} {'mean ms':>8} {'p50 ms':>7} {'p99 ms':>7}")
        for label, timings in rows:
            times: list[float] = getattr(timings, clock)
            print(
                f"  {label:35} {events_total / sum(times):9.0f} {statistics.mean(times) * ms:8.2f} "
                f"{percentile(times, 0.5) * ms:7.2f} {percentile(times, 0.99) * ms:7.2f}"
            )
    for clock in ("wall", "cpu"):
        ratio = sum(getattr(handler_times, clock)) / sum(getattr(floor_times, clock))
        p99 = percentile(getattr(handler_times, clock), 0.99) * ms
        print(
            f"{clock}: handler/floor {ratio:.2f}x (goal within 2x); handler p99 {p99:.2f} ms (goal under 25 ms)"
        )
    print(f"AWS calls per request: handler: {per_request(handler_calls)}; floor: {per_request(floor_calls)}")
    spent = ", ".join(
        f"{name} {seconds / args.batches * ms:.2f}" for name, seconds in sorted(handler_by_operation.items())
    )
    print(f"handler ms per request inside each operation: {spent}")
    own_handler = (sum(handler_times.wall) - handler_aws) / args.batches * ms
    own_floor = (sum(floor_times.wall) - floor_aws) / args.batches * ms
    print(
        f"wall time inside boto3 calls (moto included) per request: handler {handler_aws / args.batches * ms:.2f} ms, "
        f"floor {floor_aws / args.batches * ms:.2f} ms; outside them: handler {own_handler:.2f} ms, "
        f"floor {own_floor:.2f} ms ({own_handler / own_floor:.2f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
