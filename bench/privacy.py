"""Erasure's lake scan: what reading a tenant's whole lake for one person costs.

There is no per-person index of the lake, so an erasure (and an export) reads every object of the
tenant's partitions. This puts `--days` days of ingest-like objects (`--objects` per day, 100
events of 40 people each; the person to erase is in one object in ten) into an in-process moto
lake and times, on identical copies of the lake:

- the erasure scan with the thread pool (8 concurrent GETs), rewriting the objects that name the
  person;
- the same scan with one worker (the reference: what concurrency buys);
- a floor: one `get_object` per object, sequentially, nothing parsed or written.

    .venv/bin/python -m bench.privacy [--days 7] [--objects 200] [--latency-ms 0]

Against moto every request is Python in this process (the GIL limits what threads gain); against
S3 each GET is a network round trip of 10-30 ms, which the pool overlaps: `--latency-ms 20` adds
that wait to every GET (in the calling thread, as a real round trip would).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import date, timedelta
from typing import Any

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
        "TOUCHPOINT_STAGE": "test",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
)
for _variable in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "TOUCHPOINT_RESOURCE_PREFIX"):
    os.environ.pop(_variable, None)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from touchpoint.privacy.lake_scan import LakeScanner  # noqa: E402
from touchpoint.runtime import Runtime, get_runtime, reset_runtime  # noqa: E402
from touchpoint.storage.lake import encode_jsonl_gz  # noqa: E402
from touchpoint.storage.lake_layout import EVENTS_AREA, partition_prefix  # noqa: E402
from touchpoint_cli.resources import deploy_stack  # noqa: E402

TARGET = "erin-7f3a"


def _objects(days: int, per_day: int, seed: int = 7) -> dict[str, bytes]:
    rng = random.Random(seed)
    first = date(2026, 3, 1)
    objects: dict[str, bytes] = {}
    for d in range(days):
        day = first + timedelta(days=d)
        for n in range(per_day):
            people = [f"person-{rng.randrange(5000)}" for _ in range(40)]
            if n % 10 == 0:
                people[0] = TARGET
            events: list[dict[str, Any]] = [
                {
                    "type": "track",
                    "messageId": f"m-{d}-{n}-{i}",
                    "event": "Product Viewed",
                    "userId": people[i % 40],
                    "timestamp": f"{day.isoformat()}T10:00:00.000Z",
                    "properties": {"product_id": f"p-{rng.randrange(900)}", "price": rng.randrange(5, 90)},
                    "context": {"ip": "203.0.113.0", "userAgent": "Mozilla/5.0 (bench)"},
                }
                for i in range(100)
            ]
            key = f"{partition_prefix(EVENTS_AREA, 'acme', day)}{d:03d}{n:05d}.jsonl.gz"
            objects[key] = encode_jsonl_gz(events)
    return objects


def _fill(runtime: Runtime, objects: dict[str, bytes]) -> None:
    s3 = runtime.clients.s3
    for key in list(s3_keys(runtime)):
        s3.delete_object(Bucket=runtime.settings.lake_bucket, Key=key)
    for key, body in objects.items():
        s3.put_object(Bucket=runtime.settings.lake_bucket, Key=key, Body=body)


def s3_keys(runtime: Runtime) -> list[str]:
    """Every key of the lake."""
    return list(runtime.lake.list_keys(""))


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--objects", type=int, default=200, help="objects per day")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="simulated S3 round trip per GET")
    args = parser.parse_args(argv)
    objects = _objects(args.days, args.objects)
    size = sum(len(b) for b in objects.values())
    with mock_aws():
        reset_runtime()
        deploy_stack(boto3.client("cloudformation", region_name="eu-central-1"), "test")
        runtime = get_runtime()
        if args.latency_ms:
            delay = args.latency_ms / 1000

            def round_trip(**_: Any) -> None:
                time.sleep(delay)

            runtime.clients.s3.meta.events.register("before-call.s3.GetObject", round_trip)
        ids = frozenset({TARGET})
        timings: dict[str, float] = {}
        for name, workers in (("scan, 8 workers", 8), ("scan, 1 worker (reference)", 1)):
            _fill(runtime, objects)
            started = time.perf_counter()
            result = LakeScanner(runtime.lake_maintenance, workers=workers).scan("acme", ids, erase=True)
            timings[name] = time.perf_counter() - started
            stats = result.stats
        _fill(runtime, objects)
        started = time.perf_counter()
        for key in s3_keys(runtime):
            runtime.clients.s3.get_object(Bucket=runtime.settings.lake_bucket, Key=key)["Body"].read()
        timings["floor: sequential GETs only"] = time.perf_counter() - started
        reset_runtime()
    print(
        f"lake: {len(objects)} objects over {args.days} days, {size / 1e6:.1f} MB gzip, "
        f"{args.latency_ms:g} ms added per GET; "
        f"the person is in {stats.objects_matched} objects ({stats.events_removed} events)"
    )
    print(
        f"scan: {stats.partitions} partitions listed, {stats.objects_read} objects read, "
        f"{stats.objects_rewritten} rewritten, {stats.objects_deleted} deleted"
    )
    for name, seconds in timings.items():
        print(f"{name:32s} {seconds:7.2f} s  {len(objects) / seconds:8.0f} objects/s")
    pooled = timings["scan, 8 workers"]
    print(f"ratio 1 worker / 8 workers: {timings['scan, 1 worker (reference)'] / pooled:.2f}")
    print(f"ratio 8 workers / floor:    {pooled / timings['floor: sequential GETs only']:.2f}")


if __name__ == "__main__":
    main()
