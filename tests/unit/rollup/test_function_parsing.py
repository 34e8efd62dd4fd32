"""The rollup function's event parsing and fan-out invoker; the metrics API's query validation."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from botocore.stub import Stubber

from touchpoint.models.inputs import InputError
from touchpoint.models.scheduled_events import BadEventError, schedule_time
from touchpoint.rollup.schedule import TenantDay
from touchpoint.storage.metrics import StoredPoint
from touchpoint.web.errors import ApiError
from touchpoint_cli.apps import function_module
from touchpoint_cli.paths import REPO_ROOT

events = function_module("rollup", "chalicelib.events")
invoker = function_module("rollup", "chalicelib.invoker")
metrics_api = function_module("insights", "chalicelib.metrics_api")


def test_schedule_time_reads_the_eventbridge_time() -> None:
    scheduled = json.loads((REPO_ROOT / "events" / "rollup" / "scheduled.json").read_text())
    assert schedule_time(scheduled) == datetime(2026, 11, 23, 1, tzinfo=UTC)
    assert schedule_time({"time": "2026-11-23T01:00:00Z"}) == datetime(2026, 11, 23, 1, tzinfo=UTC)
    assert schedule_time({"time": "2026-11-23T01:00:00"}) == datetime(2026, 11, 23, 1, tzinfo=UTC)  # UTC
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert schedule_time({}, now=now) == now
    with pytest.raises(BadEventError, match="time: not an ISO-8601 time"):
        schedule_time({"time": "yesterday"})
    with pytest.raises(BadEventError, match="time: must be"):
        schedule_time({"time": 5})
    with pytest.raises(BadEventError, match="time: not an ISO-8601 time"):
        schedule_time({**scheduled, "time": "soon"})
    incomplete = {k: v for k, v in scheduled.items() if k != "account"}
    with pytest.raises(BadEventError, match=r"^account: Field required"):
        schedule_time(incomplete)
    with pytest.raises(BadEventError, match=r"^event: must be a JSON object"):
        schedule_time([scheduled])


def test_worker_request_validates_every_field() -> None:
    request = events.worker_request({"tenant_id": "acme", "date": "2026-11-22", "generation": "nightly"})
    assert request == TenantDay("acme", date(2026, 11, 22), "manual", "nightly")
    assert events.worker_request({"tenant_id": "acme", "date": "2026-11-22"}).generation == "manual"
    for bad, field in [
        ({"date": "2026-11-22"}, "tenant_id"),
        ({"tenant_id": "ACME!", "date": "2026-11-22"}, "tenant_id"),
        ({"tenant_id": "acme", "date": "22.11.2026"}, "date"),
        ({"tenant_id": "acme", "date": "2026-11-22", "generation": 3}, "generation"),
    ]:
        with pytest.raises(events.BadEventError, match=f"^{field}:"):
            events.worker_request(bad)


def test_worker_name_comes_from_the_template_or_the_dispatchers_own_name() -> None:
    packaged = {"TOUCHPOINT_ROLLUP_WORKER": "touchpoint-prod-rollup-Worker-1A2B3C"}
    assert (
        invoker.worker_function_name("x-Nightly-9Z", "prod", packaged)
        == "touchpoint-prod-rollup-Worker-1A2B3C"
    )
    assert (
        invoker.worker_function_name("touchpoint-rollup-prod-nightly", "prod", {})
        == "touchpoint-rollup-prod-worker"
    )
    assert invoker.worker_function_name("nightly", "dev", {}) == "touchpoint-rollup-dev-worker"
    assert invoker.worker_function_name(None, "staging", {}) == "touchpoint-rollup-staging-worker"


def test_lambda_invoker_starts_the_worker_asynchronously() -> None:
    import boto3

    client = boto3.client("lambda", region_name="eu-central-1")
    tenant_day = TenantDay("acme", date(2026, 11, 22), "nightly", "nightly")
    with Stubber(client) as stub:
        stub.add_response(
            "invoke",
            {"StatusCode": 202},
            {
                "FunctionName": "touchpoint-rollup-prod-worker",
                "InvocationType": "Event",
                "Payload": json.dumps(tenant_day.payload()).encode(),
            },
        )
        stub.add_response("invoke", {"StatusCode": 500})
        start = invoker.LambdaInvoker(client, "touchpoint-rollup-prod-worker")
        start(tenant_day)
        with pytest.raises(RuntimeError, match="answered 500"):
            start(tenant_day)
        stub.assert_no_pending_responses()


def _query(**params: str) -> Any:
    return metrics_api.parse_query(params)


def test_metrics_query_accepts_a_valid_request() -> None:
    query = _query(metric="nps", **{"from": "2026-01-01", "to": "2026-12-31"}, breakdown="channel")
    assert (query.metric, query.first, query.last, query.breakdown) == (
        "nps",
        date(2026, 1, 1),
        date(2026, 12, 31),
        "channel",
    )
    assert _query(metric="revenue", **{"from": "2026-01-01", "to": "2026-01-01"}).breakdown is None


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-01-01", "to": "2026-01-02"}, "metric", "query parameter metric is required"),
        ({"metric": "vibes", "from": "2026-01-01", "to": "2026-01-02"}, "metric", "unknown metric 'vibes'"),
        ({"metric": "nps", "to": "2026-01-02"}, "from", "query parameter from is required"),
        (
            {"metric": "nps", "from": "01/01/2026", "to": "2026-01-02"},
            "from",
            "from must be a date as YYYY-MM-DD",
        ),
        ({"metric": "nps", "from": "2026-01-01", "to": "2026-02-30"}, "to", "to must be a date"),
        ({"metric": "nps", "from": "2026-01-03", "to": "2026-01-02"}, "from", "from must not be after to"),
        ({"metric": "nps", "from": "2025-01-01", "to": "2026-01-02"}, "to", "at most 366 days"),
        (
            {"metric": "nps", "from": "2026-01-01", "to": "2026-01-02", "breakdown": "mood"},
            "breakdown",
            "unknown breakdown",
        ),
    ],
)
def test_metrics_query_errors_name_the_field(params: dict[str, str], field: str, message: str) -> None:
    # dates are checked by touchpoint.models.inputs (InputError), which the routing layer answers
    # with the same 400 as an ApiError (tests/functional/rollup/test_metrics_api.py)
    with pytest.raises((ApiError, InputError)) as raised:
        metrics_api.parse_query(params)
    error = raised.value
    assert isinstance(error, ApiError | InputError)
    assert not isinstance(error, ApiError) or error.status == 400
    assert error.field == field and message in error.message


def test_a_leap_year_of_366_days_is_allowed() -> None:
    assert _query(metric="dau", **{"from": "2028-01-01", "to": "2028-12-31"}).last == date(2028, 12, 31)


class FakeReader:
    def __init__(self, points: list[StoredPoint]) -> None:
        self.points = points
        self.calls: list[tuple[str, str, date, date]] = []

    def read(self, tenant_id: str, metric: str, first: date, last: date) -> list[StoredPoint]:
        self.calls.append((tenant_id, metric, first, last))
        return self.points


def test_read_metrics_filters_breakdowns_and_sorts() -> None:
    d1, d2 = date(2026, 1, 1), date(2026, 1, 2)
    reader = FakeReader(
        [
            StoredPoint("sessions", d2, 5.0, {"channel": "web"}),
            StoredPoint("sessions", d2, 9.0, {}),
            StoredPoint("sessions", d1, 4.0, {"channel": "web"}),
            StoredPoint("sessions", d1, 1.0, {"channel": "email"}),
            StoredPoint("sessions", d1, 7.0, {}, {"note": 1}),
            StoredPoint("sessions", d1, 3.0, {"platform": "ios"}),
            StoredPoint("sessions", d1, None, {"channel": "app"}),
        ]
    )
    params = {"metric": "sessions", "from": "2026-01-01", "to": "2026-01-31"}
    totals = metrics_api.read_metrics("acme", params, reader)
    assert totals == {
        "metric": "sessions",
        "points": [
            {"date": "2026-01-01", "value": 7.0, "breakdown": {}, "extra": {"note": 1}},
            {"date": "2026-01-02", "value": 9.0, "breakdown": {}, "extra": {}},
        ],
    }
    by_channel = metrics_api.read_metrics("acme", {**params, "breakdown": "channel"}, reader)
    assert [(p["date"], p["breakdown"]["channel"], p["value"]) for p in by_channel["points"]] == [
        ("2026-01-01", "email", 1.0),
        ("2026-01-01", "web", 4.0),
        ("2026-01-02", "web", 5.0),
    ]
    assert reader.calls[0] == ("acme", "sessions", d1, date(2026, 1, 31))
    assert metrics_api.read_metrics("acme", params, FakeReader([])) == {"metric": "sessions", "points": []}


def test_the_packaged_template_tells_the_dispatcher_its_workers_name() -> None:
    from chalice.utils import to_cfn_resource_name

    from touchpoint_cli.apps import load_app
    from touchpoint_cli.paths import FUNCTIONS_DIR

    merge = json.loads((FUNCTIONS_DIR / "rollup" / ".chalice" / "merge-template.json").read_text())
    handlers = {to_cfn_resource_name(f.name) for f in load_app("rollup").pure_lambda_functions}
    # Retention: touchpoint.privacy's daily run; Notifications and Digest: touchpoint.loop's
    assert handlers == {"Nightly", "Worker", "Retention", "Notifications", "Digest"}
    # the runtime is declared once, in infra/runtimes.json (infra/package.py writes it in)
    assert all("Runtime" not in merge["Resources"][h]["Properties"] for h in handlers)
    runtimes = json.loads((FUNCTIONS_DIR.parent / "infra" / "runtimes.json").read_text())
    assert runtimes["rollup"] == "python3.12"
    variables = merge["Resources"]["Nightly"]["Properties"]["Environment"]["Variables"]
    assert variables == {
        invoker.WORKER_VARIABLE: {"Ref": "Worker"},
        "TOUCHPOINT_EMR_APPLICATION_ID": {
            "Fn::ImportValue": {"Fn::Sub": "${ResourcePrefix}-rollup-spark-application-id"}
        },
        "TOUCHPOINT_EMR_JOB_ROLE_ARN": {
            "Fn::ImportValue": {"Fn::Sub": "${ResourcePrefix}-rollup-spark-job-role-arn"}
        },
        "TOUCHPOINT_KEY_PEPPER_SECRET": {
            "Fn::ImportValue": {"Fn::Sub": "${ResourcePrefix}-key-pepper-secret-arn"}
        },
    }
