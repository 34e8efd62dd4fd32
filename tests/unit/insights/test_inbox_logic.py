"""Pure logic of the inbox and the people-at-risk list: filters, cursors, day order, the 20-point rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from touchpoint.models.surveys import Comment, Score, StoredResponse
from touchpoint.storage.person_scores import PersonScore, parse_scores
from touchpoint.web.errors import ApiError
from touchpoint_cli.apps import function_module

inbox = function_module("insights", "chalicelib.inbox")
at_risk = function_module("insights", "chalicelib.at_risk")


def answer(rid: str, when: datetime, **fields: Any) -> StoredResponse:
    return StoredResponse(
        tenant_id="acme",
        survey_id=fields.pop("survey_id", "s1"),
        response_id=rid,
        complete=fields.pop("complete", True),
        channel=fields.pop("channel", "in_store"),
        language="de",
        started_at=when,
        submitted_at=when,
        **fields,
    )


def comment(text: str, sentiment: str, *phrases: str) -> Comment:
    return Comment(
        question_id="c", text=text, language="de", sentiment=sentiment, score=0.0, key_phrases=list(phrases)
    )


def query(**params: str) -> Any:
    return inbox.parse_inbox_query(
        {k: [v] for k, v in params.items()}, "Europe/Berlin", now=datetime(2025, 6, 10, 12, tzinfo=UTC)
    )


def test_without_dates_the_period_is_the_30_days_up_to_today() -> None:
    period = query().period
    assert (period.first, period.last) == (date(2025, 5, 12), date(2025, 6, 10))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"band": "nps_detractor"}, True),
        ({"band": "nps_passive"}, False),
        ({"band": "csat_low"}, False),
        ({"sentiment": "negative"}, True),
        ({"sentiment": "positive"}, False),
        ({"theme": "wartezeit"}, True),  # inside "lange wartezeit"
        ({"theme": "Lange  WARTEZEIT"}, True),
        ({"theme": "kurze wartezeit"}, False),
        ({"theme": "warte"}, False),  # whole words only
        ({"location": "berlin"}, True),
        ({"location": "hamburg"}, False),
        ({"survey": "s2"}, False),
        ({"channel": "web"}, False),
    ],
)
def test_each_filter_on_one_answer(params: dict[str, str], expected: bool) -> None:
    response = answer(
        "r1",
        datetime(2025, 6, 1, tzinfo=UTC),
        location_id="berlin",
        scores=[Score(question_id="n", kind="nps", value=6)],
        comments=[comment("Lange gewartet", "negative", "lange wartezeit")],
    )
    assert inbox.matches(response, query(**params)) is expected


def test_a_cursor_survives_the_round_trip_and_junk_is_refused() -> None:
    cursor = inbox.Cursor(datetime(2025, 6, 1, 8, 30, 0, 123456, tzinfo=UTC), "resp-1")
    assert inbox.Cursor.decode(cursor.encode()) == cursor
    for junk in ("", "%%%", "bm9wZQ", cursor.encode()[:-3] + "!!!"):
        with pytest.raises(ApiError) as raised:
            inbox.Cursor.decode(junk)
        assert raised.value.field == "cursor"


class Days:
    """A response source that records which windows were read."""

    def __init__(self, responses: list[StoredResponse]) -> None:
        self.responses = responses
        self.windows: list[tuple[datetime, datetime]] = []

    def for_tenant_period(self, tenant_id: str, start: datetime, end: datetime) -> Any:
        self.windows.append((start, end))
        return [r for r in self.responses if start <= r.submitted_at < end]


def test_newest_first_reads_one_utc_day_at_a_time_backwards() -> None:
    times = [datetime(2025, 6, 1, 23, 59, tzinfo=UTC), datetime(2025, 6, 2, 0, 0, tzinfo=UTC)]
    times.append(datetime(2025, 6, 2, 0, 0, tzinfo=UTC))
    source = Days([answer(f"r{n}", when) for n, when in enumerate(times)])
    start, end = datetime(2025, 6, 1, 22, tzinfo=UTC), datetime(2025, 6, 2, 22, tzinfo=UTC)
    found = [r.response_id for r in inbox.newest_first(source, "acme", start, end)]
    assert found == ["r2", "r1", "r0"]  # same time: the higher id first
    assert source.windows == [
        (datetime(2025, 6, 2, tzinfo=UTC), end),
        (start, datetime(2025, 6, 2, tzinfo=UTC)),
    ]


def row(person: str, score: float, before: float | None) -> PersonScore:
    return PersonScore(person, score, before, None if before is None else score - before, None, 0.0)


def test_at_risk_means_a_fall_of_20_points_or_more_against_30_days_before() -> None:
    rows = [
        row("a", 60.0, 80.0),  # -20.0: at risk
        row("b", 60.01, 80.0),  # -19.99: not
        row("c", 10.0, 90.0),  # -80.0: at risk, first
        row("d", 50.0, None),  # not scored 30 days before
        row("e", 90.0, 60.0),  # rose
        row("f", 0.0, 20.0),  # -20.0 at the bottom of the scale: at risk
    ]
    assert [(r.person, change) for r, _, change in at_risk.fell(rows)] == [
        ("c", -80.0),
        ("a", -20.0),
        ("f", -20.0),
    ]


def test_the_score_file_reader_takes_old_files_without_the_action_columns() -> None:
    old = "tenant_day,person,score,score_30d_ago,change,at_risk\n2025-06-10,p1,40.5,,,false\n"
    assert parse_scores(old) == [PersonScore("p1", 40.5, None, None, None, 0.0)]
    new = old.replace("at_risk\n", "at_risk,last_active_day,revenue_to_date\n").replace(
        "false\n", "false,2025-06-09,12.5\n"
    )
    assert parse_scores(new) == [PersonScore("p1", 40.5, None, None, date(2025, 6, 9), 12.5)]


def test_the_period_spans_tenant_local_days_across_a_dst_change() -> None:
    period = query(**{"from": "2025-03-30", "to": "2025-03-30"}).period
    start, end = inbox.period_bounds(period, "Europe/Berlin")
    assert (start, end) == (datetime(2025, 3, 29, 23, tzinfo=UTC), datetime(2025, 3, 30, 22, tzinfo=UTC))
    assert end - start == timedelta(hours=23)
