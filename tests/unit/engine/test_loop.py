"""The loop metrics, computed by hand (docs/METRICS.md, `touchpoint.engine.loop`).

The tenant is in Europe/Berlin; DAY (2026-03-10) is UTC+1 there, so local day D is
[2026-03-09 23:00 UTC, 2026-03-10 23:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.unit.engine.factories import DAY, CaseFact, Lake, Result, response, t
from touchpoint.models.tenants import TenantConfig

BERLIN = TenantConfig(timezone="Europe/Berlin")
LOOP = {"cases_opened", "cases_resolved", "median_first_response_hours", "closed_loop_rate"}


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _run(lake: Lake) -> Result:
    return lake.run(DAY, BERLIN)


def test_cases_count_on_the_tenant_local_day_of_opening_and_resolution(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.cases(
        CaseFact("c-a", utc(2026, 3, 9, 23, 30), location_id="s1"),  # 00:30 local on D: opened on D
        CaseFact("c-b", utc(2026, 3, 10, 23, 10), location_id="s1"),  # 00:10 local on D+1: not D
        CaseFact("c-c", utc(2026, 3, 8, 10), location_id="s2", resolved_at=t("12:00")),  # opened D-2
        CaseFact("c-d", t("10:00"), resolved_at=utc(2026, 3, 10, 22, 30)),  # no store; resolved 23:30 local
        CaseFact("c-e", t("08:00"), location_id="s1", resolved_at=utc(2026, 3, 10, 23, 0)),  # resolved on D+1
    )
    result = _run(lake)
    # opened on D: c-a (s1), c-d (no store), c-e (s1) -> 3; s1: 2; s2 none
    assert result.value("cases_opened") == 3
    assert result.breakdowns("cases_opened", "location") == {"s1": 2}
    # resolved on D: c-c (s2), c-d (no store) -> 2; c-e's 23:00 UTC is 00:00 local on D+1
    assert result.value("cases_resolved") == 2
    assert result.breakdowns("cases_resolved", "location") == {"s2": 1}


def test_median_first_response_hours_of_the_cases_first_replied_on_d(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.cases(
        # opened 23:30 UTC D-1, first reply 02:30 UTC: 3.0 h (s1)
        CaseFact("c-a", utc(2026, 3, 9, 23, 30), location_id="s1", first_response_at=utc(2026, 3, 10, 2, 30)),
        # first reply exactly at local midnight starting D: from 10:00 UTC on 8 March, 37.0 h (s2)
        CaseFact("c-c", utc(2026, 3, 8, 10), location_id="s2", first_response_at=utc(2026, 3, 9, 23)),
        # 10:00 -> 12:00 UTC: 2.0 h (no store)
        CaseFact("c-d", t("10:00"), first_response_at=t("12:00")),
        # 08:00 -> 14:00 UTC: 6.0 h (s1)
        CaseFact("c-f", t("08:00"), location_id="s1", first_response_at=t("14:00")),
        # first reply 22:59 UTC on 9 March = 23:59 local on D-1: not D
        CaseFact("c-g", utc(2026, 3, 8, 9), location_id="s1", first_response_at=utc(2026, 3, 9, 22, 59)),
        # a broken record (reply before opening) is left out
        CaseFact("c-h", t("18:00"), location_id="s2", first_response_at=t("17:00")),
        # opened on D, not replied to yet: no part of the median
        CaseFact("c-i", t("19:00"), location_id="s2"),
    )
    result = _run(lake)
    # D's first replies: 2, 3, 6, 37 h -> median (3 + 6) / 2 = 4.5 over 4 cases
    assert result.value("median_first_response_hours") == 4.5
    assert result.extra("median_first_response_hours") == {"cases": 4}
    # s1: 3 and 6 -> 4.5 (2 cases); s2: 37 (1 case)
    assert result.breakdowns("median_first_response_hours", "location") == {"s1": 4.5, "s2": 37.0}
    assert result.extra("median_first_response_hours", location="s2") == {"cases": 1}


def test_closed_loop_rate_counts_detractor_answers_replied_to_within_48_hours(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.responses(
        response(t("09:00"), [("nps", 2)], rid="r1", location="s1"),
        response(t("10:00"), [("nps", 6)], rid="r2", location="s1"),
        response(t("11:00"), [("nps", 0)], rid="r3", location="s2"),
        response(t("12:00"), [("nps", 5)], rid="r4"),  # no store, no case
        response(t("12:00"), [("nps", 7)], rid="r5", location="s1"),  # a passive: not a detractor
        response(utc(2026, 3, 9, 22, 30), [("nps", 3)], rid="r6", location="s1"),  # 23:30 local on D-1
        response(t("13:00"), [("csat", 1)], rid="r7", location="s1"),  # no NPS answer
        response(t("14:00"), [("nps", 4)], rid="r8", location="s1", complete=False),  # incomplete
    )

    def answered(rid: str, at: datetime, replied_after: timedelta | None, store: str | None) -> CaseFact:
        reply = None if replied_after is None else at + replied_after
        return CaseFact(
            f"c-{rid}", at, store, first_response_at=reply, response_id=rid, response_submitted_at=at
        )

    lake.cases(
        answered("r1", t("09:00"), timedelta(hours=47, minutes=59), "s1"),  # closed
        answered("r2", t("10:00"), timedelta(hours=48), "s2"),  # exactly 48 h: closed (case store differs)
        answered("r3", t("11:00"), timedelta(hours=49), "s2"),  # too late: not closed
        answered("r5", t("12:00"), timedelta(hours=1), "s1"),  # passive: not counted
        answered("r6", utc(2026, 3, 9, 22, 30), timedelta(hours=1), "s1"),  # answer of D-1
    )
    result = _run(lake)
    # detractor answers of D: r1, r2, r3, r4 -> 4; closed: r1, r2 -> 2 / 4 = 0.5
    assert result.value("closed_loop_rate") == 0.5
    assert result.extra("closed_loop_rate") == {"detractors": 4, "closed": 2}
    # by the answer's store: s1 r1 + r2 closed -> 2 / 2 = 1.0; s2 r3 not closed -> 0 / 1 = 0.0
    assert result.breakdowns("closed_loop_rate", "location") == {"s1": 1.0, "s2": 0.0}
    assert result.extra("closed_loop_rate", location="s2") == {"detractors": 1, "closed": 0}


def test_empty_days_zero_counts_only_on_days_with_answers(tmp_path: Path) -> None:
    nothing = Lake(tmp_path / "nothing")
    assert LOOP.isdisjoint(_run(nothing).names())

    answers_only = Lake(tmp_path / "answers")
    answers_only.responses(response(t("09:00"), [("csat", 4)], location="s1"))
    result = _run(answers_only)
    # responses on D and no case: the counts are 0 (total only), median and rate absent
    assert result.value("cases_opened") == 0 and result.value("cases_resolved") == 0
    assert result.breakdowns("cases_opened", "location") == {}
    assert "median_first_response_hours" not in result.names()
    assert "closed_loop_rate" not in result.names()

    promoter_and_detractor = Lake(tmp_path / "detractor")
    promoter_and_detractor.responses(response(t("09:00"), [("nps", 1)], rid="r-d"))
    detractor = _run(promoter_and_detractor)
    # one detractor answer without a case: 0 / 1
    assert detractor.value("closed_loop_rate") == 0.0
    assert detractor.extra("closed_loop_rate") == {"detractors": 1, "closed": 0}


def test_naive_times_are_utc_and_a_repeated_case_counts_once(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    naive = t("10:00").replace(tzinfo=None)
    lake.cases(
        CaseFact("c-1", naive, location_id="s1", first_response_at=naive + timedelta(hours=1)),
        CaseFact("c-1", naive, location_id="s1", first_response_at=naive + timedelta(hours=1)),
        CaseFact("c-2", t("11:00"), location_id="s1", first_response_at=t("14:00")),
    )
    result = _run(lake)
    assert result.value("cases_opened") == 2
    # 1 h and 3 h -> 2.0
    assert result.value("median_first_response_hours") == 2.0
