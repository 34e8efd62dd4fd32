"""The retention sweep: each tenant's own retention on lake partitions and responses (moto has no
lifecycle rules and no TTL, so what they would do is not assumed here)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from chalice.test import Client
from pydantic import ValidationError

from tests.conftest import TenantKeys, function_client, make_tenant
from tests.functional.foundation.test_infra_stack import _template
from tests.functional.privacy.support import api, lake_state, table_items
from tests.functional.surveys.support import Clock
from touchpoint.models.tenants import (
    MAX_RETENTION_DAYS_EVENTS,
    MAX_RETENTION_DAYS_RESPONSES,
    Tenant,
    TenantConfig,
)
from touchpoint.privacy.retention_sweep import RetentionSweeper
from touchpoint.runtime import Runtime
from touchpoint.storage.lake_layout import DIGEST_TABLE_AREAS, partition_prefix
from touchpoint_cli.apps import load_app

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
SHORT = TenantConfig(retention_days_events=30, retention_days_responses=60)
SURVEY = {
    "name": "Quick",
    "defaultLanguage": "en",
    "questions": [{"id": "nps", "kind": "nps", "required": True, "text": {"en": "Recommend us?"}}],
}


def _put(runtime: Runtime, area: str, tenant_id: str, day: date, name: str = "x") -> str:
    key = f"{partition_prefix(area, tenant_id, day)}{name}.jsonl.gz"
    runtime.lake.put_jsonl(key, [{"messageId": name}])
    return key


def _ago(days: int) -> date:
    return TODAY - timedelta(days=days)


@pytest.fixture
def short(aws: Runtime) -> TenantKeys:
    """Tenant `brief`: events kept 30 days, responses 60."""
    return make_tenant(aws, "brief", SHORT)


def test_partitions_older_than_the_tenants_own_retention_go_and_nothing_else(
    aws: Runtime, short: TenantKeys, other_tenant: TenantKeys
) -> None:
    t = short.tenant_id
    gone = [
        _put(aws, "raw/events", t, _ago(31)),
        _put(aws, "raw/events", t, _ago(400), "y"),
        _put(aws, "raw/compacted", t, _ago(31)),  # a compacted day of events
        _put(aws, "quarantine/events", t, _ago(31)),
        _put(aws, "responses", t, _ago(61)),
        # the rollup's day digest (person ids), one area per table: kept as events
        *(_put(aws, area, t, _ago(31)) for area in DIGEST_TABLE_AREAS),
        _put(aws, "digests", t, _ago(31)),  # the layout before each digest table had its own area
        _put(aws, "exports/people/csv", t, _ago(31)),  # per-person scores: kept as events
        _put(aws, "exports/people/parquet", t, _ago(31)),
        _put(aws, "exports/people", t, _ago(31)),  # the layout before each format had its own prefix
    ]
    kept = [
        _put(aws, "raw/events", t, _ago(30)),
        _put(aws, "quarantine/events", t, _ago(30)),
        _put(aws, "digests/person_days", t, _ago(30)),
        _put(aws, "digests", t, _ago(30)),
        _put(aws, "responses", t, _ago(60)),
        _put(aws, "responses", t, _ago(31)),
        _put(aws, "exports/people/csv", t, _ago(30)),
        _put(aws, "exports/metrics/csv", t, _ago(400)),
        _put(aws, "exports/metrics/parquet", t, _ago(400)),
        _put(aws, "raw/events", other_tenant.tenant_id, _ago(31)),  # default retention: 395 days
        _put(aws, "responses", other_tenant.tenant_id, _ago(61)),
    ]
    brief = aws.tenants.get_tenant(t)
    assert brief is not None
    dry = RetentionSweeper(aws).sweep_tenant(brief, NOW, dry_run=True)
    assert dry.objects_deleted == 15 and sorted(lake_state(aws)) == sorted(gone + kept)
    report = RetentionSweeper(aws).sweep_tenant(brief, NOW)
    assert report.objects_deleted == 15
    assert {area: len(p) for area, p in report.partitions.items()} == {
        "raw/events": 2,
        "raw/compacted": 1,
        "quarantine/events": 1,
        **{area: 1 for area in DIGEST_TABLE_AREAS},
        "digests": 1,
        "exports/people/parquet": 1,
        "exports/people/csv": 1,
        "exports/people": 1,
        "responses": 1,
    }
    assert sorted(lake_state(aws)) == sorted(kept)


def test_a_partition_of_more_than_1000_objects_is_deleted_in_batches(aws: Runtime, short: TenantKeys) -> None:
    prefix = partition_prefix("raw/events", short.tenant_id, _ago(40))
    s3 = aws.clients.s3
    for n in range(1001):
        s3.put_object(Bucket=aws.settings.lake_bucket, Key=f"{prefix}{n:04d}.jsonl.gz", Body=b"")
    calls: list[int] = []
    s3.meta.events.register(
        "before-call.s3.DeleteObjects", lambda params, **_: calls.append(len(params["body"]))
    )
    brief = aws.tenants.get_tenant(short.tenant_id)
    assert brief is not None
    assert RetentionSweeper(aws).sweep_tenant(brief, NOW).objects_deleted == 1001
    assert len(calls) == 2 and lake_state(aws) == {}


def _submit(client: Client, tenant: TenantKeys, survey_id: str, user: str) -> str:
    status, body, _ = api(
        client,
        "POST",
        f"/v1/surveys/{survey_id}/responses",
        tenant.write_key,
        {"answers": {"nps": 8}, "userId": user, "channel": "email"},
    )
    assert status == 201, body
    return str(body["responseId"])


def test_responses_past_retention_go_with_their_guards_copy_and_event(
    aws: Runtime, short: TenantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from touchpoint.surveys import service

    clock = Clock(datetime.combine(_ago(61), time(9), tzinfo=UTC))
    monkeypatch.setattr(service, "utc_now", clock)
    with function_client("surveys") as client:
        survey_id = api(client, "POST", "/v1/surveys", short.admin_key, SURVEY)[1]["surveyId"]
        api(client, "POST", f"/v1/surveys/{survey_id}/activate", short.admin_key)
        old = _submit(client, short, survey_id, "ann")
        clock.now = datetime.combine(_ago(60), time(0, 0, 1), tzinfo=UTC)
        lagging = _submit(client, short, survey_id, "bob")  # expired at 00:00:01 today: TTL may lag
        clock.now = datetime.combine(_ago(60), time(23, 0), tzinfo=UTC)
        boundary = _submit(client, short, survey_id, "cid")  # expires tonight
        clock.now = datetime.combine(_ago(59), time(9), tzinfo=UTC)
        recent = _submit(client, short, survey_id, "dan")
    brief = aws.tenants.get_tenant(short.tenant_id)
    assert brief is not None
    report = RetentionSweeper(aws).sweep_tenant(brief, NOW)
    assert report.responses_deleted == 2 and report.response_items_deleted == 4  # + their guards
    left = {str(i["sk"]) for i in table_items(aws, aws.settings.responses_table)}
    assert left == {
        f"RESPONSE#{boundary}",
        f"RESPONSE#{recent}",
        "RESPONDENT#user:cid",
        "RESPONDENT#user:dan",
    }
    keys = "\n".join(lake_state(aws))
    assert old not in keys and lagging not in keys and boundary in keys and recent in keys
    assert aws.privacy_state.responses_swept_to(short.tenant_id) == _ago(60)
    again = RetentionSweeper(aws).sweep_tenant(brief, NOW)
    assert again.responses_deleted == 0 and again.days_examined == 1


def _invoke(event: Any) -> Any:
    with Client(load_app("rollup")) as client:
        return client.lambda_.invoke("retention", event).payload


def test_the_daily_handler_sweeps_every_tenant(aws: Runtime, short: TenantKeys, tenant: TenantKeys) -> None:
    old = _put(aws, "raw/events", short.tenant_id, _ago(31))
    kept = _put(aws, "raw/events", tenant.tenant_id, _ago(31))
    result = _invoke({"time": "2026-11-23T03:30:00Z", "source": "aws.events"})
    assert [s["tenant_id"] for s in result["sweeps"]] == ["acme", "brief"]
    assert result["tenants_left"] == [] and result["erasures"] == []
    assert list(lake_state(aws)) == [kept] and old != kept


@pytest.mark.parametrize(
    ("event", "error"), [({"time": 5}, "time: must be"), ({"time": "soon"}, "time: not an ISO")]
)
def test_the_daily_handler_refuses_a_bad_event_and_deletes_nothing(
    aws: Runtime, short: TenantKeys, event: dict[str, Any], error: str
) -> None:
    key = _put(aws, "raw/events", short.tenant_id, _ago(31))
    assert _invoke(event)["error"].startswith(error)
    assert list(lake_state(aws)) == [key]


def test_the_template_runs_the_sweep_daily_beside_lifecycle_rules_and_ttl() -> None:
    resources = _template()["Resources"]
    rule = resources["PrivacySweepSchedule"]["Properties"]
    assert rule["ScheduleExpression"] == "cron(30 3 * * ? *)"
    assert rule["State"] == ["HasRetentionFunction", "ENABLED", "DISABLED"]
    assert resources["PrivacySweepInvokePermission"]["Condition"] == "HasRetentionFunction"
    for table in ("ResponsesTable", "PeopleTable", "StateTable"):
        assert resources[table]["Properties"]["TimeToLiveSpecification"]["AttributeName"] == "expires_at"
    lifecycle = resources["LakeBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expiring = {r["Prefix"] for r in lifecycle if "ExpirationInDays" in r}
    assert expiring == {
        "raw/",
        "digests/",
        "exports/people/",
        "quarantine/",
        "responses/",
        "exports/responses/",
        "athena-results/",  # Athena query results may hold personal data
        "raw/landing-errors/",  # records Firehose could not partition: kept like the quarantine
    }
    assert "VersioningConfiguration" not in resources["LakeBucket"]["Properties"]  # erased bytes stay erased


def test_one_failing_tenant_does_not_stop_the_others(
    aws: Runtime, short: TenantKeys, tenant: TenantKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = RetentionSweeper.sweep_tenant

    def flaky(self: RetentionSweeper, swept: Tenant, now: datetime, *, dry_run: bool = False) -> Any:
        if swept.tenant_id == tenant.tenant_id:
            raise RuntimeError("throttled")
        return original(self, swept, now, dry_run=dry_run)

    monkeypatch.setattr(RetentionSweeper, "sweep_tenant", flaky)
    _put(aws, "raw/events", short.tenant_id, _ago(31))
    result = _invoke({"time": "2026-11-23T03:30:00Z"})
    assert result["failed"] == ["sweep acme"] and [s["tenant_id"] for s in result["sweeps"]] == ["brief"]
    assert lake_state(aws) == {}


def test_lifecycle_rules_are_the_outer_bound_of_every_tenants_retention() -> None:
    """A tenant's longest allowed retention equals the lifecycle expiry of its area, never more."""
    template = _template()
    parameters = template["Parameters"]
    rules = {
        r["Prefix"]: r["ExpirationInDays"]
        for r in template["Resources"]["LakeBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
        if "ExpirationInDays" in r
    }
    assert rules["raw/"] == "RawEventRetentionDays" and rules["responses/"] == "ResponseRetentionDays"
    for name, longest in (
        ("RawEventRetentionDays", MAX_RETENTION_DAYS_EVENTS),
        ("ResponseRetentionDays", MAX_RETENTION_DAYS_RESPONSES),
    ):
        assert parameters[name]["Default"] == parameters[name]["MinValue"] == longest, name
    longest_config = TenantConfig(
        retention_days_events=MAX_RETENTION_DAYS_EVENTS,
        retention_days_responses=MAX_RETENTION_DAYS_RESPONSES,
        retention_days_comments=MAX_RETENTION_DAYS_RESPONSES,
    )
    assert longest_config.comment_retention_days == MAX_RETENTION_DAYS_RESPONSES
    for too_long in (
        {"retention_days_events": MAX_RETENTION_DAYS_EVENTS + 1},
        {"retention_days_responses": MAX_RETENTION_DAYS_RESPONSES + 1},
    ):
        with pytest.raises(ValidationError):
            TenantConfig.model_validate(too_long)
