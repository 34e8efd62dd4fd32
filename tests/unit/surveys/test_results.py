"""Survey results, computed by hand against the metric catalog (NPS: promoters 9-10, detractors 0-6)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.functional.surveys.support import NPS_SURVEY
from tests.unit.feedback.render_support import survey_of
from touchpoint.models.inputs import InputError
from touchpoint.models.surveys import Comment, StoredResponse
from touchpoint.surveys.results import ResultsPeriod, compute_results, results_csv_rows, results_period

SURVEY = survey_of(NPS_SURVEY)
BERLIN = "Europe/Berlin"  # UTC+1 in November
PERIOD = ResultsPeriod(date(2026, 11, 2), date(2026, 11, 3))


def _response(
    number: int,
    at: str,
    answers: dict[str, Any],
    *,
    complete: bool = True,
    comments: list[Comment] | None = None,
) -> StoredResponse:
    moment = datetime.fromisoformat(at).replace(tzinfo=UTC)
    return StoredResponse(
        tenant_id="acme",
        survey_id=SURVEY.survey_id,
        response_id=f"r{number:08d}",
        complete=complete,
        channel="in_store",
        language="de",
        answers=answers,
        comments=comments or [],
        started_at=moment,
        submitted_at=moment,
    )


def _comment(text: str, sentiment: str, phrases: list[str]) -> Comment:
    return Comment.model_validate(
        {
            "questionId": "comment",
            "text": text,
            "language": "de",
            "sentiment": sentiment,
            "score": 0.0,
            "keyPhrases": phrases,
        }
    )


RESPONSES = [
    # 00:30 in Berlin on 2 November
    _response(
        1,
        "2026-11-01T23:30:00",
        {"nps": 10, "csat": 5, "found_by": "search", "topics": ["price", "service"]},
        comments=[_comment("Tolles Personal", "positive", ["personal"])],
    ),
    _response(2, "2026-11-02T10:00:00", {"nps": 9, "csat": 4, "found_by": "friend", "topics": ["price"]}),
    _response(3, "2026-11-02T12:00:00", {"nps": 8, "topics": ["range"]}),
    _response(
        4,
        "2026-11-03T09:00:00",
        {"nps": 3, "csat": 1},
        comments=[_comment("Lange Wartezeit an der Kasse", "negative", ["wartezeit"])],
    ),
    # 23:59 in Berlin on 3 November: still inside
    _response(
        5,
        "2026-11-03T22:59:00",
        {"nps": 7},
        comments=[_comment("Wartezeit ging", "neutral", ["wartezeit"])],
    ),
    # 00:30 in Berlin on 4 November: outside the period
    _response(6, "2026-11-03T23:30:00", {"nps": 0}),
    # a partial response: started, not complete, in no answer figure
    _response(7, "2026-11-03T15:00:00", {"nps": 0}, complete=False),
]


def _question(results: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(q for q in results["questions"] if q["id"] == question_id)


def test_responses_per_tenant_local_day_and_completion() -> None:
    results = compute_results(SURVEY, RESPONSES, PERIOD, BERLIN)
    # inside: 1-5 and the partial 7 -> 6 started, 5 complete; 5 / 6
    assert (results["started"], results["complete"]) == (6, 5)
    assert results["completionRate"] == pytest.approx(5 / 6)
    assert results["days"] == [
        {"day": "2026-11-02", "started": 3, "complete": 3},
        {"day": "2026-11-03", "started": 3, "complete": 2},
    ]


def test_nps_histogram_and_split_by_hand() -> None:
    nps = _question(compute_results(SURVEY, RESPONSES, PERIOD, BERLIN), "nps")
    # answers 10, 9, 8, 3, 7: promoters (9-10) 2, passives (7-8) 2, detractors (0-6) 1
    # NPS = 100 x (2 - 1) / 5 = 20
    split = nps["npsSplit"]
    assert (split["promoters"], split["passives"], split["detractors"], split["answers"]) == (2, 2, 1, 5)
    assert (split["promoterShare"], split["passiveShare"], split["detractorShare"]) == (0.4, 0.4, 0.2)
    assert split["nps"] == pytest.approx(20.0)
    counts = {bar["value"]: bar["count"] for bar in nps["histogram"]}
    assert list(counts) == list(range(0, 11))
    assert counts == {0: 0, 1: 0, 2: 0, 3: 1, 4: 0, 5: 0, 6: 0, 7: 1, 8: 1, 9: 1, 10: 1}
    assert nps["answered"] == 5


def test_csat_and_ces_histograms_by_hand() -> None:
    results = compute_results(SURVEY, RESPONSES, PERIOD, BERLIN)
    csat = _question(results, "csat")
    # answers 5, 4, 1: mean 10 / 3; satisfied (4 or 5) 2 of 3
    assert [bar["count"] for bar in csat["histogram"]] == [1, 0, 0, 1, 1]
    assert csat["mean"] == pytest.approx(10 / 3) and csat["satisfiedShare"] == pytest.approx(2 / 3)
    ces = _question(results, "ces")
    assert [bar["value"] for bar in ces["histogram"]] == list(range(1, 8))
    assert ces["answered"] == 0 and ces["mean"] is None
    stars = _question(results, "stars")
    assert [bar["value"] for bar in stars["histogram"]] == list(range(1, 11))


def test_single_and_multi_choice_shares_of_answering_responses() -> None:
    results = compute_results(SURVEY, RESPONSES, PERIOD, BERLIN, "en")
    found_by = _question(results, "found_by")
    # 2 responses answered: search 1 (1/2), friend 1 (1/2), advert 0
    assert [(o["id"], o["label"], o["count"], o["share"]) for o in found_by["options"]] == [
        ("search", "Search", 1, 0.5),
        ("friend", "Friends", 1, 0.5),
        ("ad", "Advert", 0, 0.0),
    ]
    topics = _question(results, "topics")
    # 3 responses answered: price in 2 (2/3), service 1 (1/3), range 1 (1/3): a multi answer counts each option
    assert [(o["id"], o["count"]) for o in topics["options"]] == [("price", 2), ("service", 1), ("range", 1)]
    assert topics["options"][0]["share"] == pytest.approx(2 / 3)


def test_an_option_counts_once_per_response() -> None:
    twice = _response(9, "2026-11-02T10:00:00", {"nps": 9, "topics": ["price", "price"]})
    topics = _question(compute_results(SURVEY, [twice], PERIOD, BERLIN), "topics")
    price = topics["options"][0]
    assert (price["id"], price["count"], price["share"]) == ("price", 1, 1.0)


def test_comments_by_theme_most_negative_first() -> None:
    comments = compute_results(SURVEY, RESPONSES, PERIOD, BERLIN)["comments"]
    assert comments["total"] == 3
    assert comments["sentiment"] == {"negative": 1, "neutral": 1, "positive": 1}
    assert [(t["phrases"], t["count"]) for t in comments["themes"]] == [(["wartezeit"], 2), (["personal"], 1)]
    assert [c["text"] for c in comments["themes"][0]["comments"]] == [
        "Lange Wartezeit an der Kasse",
        "Wartezeit ging",
    ]


def test_no_responses_means_no_rates() -> None:
    results = compute_results(SURVEY, [], PERIOD, BERLIN)
    assert results["completionRate"] is None and _question(results, "nps")["npsSplit"]["nps"] is None


def test_the_csv_has_the_same_figures() -> None:
    rows = results_csv_rows(compute_results(SURVEY, RESPONSES, PERIOD, BERLIN))
    assert rows[0] == ["section", "question_id", "kind", "key", "label", "count", "share"]
    assert ["summary", "", "", "complete", "", "5", "0.8333"] in rows
    assert ["nps", "nps", "nps", "promoters", "", "2", "0.4000"] in rows
    assert ["nps", "nps", "nps", "nps", "20.0", "5", ""] in rows
    assert ["option", "topics", "multi_choice", "price", "Preis", "2", "0.6667"] in rows


def test_the_period_defaults_to_thirty_days_and_refuses_bad_input() -> None:
    today = date(2026, 11, 30)
    assert results_period({}, today) == ResultsPeriod(date(2026, 11, 1), today)
    assert results_period({"from": "2026-11-02", "to": "2026-11-03"}, today) == PERIOD
    for params in ({"from": "2026-11-04", "to": "2026-11-03"}, {"from": "2024-01-01"}, {"to": "yesterday"}):
        with pytest.raises(InputError):
            results_period(params, today)
