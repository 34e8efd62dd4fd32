"""Stored metric results and survey responses for the insights tests (as the rollup and surveys write them)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from touchpoint.models.metrics import MetricPoint
from touchpoint.models.surveys import Comment, Score, StoredResponse
from touchpoint.runtime import Runtime
from touchpoint.storage.metrics import new_run_id

LAST = date(2024, 5, 31)
PERIOD_DAYS = 7
DAYS = [LAST - timedelta(days=i) for i in range(2 * PERIOD_DAYS - 1, -1, -1)]  # the period and the one before


def point(
    name: str, day: date, value: float | None, breakdown: dict[str, str] | None = None, **extra: Any
) -> MetricPoint:
    return MetricPoint(metric=name, date=day, value=value, breakdown=breakdown or {}, extra=extra)


def store_points(runtime: Runtime, tenant_id: str, points: Iterable[MetricPoint]) -> None:
    """Write points as one finished rollup run per day."""
    per_day: dict[date, list[MetricPoint]] = defaultdict(list)
    for p in points:
        per_day[p.date].append(p)
    for day, day_points in per_day.items():
        run_id = new_run_id()
        runtime.metrics.put_run(tenant_id, day, run_id, day_points)
        runtime.rollup_state.mark_done(tenant_id, day, run_id)


def nps_point(
    day: date, promoters: int, passives: int, detractors: int, breakdown: dict[str, str] | None = None
) -> MetricPoint:
    n = promoters + passives + detractors
    return point(
        "nps",
        day,
        100.0 * (promoters - detractors) / n,
        breakdown,
        responses=n,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
    )


def month_of_metrics(low_csat_day: date | None = LAST - timedelta(days=3)) -> list[MetricPoint]:
    """Two weeks of a small brand: two stores, three channels; store `hamburg` has one bad CSAT day."""
    points: list[MetricPoint] = []
    for i, day in enumerate(DAYS):
        recent = i >= PERIOD_DAYS
        sessions = 100 + (20 if recent else 0) + i % 7
        points += [
            point("sessions", day, sessions),
            point("engagement_rate", day, 0.55 + (0.05 if recent else 0)),
            point("dau", day, 60 + i % 5),
            point("conversion_rate", day, 0.03),
            point("orders", day, 10 + i % 3),
            point("revenue", day, 500.0 + 10 * (i % 3)),
            point("avg_order_value", day, 50.0),
            point("purchasers", day, 9),
            point("retention_rate_30d", day, 0.4),
            point("churn_rate_30d", day, 0.6),
            point("foot_traffic", day, 200, {"location": "berlin"}),
            point("foot_traffic", day, 150, {"location": "hamburg"}),
            point("foot_traffic", day, 350),
            nps_point(day, 6, 2, 2),
            nps_point(day, 3, 1, 1, {"location": "berlin"}),
            nps_point(day, 3, 1, 1, {"location": "hamburg"}),
            point("responses", day, 10),
            point("responses", day, 5, {"location": "berlin"}),
            point("responses", day, 5, {"location": "hamburg"}),
            point("ticket_volume", day, 6),
            point("ticket_volume", day, 4, {"channel": "chat"}),
            point("ticket_volume", day, 2, {"channel": "email"}),
            point("engagement_score", day, 48.0, people=300, deciles=[10, 20, 30, 40, 48, 55, 62, 70, 81]),
            point("at_risk", day, 4, compared=250),
            point("north_star", day, 0.55 + (0.05 if recent else 0), metric="engagement_rate"),
        ]
        hamburg = 1.8 if day == low_csat_day else 4.2
        points += [
            point("csat", day, 4.1, responses=10),
            point("csat", day, 4.3, {"location": "berlin"}, responses=5),
            point("csat", day, hamburg, {"location": "hamburg"}, responses=5),
            point("csat", day, 4.0, {"channel": "in_store"}, responses=6),
            point("csat", day, 4.2, {"channel": "email"}, responses=4),
        ]
    return points


def response(
    tenant_id: str,
    response_id: str,
    submitted_at: datetime,
    *,
    csat: int | None = None,
    nps: int | None = None,
    comment: str | None = None,
    sentiment: str = "neutral",
    phrases: list[str] | None = None,
    location_id: str | None = "hamburg",
    channel: str = "in_store",
    survey_id: str = "store-csat",
    complete: bool = True,
) -> StoredResponse:
    scores = []
    if csat is not None:
        scores.append(Score(question_id="csat", kind="csat", value=csat))
    if nps is not None:
        scores.append(Score(question_id="nps", kind="nps", value=nps))
    comments = []
    if comment is not None:
        comments.append(
            Comment(
                question_id="why",
                text=comment,
                language="de",
                sentiment=sentiment,
                score=-0.8 if sentiment == "negative" else 0.5,
                key_phrases=phrases or [],
            )
        )
    return StoredResponse(
        tenant_id=tenant_id,
        survey_id=survey_id,
        response_id=response_id,
        complete=complete,
        channel=channel,
        location_id=location_id,
        language="de",
        scores=scores,
        comments=comments,
        started_at=submitted_at - timedelta(minutes=2),
        submitted_at=submitted_at,
        completed_at=submitted_at if complete else None,
    )


def save_responses(runtime: Runtime, responses: Iterable[StoredResponse]) -> None:
    expires = int((datetime.now(UTC) + timedelta(days=30)).timestamp())
    for r in responses:
        runtime.responses.save(
            r, previous_submitted_at=None, guard_respondents=[], window_start=None, expires_at=expires
        )


def bad_day_responses(tenant_id: str, day: date) -> list[StoredResponse]:
    """The comments behind hamburg's low CSAT on `day` (UTC noon), plus noise that must not show."""
    noon = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
    wait = ["lange wartezeit", "kasse"]
    return [
        response(
            tenant_id,
            "resp-wait-0001",
            noon,
            csat=1,
            comment="Viel zu lange Wartezeit an der Kasse!",
            sentiment="negative",
            phrases=wait,
        ),
        response(
            tenant_id,
            "resp-wait-0002",
            noon + timedelta(minutes=5),
            csat=2,
            comment="Lange Wartezeit, nur eine Kasse offen",
            sentiment="negative",
            phrases=wait,
        ),
        response(
            tenant_id,
            "resp-wait-0003",
            noon + timedelta(minutes=9),
            csat=1,
            comment="Wartezeit an der Kasse eine Frechheit",
            sentiment="negative",
            phrases=["lange wartezeit"],
        ),
        response(
            tenant_id,
            "resp-staff-0001",
            noon + timedelta(minutes=15),
            csat=2,
            comment="Personal unfreundlich",
            sentiment="negative",
            phrases=["personal"],
        ),
        response(
            tenant_id,
            "resp-staff-0002",
            noon + timedelta(minutes=20),
            csat=4,
            comment="Personal sehr nett",
            sentiment="positive",
            phrases=["personal"],
        ),
        response(
            tenant_id,
            "resp-plain-0001",
            noon + timedelta(minutes=25),
            csat=3,
            comment="ok",
            sentiment="neutral",
        ),
        # Not behind hamburg's CSAT of that day:
        response(
            tenant_id,
            "resp-berlin-001",
            noon,
            csat=5,
            comment="Alles super",
            sentiment="positive",
            phrases=["service"],
            location_id="berlin",
        ),
        response(
            tenant_id,
            "resp-nps-00001",
            noon,
            nps=3,
            comment="Zu teuer",
            sentiment="negative",
            phrases=["preis"],
        ),
        response(
            tenant_id,
            "resp-nextday-01",
            noon + timedelta(days=1),
            csat=1,
            comment="Kasse kaputt",
            sentiment="negative",
            phrases=["kasse"],
        ),
        response(
            tenant_id,
            "resp-partial-01",
            noon,
            csat=1,
            comment="halb fertig",
            sentiment="negative",
            phrases=["kasse"],
            complete=False,
        ),
    ]


def session_headers(runtime: Runtime, read_key: str, now: float | None = None) -> dict[str, str]:
    """`Cookie` header of a dashboard session opened with a read key (as sign-in would set it)."""
    import time

    from touchpoint.web.signin_sessions import issue_session

    record = runtime.tenants.find_key(read_key)
    assert record is not None
    value = issue_session(record, runtime.settings.key_pepper, time.time() if now is None else now)
    return {"Cookie": f"tp_session={value}"}
