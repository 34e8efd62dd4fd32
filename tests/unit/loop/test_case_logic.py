"""Pure case logic: status transitions, score bands, case rules, due times, mail texts, themes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from touchpoint.loop.announcements import about_theme, recipient_key
from touchpoint.loop.bands import BAND_NAMES, band, band_of, bands_of
from touchpoint.loop.case_rules import matching_rule
from touchpoint.loop.cases import answer_case, case_id_for_response, due_time, loop_days
from touchpoint.loop.replies import mail_language, quote_of, render_mail
from touchpoint.models.case_rules import CaseRule, CaseRules
from touchpoint.models.cases import TRANSITIONS, CaseStatus, InvalidTransitionError, check_transition
from touchpoint.models.surveys import Comment, Score, StoredResponse, Survey

NOW = datetime(2026, 3, 27, 9, 30, tzinfo=UTC)
SURVEY = Survey.model_validate(
    {
        "tenantId": "acme",
        "surveyId": "s1",
        "name": "NPS",
        "defaultLanguage": "de",
        "questions": [{"id": "nps", "kind": "nps", "text": {"de": "?"}}],
        "createdAt": NOW,
        "updatedAt": NOW,
    }
)
S = CaseStatus


def _response(
    scores: tuple[tuple[str, int], ...] | list[tuple[str, int]] = (),
    comments: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
    **changes: Any,
) -> StoredResponse:
    values: dict[str, Any] = {"location_id": "berlin", "submitted_at": NOW, **changes}
    return StoredResponse(
        tenant_id="acme",
        survey_id="s1",
        response_id="r-00000001",
        complete=True,
        channel="in_store",
        language="de",
        user_id="u-1",
        scores=[Score(question_id=k, kind=k, value=v) for k, v in scores],
        comments=[
            Comment(question_id="c", text=t, language="de", sentiment=s, score=-0.5, key_phrases=["kasse"])
            for t, s in comments
        ],
        started_at=NOW,
        **values,
    )


@pytest.mark.parametrize(
    ("current", "wanted", "changes"),
    [
        (S.NEW, S.IN_PROGRESS, True),
        (S.NEW, S.WAITING_FOR_CUSTOMER, True),
        (S.NEW, S.RESOLVED, True),
        (S.IN_PROGRESS, S.WAITING_FOR_CUSTOMER, True),
        (S.WAITING_FOR_CUSTOMER, S.IN_PROGRESS, True),
        (S.IN_PROGRESS, S.RESOLVED, True),
        (S.RESOLVED, S.IN_PROGRESS, True),  # reopen
        *((s, s, False) for s in S),  # the same status: a no-op
    ],
)
def test_allowed_transitions(current: CaseStatus, wanted: CaseStatus, changes: bool) -> None:
    assert check_transition(current, wanted) is changes


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (S.IN_PROGRESS, S.NEW),
        (S.RESOLVED, S.NEW),
        (S.RESOLVED, S.WAITING_FOR_CUSTOMER),
        (S.WAITING_FOR_CUSTOMER, S.NEW),
    ],
)
def test_refused_transitions(current: CaseStatus, wanted: CaseStatus) -> None:
    with pytest.raises(InvalidTransitionError, match=f"cannot become {wanted.value}"):
        check_transition(current, wanted)


def test_nothing_goes_back_to_new_and_every_status_has_a_way_on() -> None:
    assert all(S.NEW not in targets and targets for targets in TRANSITIONS.values())


@pytest.mark.parametrize(
    ("kind", "value", "name"),
    [
        ("nps", 0, "nps_detractor"),
        ("nps", 6, "nps_detractor"),
        ("nps", 7, "nps_passive"),
        ("nps", 8, "nps_passive"),
        ("nps", 9, "nps_promoter"),
        ("nps", 10, "nps_promoter"),
        ("csat", 1, "csat_low"),
        ("csat", 2, "csat_low"),
        ("csat", 3, "csat_neutral"),
        ("csat", 5, "csat_high"),
        ("ces", 1, "ces_low_effort"),
        ("ces", 4, "ces_neutral"),
        ("ces", 5, "ces_high_effort"),
        ("ces", 7, "ces_high_effort"),
    ],
)
def test_bands(kind: str, value: int, name: str) -> None:
    found = band_of(kind, value)
    assert found is not None and found.name == name


def test_bands_cover_each_scale_once_and_only_the_unhappy_ones_open_cases() -> None:
    for kind, (low, high) in {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}.items():
        for value in range(low, high + 1):
            assert sum(band(n).holds(kind, value) for n in BAND_NAMES) == 1, (kind, value)
    assert band_of("rating", 3) is None and band_of("nps", 11) is None
    assert [n for n in BAND_NAMES if band(n).unhappy] == ["nps_detractor", "csat_low", "ces_high_effort"]
    assert bands_of([("nps", 3), ("csat", 1), ("nps", 2)]) == ["nps_detractor", "csat_low"]


def test_rules_match_scores_first_then_negative_comments() -> None:
    rules = CaseRules()
    assert matching_rule(rules, _response([("nps", 9), ("ces", 6)])) == "ces_high_effort"
    assert matching_rule(rules, _response([("nps", 9)], [("schlecht", "negative")])) == "negative_comment"
    assert matching_rule(rules, _response([("nps", 7), ("csat", 3)], [("ok", "neutral")])) is None
    off = CaseRules(
        rules={
            "ces_high_effort": CaseRule(enabled=False),
            "negative_comment": CaseRule(locations=["hamburg"]),
        }
    )
    assert matching_rule(off, _response([("ces", 7)], [("schlecht", "negative")])) is None
    assert (
        matching_rule(off, _response([("ces", 7)], [("schlecht", "negative")], location_id="hamburg"))
        == "negative_comment"
    )
    assert matching_rule(off, _response([("nps", 1)], location_id=None)) == "nps_detractor"
    limited = CaseRules(rules={"nps_detractor": CaseRule(locations=["berlin"])})
    assert matching_rule(limited, _response([("nps", 1)], location_id=None)) is None


def test_rules_validate() -> None:
    assert CaseRules().sla_hours == 48 and set(CaseRules().rules) == {
        "nps_detractor",
        "csat_low",
        "ces_high_effort",
        "negative_comment",
    }
    bad: Any
    for bad in (
        {"slaHours": 0},
        {"rules": {"nope": {}}},
        {"rules": {"csat_low": {"locations": []}}},
        {"extra": 1},
    ):
        with pytest.raises(ValidationError):
            CaseRules.model_validate(bad)


def test_a_case_about_an_answer_derives_its_id_band_and_facts() -> None:
    response = _response([("nps", 4), ("csat", 1)], [("Kasse zu", "negative")])
    survey = SURVEY
    case = answer_case(
        survey,
        response,
        trigger="nps_detractor",
        source="answer",
        actor="system:case_rules",
        opened_at=NOW,
        sla_hours=48,
    )
    assert case.case_id == "20260327093000-r-00000001" == case_id_for_response(response)
    assert (case.band, case.detractor, case.sentiment, case.person_id) == (
        "nps_detractor",
        True,
        "negative",
        "u-1",
    )
    assert case.due_at == datetime(2026, 3, 29, 9, 30, tzinfo=UTC)


def test_the_sla_counts_elapsed_hours_across_daylight_saving() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    opened = datetime(2026, 3, 28, 10, 0, tzinfo=berlin)  # CET, the night before summer time
    due = due_time(opened, 48).astimezone(berlin)
    assert due == datetime(2026, 3, 30, 11, 0, tzinfo=berlin)  # 48 real hours: the clock moved on by one
    assert (due.astimezone(UTC) - opened.astimezone(UTC)).total_seconds() == 48 * 3600
    autumn = datetime(2026, 10, 24, 10, 0, tzinfo=berlin)
    assert due_time(autumn, 24).astimezone(berlin) == datetime(2026, 10, 25, 9, 0, tzinfo=berlin)


def test_loop_days_are_the_tenants_local_days_of_the_change_and_the_answer() -> None:
    survey = SURVEY
    late = _response([("nps", 1)], submitted_at=datetime(2026, 3, 26, 23, 30, tzinfo=UTC))
    case = answer_case(survey, late, trigger="manual", source="manual", actor="a", opened_at=NOW, sla_hours=1)
    assert loop_days(case, [NOW], "Europe/Berlin") == {date(2026, 3, 27)}
    assert loop_days(case, [NOW], "UTC") == {date(2026, 3, 26), date(2026, 3, 27)}


def test_mail_texts_in_both_languages() -> None:
    response = _response([("nps", 2)], [("Die Kasse war zu langsam", "negative")])
    de = render_mail(
        "de",
        tenant_name="Acme",
        subject=None,
        body="Danke!\n\nWir ändern das.",
        quote=quote_of(response, "de"),
    )
    assert de.subject == "Ihr Feedback an Acme"
    assert de.text == (
        "Danke!\n\nWir ändern das.\n\nSie schrieben uns am 27.03.2026:\n> Die Kasse war zu langsam\n\n"
        "Viele Grüße\nIhr Team von Acme\n"
    )
    assert "<p>Danke!</p>" in de.html and "<p>Wir ändern das.</p>" in de.html and 'lang="de"' in de.html
    en = render_mail("en", tenant_name="Acme", subject="News", body="We did it.", announcement=True)
    assert en.text == (
        "We did it.\n\nKind regards\nThe Acme team\n\n"
        "You receive this message because you agreed to be contacted about your feedback.\n"
    )
    assert mail_language("fr") == "en" and mail_language(None) == "en" and mail_language("de") == "de"


def test_a_quote_without_comment_names_the_score_and_long_comments_are_cut() -> None:
    assert quote_of(_response([("nps", 2)]), "en").text == "Your rating: 2 out of 10"
    assert quote_of(_response([("csat", 1)]), "de").text == "Ihre Bewertung: 1 von 5"
    long = quote_of(_response(comments=[("x" * 400, "negative")]), "de").text
    assert len(long) == 300 and long.endswith("…")


def test_themes_match_whole_words_of_key_phrases() -> None:
    response = _response(comments=[("Kasse", "negative")])
    assert about_theme(response, "Kasse") and about_theme(response, " kasse ")
    assert not about_theme(response, "kas") and not about_theme(response, "wartezeit")
    assert recipient_key("acme", "A@Example.org ") == recipient_key("acme", "a@example.org")
    assert recipient_key("acme", "a@example.org") != recipient_key("globex", "a@example.org")


def test_reopening_marks_the_day_of_the_earlier_resolution_dirty() -> None:
    from touchpoint.loop.cases import CaseUpdate, change_case

    marked: list[set[date]] = []

    class Cases:
        def update(self, case: Any, change: Any) -> None:
            self.saved = (case, change)

    class State:
        def mark_dirty_if_done(self, tenant_id: str, days: set[date]) -> list[date]:
            marked.append(days)
            return sorted(days)

    class Tenants:
        def get_tenant(self, tenant_id: str) -> None:
            return None

    class FakeRuntime:
        cases = Cases()
        rollup_state = State()
        tenants = Tenants()

    case = answer_case(
        SURVEY, _response([("nps", 1)]), trigger="t", source="answer", actor="a", opened_at=NOW, sla_hours=1
    )
    resolved = case.model_copy(
        update={"status": S.RESOLVED, "resolved_at": datetime(2026, 3, 28, 12, tzinfo=UTC)}
    )
    reopened = change_case(
        FakeRuntime(),  # type: ignore[arg-type]
        resolved,
        CaseUpdate(status=S.IN_PROGRESS),
        "key:k1",
        now=datetime(2026, 4, 2, 8, tzinfo=UTC),
    )
    assert reopened.resolved_at is None and reopened.version == 2
    assert marked == [{date(2026, 3, 27), date(2026, 3, 28), date(2026, 4, 2)}]
    assert FakeRuntime.cases.saved[1].cleared_activities == ["resolved"]
