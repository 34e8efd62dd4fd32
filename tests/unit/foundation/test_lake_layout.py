"""The lake layout: the keys it builds, and that the template's prefixes name the same areas."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from touchpoint.storage import lake_layout as layout
from touchpoint_cli.cfn import load_template

DAY = date(2026, 11, 22)


def test_keys_are_hive_partitions_of_their_area() -> None:
    assert layout.partition_prefix(layout.EVENTS_AREA, "acme") == "raw/events/tenant=acme/"
    assert (
        layout.survey_event_key("acme", DAY, "r1")
        == "raw/events/tenant=acme/dt=2026-11-22/survey-r1.jsonl.gz"
    )
    assert layout.response_key("acme", DAY, "r1") == "responses/tenant=acme/dt=2026-11-22/r1.jsonl.gz"
    assert (
        layout.quarantine_key("acme", DAY, "ab12")
        == "quarantine/events/tenant=acme/dt=2026-11-22/ab12.jsonl.gz"
    )
    assert (
        layout.compacted_key("acme", DAY, 1_764_000_000_000, "0f0f0f0f")
        == "raw/compacted/tenant=acme/dt=2026-11-22/events-1764000000000-0f0f0f0f.parquet"
    )
    assert layout.compacted_key("acme", DAY, 5, "x").endswith("/events-0000000000005-x.parquet")
    assert (
        layout.digest_key("acme", DAY, "person_days")
        == "digests/person_days/tenant=acme/dt=2026-11-22/person_days.parquet"
    )
    assert layout.export_keys("acme", DAY) == (
        "exports/metrics/csv/tenant=acme/dt=2026-11-22/metrics.csv",
        "exports/metrics/parquet/tenant=acme/dt=2026-11-22/metrics.parquet",
    )
    assert layout.people_export_keys("acme", DAY) == (
        "exports/people/csv/tenant=acme/dt=2026-11-22/engagement.csv",
        "exports/people/parquet/tenant=acme/dt=2026-11-22/engagement.parquet",
    )
    assert (
        layout.response_export_key("acme", DAY, "s-1.csv")
        == "exports/responses/tenant=acme/dt=2026-11-22/s-1.csv"
    )


def test_each_digest_table_has_its_own_area_under_the_digests_prefix() -> None:
    from touchpoint.engine.history import DIGEST_TABLES

    assert tuple(DIGEST_TABLES) == layout.DIGEST_TABLE_NAMES  # the engine's tables, in its order
    assert tuple(f"digests/{t}" for t in DIGEST_TABLES) == layout.DIGEST_TABLE_AREAS
    keys = {layout.digest_key("acme", DAY, t) for t in DIGEST_TABLES}
    assert len({key.rsplit("/", 1)[0] for key in keys}) == len(DIGEST_TABLES)  # no folder shared
    assert all(key.startswith(layout.DIGESTS_AREA + "/") for key in keys)  # the lifecycle rule's prefix
    # erasure and the sweep also clear the legacy layout (`digests/tenant=<t>/dt=<d>/<table>.parquet`)
    assert (*layout.DIGEST_TABLE_AREAS, "digests") == layout.DIGEST_AREAS
    assert layout.partition_prefix(layout.LEGACY_DIGESTS_AREA, "acme") == "digests/tenant=acme/"


def test_an_unknown_digest_table_has_no_area() -> None:
    for table in ("", "persons", "../raw", "tenant=acme"):
        with pytest.raises(ValueError, match="unknown digest table"):
            layout.digest_key("acme", DAY, table)


def test_partition_date_reads_only_dt_partitions() -> None:
    assert layout.partition_date(layout.digest_key("acme", DAY, "tracked").rsplit("/", 1)[0]) == DAY
    assert layout.partition_date("digests/tenant=acme/") is None
    assert layout.partition_date("digests/tenant=acme/dt=2026-13-01/") is None


def _lake_properties() -> tuple[list[str], dict[str, Any]]:
    resources = load_template()["Resources"]
    rules = resources["LakeBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    stream = next(r for r in resources.values() if r["Type"] == "AWS::KinesisFirehose::DeliveryStream")
    return [r["Prefix"] for r in rules if "Prefix" in r], stream["Properties"][
        "ExtendedS3DestinationConfiguration"
    ]


def test_the_template_lands_and_expires_the_areas_of_the_layout() -> None:
    prefixes, destination = _lake_properties()
    assert destination["Prefix"].startswith(layout.EVENTS_AREA + "/tenant=")
    assert destination["ErrorOutputPrefix"].startswith(layout.LANDING_ERRORS_AREA + "/")
    # every area with personal or expiring data falls under a lifecycle rule
    for area in (
        layout.EVENTS_AREA,
        layout.COMPACTED_AREA,
        layout.LANDING_ERRORS_AREA,
        layout.QUARANTINE_AREA,
        layout.RESPONSES_AREA,
        layout.DIGESTS_AREA,
        *layout.DIGEST_AREAS,
        *layout.PEOPLE_AREAS,
        layout.RESPONSE_EXPORTS_AREA,
    ):
        assert any((area + "/").startswith(p) for p in prefixes), area
