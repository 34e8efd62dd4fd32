"""The Spark job's inputs: s3:// addresses with sizes from the listings, nothing downloaded."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.conftest import TenantKeys
from tests.functional.rollup.support import load_days
from touchpoint.rollup.inputs import LakeInputLoader
from touchpoint.runtime import Runtime

DAY = date(2026, 3, 10)


def test_remote_inputs_are_addresses_with_the_sizes_the_downloads_have(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    load_days(
        aws, tenant.tenant_id, tmp_path / "gen", [DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)]
    )
    local = LakeInputLoader(aws.lake).load_day(tenant.tenant_id, DAY, "UTC", tmp_path / "local", [])
    remote = LakeInputLoader(aws.lake, remote=True).load_day(
        tenant.tenant_id, DAY, "UTC", tmp_path / "remote", []
    )

    bucket = f"s3://{aws.settings.lake_bucket}/"
    events = [str(name) for name in remote.inputs.event_files]
    assert events and all(name.startswith(bucket) for name in events)
    assert all(str(name).startswith(bucket) for name in remote.inputs.response_files)
    assert not (tmp_path / "remote" / "events").exists()  # nothing downloaded
    assert len(events) == len(local.inputs.event_files)
    assert len(remote.inputs.response_files) == len(local.inputs.response_files)
    # the listings' sizes are the bytes a download gives, and the engine choice weighs the same
    assert (remote.raw_bytes, remote.bytes, remote.objects) == (local.raw_bytes, local.bytes, local.objects)
    assert remote.raw_bytes == LakeInputLoader(aws.lake).window_bytes(tenant.tenant_id, DAY, "UTC") > 0
