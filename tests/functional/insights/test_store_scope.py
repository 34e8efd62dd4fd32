"""A store manager of Berlin reads Berlin's numbers, comments and alerts, and nothing of Hamburg's.

The views are called with a scoped principal (what a signed-in store manager's session yields);
the routes' own scope check (a request naming Hamburg) is covered in tests/unit/foundation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
from chalice.app import Request

from tests.conftest import TenantKeys
from tests.functional.insights.seed import LAST, month_of_metrics, response, save_responses, store_points
from touchpoint.alerts.models import FiredAlert
from touchpoint.models.tenants import KeyKind
from touchpoint.models.users import Role
from touchpoint.runtime import Runtime
from touchpoint.web.auth import Principal
from touchpoint.web.errors import ApiError
from touchpoint_cli.apps import function_module

FIRST = LAST - timedelta(days=6)
PERIOD = {"from": FIRST.isoformat(), "to": LAST.isoformat()}


@pytest.fixture
def views() -> ModuleType:
    return function_module("insights", "chalicelib.views")


@pytest.fixture
def seeded(aws: Runtime, tenant: TenantKeys) -> Runtime:
    store_points(aws, tenant.tenant_id, month_of_metrics())
    aws.locations.create_location(tenant.tenant_id, "berlin", "Berlin Mitte")
    aws.locations.create_location(tenant.tenant_id, "hamburg", "Hamburg Hafen")
    noon = datetime(LAST.year, LAST.month, LAST.day, 12, tzinfo=UTC)
    answers = [("berlin", "Kasse in Berlin zu langsam"), ("hamburg", "Hamburg war kalt")]
    save_responses(
        aws,
        [
            response(
                tenant.tenant_id,
                f"resp-{store}-0001",
                noon + timedelta(minutes=i),
                csat=1,
                comment=text,
                sentiment="negative",
                phrases=["kasse"],
                location_id=store,
            )
            for i, (store, text) in enumerate(answers)
        ],
    )
    for store in ("berlin", "hamburg"):
        aws.alerts.record_alert(_alert(tenant.tenant_id, store))
    return aws


def _alert(tenant_id: str, store: str) -> FiredAlert:
    return FiredAlert(
        tenant_id=tenant_id,
        rule_id=f"csat-{store}",
        rule_name=f"CSAT {store}",
        description="csat dropped",
        day=LAST,
        metric="csat",
        breakdown={"location": store},
        condition="below",
        threshold=3.0,
        window_days=1,
        baseline_days=7,
        value=1.8,
        baseline=4.2,
        change_pct=-57.1,
        samples=5,
        fired_at=datetime(LAST.year, LAST.month, LAST.day, 3, tzinfo=UTC),
    )


def berlin_manager(tenant_id: str) -> Principal:
    return Principal(
        tenant_id,
        None,
        role=Role.EDITOR,
        user_id="u-berlin",
        email="berlin@acme.example",
        locations=frozenset({"berlin"}),
    )


def _request(path: str, query: dict[str, str]) -> Request:
    event: dict[str, Any] = {
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()},
        "headers": {"host": "touchpoint.example", "accept-language": "en"},
        "pathParameters": None,
        "requestContext": {"httpMethod": "GET", "resourcePath": path},
        "body": None,
        "isBase64Encoded": False,
        "stageVariables": None,
        "path": path,
    }
    return Request(event)


def test_metrics_come_as_the_managers_store_rows_only(
    seeded: Runtime, tenant: TenantKeys, views: ModuleType
) -> None:
    manager = berlin_manager(tenant.tenant_id)
    one = views.one_metric(manager, {"metric": "csat", **PERIOD}, seeded.metrics)
    assert one["points"] and {p["breakdown"]["location"] for p in one["points"]} == {"berlin"}
    assert all(p["value"] == 4.3 for p in one["points"])  # Berlin's seeded CSAT, never Hamburg's 1.8/4.2
    batch = views.batch_metrics(manager, {"metrics": "csat,nps,foot_traffic", **PERIOD}, seeded.metrics)
    for series in batch["metrics"]:
        assert {p["breakdown"].get("location") for p in series["points"]} <= {"berlin"}
    assert batch["breakdown"] == "location"
    # the whole tenant's view still has both stores and the totals
    admin = Principal.for_key(tenant.tenant_id, KeyKind.ADMIN, "k")
    everything = views.one_metric(
        admin, {"metric": "csat", "breakdown": "location", **PERIOD}, seeded.metrics
    )
    assert {p["breakdown"]["location"] for p in everything["points"]} == {"berlin", "hamburg"}


def test_tenant_wide_splits_and_the_summary_are_refused(
    seeded: Runtime, tenant: TenantKeys, views: ModuleType
) -> None:
    manager = berlin_manager(tenant.tenant_id)
    with pytest.raises(ApiError) as split:
        views.one_metric(manager, {"metric": "csat", "breakdown": "channel", **PERIOD}, seeded.metrics)
    assert split.value.status == 403 and "tenant-wide" in split.value.message
    with pytest.raises(ApiError) as summary:
        views.summary(seeded, manager, PERIOD)
    assert summary.value.status == 403


def test_comments_and_alerts_of_hamburg_stay_hidden(
    seeded: Runtime, tenant: TenantKeys, views: ModuleType
) -> None:
    manager = berlin_manager(tenant.tenant_id)
    document = views.comments(seeded, manager, {"metric": "csat", **PERIOD}, seeded.responses)
    text = str(document)
    assert "Kasse in Berlin zu langsam" in text and "Hamburg war kalt" not in text
    alerts = views.alerts(seeded, manager, {"from": FIRST.isoformat(), "to": LAST.isoformat()})
    assert [a["breakdown"]["location"] for a in alerts] == ["berlin"]
    with pytest.raises(ApiError) as hidden:
        views.alert(seeded, manager, f"{LAST.isoformat()}_csat-hamburg")
    assert hidden.value.status == 404
    assert views.alert(seeded, manager, f"{LAST.isoformat()}_csat-berlin")["breakdown"] == {
        "location": "berlin"
    }


def test_the_dashboard_shows_the_managers_store_and_no_company_figures(
    seeded: Runtime, tenant: TenantKeys, views: ModuleType
) -> None:
    manager = berlin_manager(tenant.tenant_id)
    page = views.dashboard(seeded, manager, _request("/dashboard", PERIOD)).body
    assert 'id="scope-note"' in page and "Berlin Mitte" in page
    assert 'data-location="berlin"' in page and 'data-location="hamburg"' not in page
    assert "Hamburg" not in page
    assert 'id="north-star"' not in page and 'id="engagement"' not in page
    full = views.dashboard(
        seeded, Principal.for_key(tenant.tenant_id, KeyKind.READ, "k"), _request("/dashboard", PERIOD)
    ).body
    assert 'data-location="hamburg"' in full and 'id="north-star"' in full and 'id="scope-note"' not in full
