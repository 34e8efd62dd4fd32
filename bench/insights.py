"""Benchmark: the insights function's pages and API against the storage reads they cannot avoid.

    .venv/bin/python bench/insights.py [--days 30] [--repeat 15]

In-process moto with the resources of `infra/`; one tenant with `--days` (and as many earlier)
days of stored metric results for two stores and three channels, a month of survey answers for
the comment drill-down, and three alert rules. Requests go through the insights app with
`chalice.test.Client`, alternating with their reference:

* `GET /dashboard` vs reading every metric the dashboard shows (`MetricsRepository.read`, the same
  parallel reads): what assembling the page and drawing its SVG charts adds;
* `GET /v1/summary` vs reading every catalog metric for both periods;
* `GET /v1/comments` (a store-day) vs the responses query of that day alone;
* `evaluate_after_rollup` (three rules, nothing fires) vs reading the three rules' metrics.

Printed: median and p95 of each (ms) and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
        "TOUCHPOINT_STAGE": "test",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3
from chalice.test import Client
from moto import mock_aws

from touchpoint.alerts import evaluate_after_rollup
from touchpoint.alerts.rules import AlertRule
from touchpoint.metrics.registry import SUMMARY_METRICS
from touchpoint.models.metrics import MetricPoint
from touchpoint.models.surveys import Comment, Score, StoredResponse
from touchpoint.models.tenants import KeyKind, TenantConfig
from touchpoint.runtime import Runtime, get_runtime, reset_runtime
from touchpoint.storage.metrics import new_run_id
from touchpoint_cli.apps import function_module, load_app
from touchpoint_cli.resources import deploy_stack

LAST = date(2024, 5, 31)
STORES = ("berlin", "hamburg")
CHANNELS = ("in_store", "email", "in_app")


def _point(
    metric: str, day: date, value: float, breakdown: dict[str, str] | None = None, **extra: Any
) -> MetricPoint:
    return MetricPoint(metric=metric, date=day, value=value, breakdown=breakdown or {}, extra=extra)


def _day_points(day: date, i: int) -> list[MetricPoint]:
    points = [
        _point(m, day, v)
        for m, v in (
            ("sessions", 900 + i % 40),
            ("engagement_rate", 0.6),
            ("dau", 400.0),
            ("conversion_rate", 0.03),
            ("orders", 60.0),
            ("revenue", 3100.0),
            ("avg_order_value", 52.0),
            ("purchasers", 55.0),
            ("retention_rate_30d", 0.4),
            ("churn_rate_30d", 0.6),
            ("purchaser_retention_30d", 0.3),
            ("clv", 210.0),
            ("store_conversion_rate", 0.2),
            ("loyalty_signups", 4.0),
            ("staff_interactions", 30.0),
            ("responses", 40.0),
            ("negative_comment_share", 0.15),
            ("at_risk", 12.0),
            ("north_star", 0.6),
        )
    ]
    points.append(_point("nps", day, 30.0, responses=40, promoters=20, passives=12, detractors=8))
    points.append(_point("csat", day, 4.1, responses=30))
    points.append(_point("ticket_volume", day, 12.0))
    points.append(_point("foot_traffic", day, 700.0))
    points.append(
        _point("engagement_score", day, 52.0, people=5000, deciles=[10, 20, 30, 40, 50, 60, 70, 80, 90])
    )
    for store in STORES:
        loc = {"location": store}
        points += [
            _point("csat", day, 4.0 + (i % 5) / 10, loc, responses=10),
            _point("nps", day, 25.0, loc, responses=10, promoters=5, passives=2, detractors=3),
            _point("responses", day, 10.0, loc),
            _point("foot_traffic", day, 350.0, loc),
            _point("orders", day, 20.0, loc),
            _point("revenue", day, 900.0, loc),
            _point("store_conversion_rate", day, 0.2, loc),
            _point("negative_comment_share", day, 0.1, loc),
        ]
    for channel in CHANNELS:
        points.append(_point("csat", day, 4.2, {"channel": channel}, responses=10))
        points.append(_point("ticket_volume", day, 4.0, {"channel": channel}))
    return points


def _seed(runtime: Runtime, tenant_id: str, days: int) -> None:
    for i in range(2 * days):
        day = LAST - timedelta(days=2 * days - 1 - i)
        run_id = new_run_id()
        runtime.metrics.put_run(tenant_id, day, run_id, _day_points(day, i))
        runtime.rollup_state.mark_done(tenant_id, day, run_id)
    expires = int((datetime.now(UTC) + timedelta(days=30)).timestamp())
    noon = datetime(LAST.year, LAST.month, LAST.day, 10, tzinfo=UTC)
    for n in range(40):
        response = StoredResponse(
            tenant_id=tenant_id,
            survey_id="store-csat",
            response_id=f"bench-resp-{n:04d}",
            complete=True,
            channel="in_store",
            location_id=STORES[n % 2],
            language="de",
            scores=[Score(question_id="csat", kind="csat", value=1 + n % 5)],
            comments=[
                Comment(
                    question_id="c",
                    text="Lange Wartezeit an der Kasse",
                    language="de",
                    sentiment="negative",
                    score=-0.6,
                    key_phrases=["lange wartezeit", "kasse", "wartezeit"],
                )
            ],
            started_at=noon,
            submitted_at=noon + timedelta(minutes=n),
        )
        runtime.responses.save(
            response, previous_submitted_at=None, guard_respondents=[], window_start=None, expires_at=expires
        )
    now = datetime.now(UTC)
    for rule in (
        {"rule_id": "nps-low", "metric": "nps", "condition": "below", "threshold": 0, "window_days": 7},
        {
            "rule_id": "csat-drop",
            "metric": "csat",
            "breakdown": {"location": "hamburg"},
            "condition": "drops_by",
            "threshold": 50,
        },
        {
            "rule_id": "chat",
            "metric": "ticket_volume",
            "breakdown": {"channel": "email"},
            "condition": "rises_by",
            "threshold": 300,
        },
    ):
        runtime.alerts.create_rule(
            AlertRule.model_validate(
                {
                    "tenant_id": tenant_id,
                    "name": rule["rule_id"],
                    "created_at": now,
                    "updated_at": now,
                    **rule,
                }
            )
        )


def _measure(
    label: str, fn: Callable[[], Any], reference: Callable[[], Any], repeat: int
) -> tuple[str, float, float]:
    fn()
    reference()
    timed: list[float] = []
    ref: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timed.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        reference()
        ref.append((time.perf_counter() - start) * 1000)

    def p95(values: list[float]) -> float:
        return sorted(values)[max(0, round(0.95 * len(values)) - 1)]

    median, ref_median = statistics.median(timed), statistics.median(ref)
    print(
        f"{label:<34} {median:8.1f} / {p95(timed):8.1f} ms   reference {ref_median:8.1f} / {p95(ref):8.1f} ms"
        f"   ratio {median / ref_median:5.2f}"
    )
    return label, median, ref_median


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with mock_aws():
        reset_runtime()
        deploy_stack(boto3.client("cloudformation", region_name="eu-central-1"), "test")
        runtime = get_runtime()
        runtime.tenants.create_tenant("bench", "Bench", TenantConfig(timezone="Europe/Berlin"))
        read_key, _ = runtime.tenants.issue_key("bench", KeyKind.READ)
        for store in STORES:
            runtime.locations.create_location("bench", store, store.title())
        started = time.perf_counter()
        _seed(runtime, "bench", args.days)
        print(f"seeded {2 * args.days} days in {time.perf_counter() - started:.1f} s")
        client = Client(load_app("insights"))
        queries = function_module("insights", "chalicelib.queries")
        dashboard = function_module("insights", "chalicelib.dashboard")
        first = LAST - timedelta(days=args.days - 1)
        period = f"from={first.isoformat()}&to={LAST.isoformat()}"
        cookie = {"Cookie": f"tp_session={read_key}"}
        bearer = {"Authorization": f"Bearer {read_key}"}
        before = first - timedelta(days=args.days)

        def get(path: str, headers: dict[str, str]) -> Callable[[], Any]:
            def call() -> Any:
                response = client.http.get(path, headers=headers)
                assert response.status_code == 200, response.body[:300]
                return response

            return call

        print(f"{'request':<34} {'median / p95':>21}   {'reference median / p95':>30}")
        _measure(
            f"GET /dashboard ({args.days} days)",
            get(f"/dashboard?{period}&lang=de", cookie),
            lambda: queries.load_points(
                runtime.metrics, "bench", dashboard.dashboard_metrics("engagement_rate"), before, LAST
            ),
            args.repeat,
        )
        _measure(
            "GET /v1/summary",
            get(f"/v1/summary?{period}", bearer),
            lambda: queries.load_points(runtime.metrics, "bench", SUMMARY_METRICS, before, LAST),
            args.repeat,
        )
        start = datetime(LAST.year, LAST.month, LAST.day, tzinfo=UTC) - timedelta(hours=2)
        _measure(
            "GET /v1/comments (a store-day)",
            get(f"/v1/comments?metric=csat&date={LAST.isoformat()}&location=hamburg", bearer),
            lambda: list(runtime.responses.for_tenant_period("bench", start, start + timedelta(days=1))),
            args.repeat,
        )
        _measure(
            "evaluate_after_rollup (3 rules)",
            lambda: evaluate_after_rollup(runtime, "bench", LAST),
            lambda: [
                runtime.metrics.read("bench", m, LAST - timedelta(days=42), LAST)
                for m in ("nps", "csat", "ticket_volume")
            ],
            args.repeat,
        )
        page = client.http.get(f"/dashboard?{period}&lang=de", headers=cookie).body
        charts = page.count(b"data-chart=")
        print(f"dashboard page: {len(page):,} bytes, {charts} charts")
        reset_runtime()


if __name__ == "__main__":
    main()
