"""The events stream of infra/template.yaml, created in moto and landing where AWS would.

moto's own Firehose writes `<Prefix>YYYY/MM/DD/HH/<name>` with the prefix taken literally and no
compression; the local stack's emulation (touchpoint_cli.moto_firehose) applies the template's
dynamic partitioning, compression and file extension. These tests pin the keys to AWS's
documented layout: `<rendered Prefix><stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><FileExtension>`.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime

from touchpoint.runtime import Runtime
from touchpoint.storage.lake_layout import EVENTS_AREA
from touchpoint_cli.cfn import load_template

_NAME = r"touchpoint-test-events-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}\.jsonl\.gz"


def _objects(runtime: Runtime, prefix: str) -> dict[str, list[dict[str, object]]]:
    return {
        key: [json.loads(line) for line in gzip.decompress(runtime.lake.get_bytes(key)).splitlines()]
        for key in runtime.lake.list_keys(prefix)
    }


def test_the_stream_is_made_from_the_template(aws: Runtime) -> None:
    resource = load_template()["Resources"]["EventsDeliveryStream"]["Properties"]
    described = aws.clients.firehose.describe_delivery_stream(DeliveryStreamName=aws.settings.events_stream)
    destination = described["DeliveryStreamDescription"]["Destinations"][0][
        "ExtendedS3DestinationDescription"
    ]
    wanted = resource["ExtendedS3DestinationConfiguration"]
    for field in ("Prefix", "ErrorOutputPrefix", "CompressionFormat", "FileExtension", "BufferingHints"):
        assert destination[field] == wanted[field]
    assert destination["BucketARN"] == f"arn:aws:s3:::{aws.settings.lake_bucket}"


def test_events_land_per_tenant_and_utc_day_gzipped_under_aws_names(aws: Runtime) -> None:
    events = [
        {"messageId": "m1", "type": "track", "event": "A", "timestamp": "2026-12-01T23:59:59.999999Z"},
        {"messageId": "m2", "type": "track", "event": "B", "timestamp": "2026-12-02T00:00:00.000000Z"},
        {"messageId": "m3", "type": "page", "timestamp": "2026-12-01T08:00:00.000000Z"},
    ]
    aws.landing.land("acme", events)
    aws.landing.land("globex", events[:1])
    landed = _objects(aws, f"{EVENTS_AREA}/")
    by_partition = {re.sub(_NAME + "$", "", key): records for key, records in landed.items()}
    assert all(re.search("/" + _NAME + "$", key) for key in landed), list(landed)
    assert {p: [r["messageId"] for r in rs] for p, rs in by_partition.items()} == {
        "raw/events/tenant=acme/dt=2026-12-01/": ["m1", "m3"],
        "raw/events/tenant=acme/dt=2026-12-02/": ["m2"],
        "raw/events/tenant=globex/dt=2026-12-01/": ["m1"],
    }
    first = by_partition["raw/events/tenant=acme/dt=2026-12-01/"][0]
    assert first == {**events[0], "tenantId": "acme"}


def test_a_record_without_partition_keys_goes_to_the_error_prefix(aws: Runtime) -> None:
    aws.clients.firehose.put_record_batch(
        DeliveryStreamName=aws.settings.events_stream, Records=[{"Data": b'{"messageId":"x"}\n'}]
    )
    today = datetime.now(UTC).date().isoformat()
    errors = _objects(aws, "raw/landing-errors/")
    assert [re.sub(_NAME + "$", "", key) for key in errors] == [
        f"raw/landing-errors/partitioning-failed/dt={today}/"
    ]
    assert not list(aws.lake.list_keys(f"{EVENTS_AREA}/"))
