"""A survey's results over tenant-local days: responses, completion, score histograms, choices, themes.

The responses of a period are those submitted in its tenant-local days (the metric engine's
rule); `started` counts every one of them, complete or partial, and `complete` the complete
ones: completion rate = complete / started. Every answer figure (histograms, the NPS split,
choices, comments) is over complete responses, as the metrics are. A choice's share is of the
responses that answered the question; a multi-choice answer counts each option once. A caller
limited to some stores counts only the answers of those stores (answers without a store are
tenant-wide and left out for them), so the figures are the same ones the API and the page show.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from touchpoint.metrics.formulas import nps
from touchpoint.models.inputs import InputError, query_date
from touchpoint.models.surveys import FIXED_SCALES, QuestionKind, StoredResponse, Survey
from touchpoint.storage.responses import ResponseFilter
from touchpoint.web.scope import can_see

if TYPE_CHECKING:
    from touchpoint.runtime import Runtime
    from touchpoint.web.auth import Principal

DEFAULT_DAYS = 30
MAX_DAYS = 366
MAX_THEMES = 20
MAX_COMMENTS_PER_THEME = 20
SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")
#: Promoters answer 9-10, passives 7-8, detractors 0-6 (the metric catalog's NPS).
PROMOTER_MIN = 9
PASSIVE_MIN = 7


@dataclass(frozen=True)
class ResultsPeriod:
    """The tenant-local days `first..last` (inclusive) of a results request."""

    first: date
    last: date

    @property
    def days(self) -> list[date]:
        """Every day of the period, in order."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """The UTC instants at which the first day begins and the last day ends (end exclusive)."""
        zone = ZoneInfo(timezone)

        def midnight(day: date) -> datetime:
            return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)

        return midnight(self.first), midnight(self.last + timedelta(days=1))


def results_period(params: Mapping[str, str], today: date) -> ResultsPeriod:
    """`from`/`to` (YYYY-MM-DD, tenant-local, inclusive); default: the last 30 days up to today."""
    last = query_date(params["to"], "to") if params.get("to") else today
    first = (
        query_date(params["from"], "from") if params.get("from") else last - timedelta(days=DEFAULT_DAYS - 1)
    )
    if first > last:
        raise InputError("'from' must not be after 'to'", "from")
    if (last - first).days + 1 > MAX_DAYS:
        raise InputError(f"a results period spans at most {MAX_DAYS} days", "from")
    return ResultsPeriod(first, last)


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def _label(texts: Mapping[str, str] | None, language: str, default: str) -> str:
    if not texts:
        return ""
    return texts.get(language) or texts.get(default) or next(iter(texts.values()))


def nps_split(values: Iterable[int]) -> dict[str, Any]:
    """Promoters (9-10), passives (7-8) and detractors (0-6): counts, shares and the NPS."""
    answers = list(values)
    promoters = sum(1 for v in answers if v >= PROMOTER_MIN)
    passives = sum(1 for v in answers if PASSIVE_MIN <= v < PROMOTER_MIN)
    detractors = len(answers) - promoters - passives
    return {
        "answers": len(answers),
        "promoters": promoters,
        "passives": passives,
        "detractors": detractors,
        "promoterShare": _share(promoters, len(answers)),
        "passiveShare": _share(passives, len(answers)),
        "detractorShare": _share(detractors, len(answers)),
        "nps": nps(promoters, detractors, len(answers)),
    }


def _score_result(question_kind: QuestionKind, scale: tuple[int, int], values: list[int]) -> dict[str, Any]:
    counts = Counter(values)
    low, high = scale
    result: dict[str, Any] = {
        "histogram": [
            {"value": v, "count": counts[v], "share": _share(counts[v], len(values))}
            for v in range(low, high + 1)
        ],
        "mean": sum(values) / len(values) if values else None,
    }
    if question_kind is QuestionKind.NPS:
        result["npsSplit"] = nps_split(values)
    if question_kind is QuestionKind.CSAT:
        result["satisfiedShare"] = _share(sum(1 for v in values if v >= 4), len(values))
    return result


def _choice_result(survey: Survey, question_id: str, answers: list[Any], language: str) -> dict[str, Any]:
    question = survey.question(question_id)
    assert question is not None
    counts: Counter[str] = Counter()
    for answer in answers:
        chosen = answer if isinstance(answer, list) else [answer]
        counts.update(set(chosen))  # an option counts once per response
    return {
        "options": [
            {
                "id": option.id,
                "label": _label(option.label, language, survey.default_language),
                "count": counts[option.id],
                "share": _share(counts[option.id], len(answers)),
            }
            for option in question.options
        ]
    }


def _question_results(survey: Survey, complete: list[StoredResponse], language: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for question in survey.questions:
        answers = [
            r.answers[question.id] for r in complete if r.answers.get(question.id) not in (None, "", [])
        ]
        entry: dict[str, Any] = {
            "id": question.id,
            "kind": question.kind.value,
            "text": _label(question.text, language, survey.default_language),
            "answered": len(answers),
        }
        if question.kind in FIXED_SCALES or question.kind is QuestionKind.RATING:
            values = [a for a in answers if isinstance(a, int) and not isinstance(a, bool)]
            entry.update(_score_result(question.kind, question.scale, values))
        elif question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTI_CHOICE):
            entry.update(_choice_result(survey, question.id, answers, language))
        results.append(entry)
    return results


def _comment_results(complete: list[StoredResponse], timezone: str) -> dict[str, Any]:
    # imported here: the text package is needed by results and the drill-down only
    from touchpoint.text.themes import ThemeInput, group_into_themes

    rows = [(response, comment) for response in complete for comment in response.comments]
    zone = ZoneInfo(timezone)
    themes = group_into_themes([ThemeInput(c.sentiment, c.key_phrases) for _, c in rows])
    sentiment: Counter[str] = Counter(c.sentiment for _, c in rows)
    listed: list[dict[str, Any]] = []
    for theme in themes[:MAX_THEMES]:
        members = sorted(theme.members, key=lambda i: (SENTIMENTS.index(rows[i][1].sentiment), i))
        inside: Counter[str] = Counter(rows[i][1].sentiment for i in theme.members)
        listed.append(
            {
                "phrases": theme.phrases,
                "related": theme.related,
                "count": len(theme.members),
                "sentiment": {s: inside[s] for s in SENTIMENTS},
                "comments": [
                    {
                        "text": rows[i][1].text,
                        "sentiment": rows[i][1].sentiment,
                        "questionId": rows[i][1].question_id,
                        "locationId": rows[i][0].location_id,
                        "day": rows[i][0].submitted_at.astimezone(zone).date().isoformat(),
                    }
                    for i in members[:MAX_COMMENTS_PER_THEME]
                ],
            }
        )
    return {"total": len(rows), "sentiment": {s: sentiment[s] for s in SENTIMENTS}, "themes": listed}


def compute_results(
    survey: Survey,
    responses: Iterable[StoredResponse],
    period: ResultsPeriod,
    timezone: str,
    language: str | None = None,
) -> dict[str, Any]:
    """The results document of the given responses (already limited to what the caller may see)."""
    lang = language if language in survey.languages else survey.default_language
    zone = ZoneInfo(timezone)
    start, end = period.bounds(timezone)
    inside = [r for r in responses if start <= r.submitted_at < end]
    complete = [r for r in inside if r.complete]
    started_by_day = Counter(r.submitted_at.astimezone(zone).date() for r in inside)
    complete_by_day = Counter(r.submitted_at.astimezone(zone).date() for r in complete)
    return {
        "surveyId": survey.survey_id,
        "name": survey.name,
        "status": survey.status.value,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "timezone": timezone,
        "language": lang,
        "started": len(inside),
        "complete": len(complete),
        "completionRate": _share(len(complete), len(inside)),
        "days": [
            {"day": d.isoformat(), "started": started_by_day[d], "complete": complete_by_day[d]}
            for d in period.days
        ],
        "questions": _question_results(survey, complete, lang),
        "comments": _comment_results(complete, timezone),
    }


def survey_results(
    runtime: Runtime,
    principal: Principal,
    survey: Survey,
    period: ResultsPeriod,
    language: str | None = None,
) -> dict[str, Any]:
    """Read the survey's responses of the period (only the caller's stores) and compute its results."""
    tenant = runtime.tenants.get_tenant(principal.tenant_id)
    timezone = tenant.config.timezone if tenant is not None else "UTC"
    start, end = period.bounds(timezone)
    window = ResponseFilter(start=start, end=end)
    responses = (
        r
        for r in runtime.responses.iterate(principal.tenant_id, survey.survey_id, window)
        if can_see(principal, r.location_id)
    )
    return compute_results(survey, responses, period, timezone, language)


def results_csv_rows(results: Mapping[str, Any]) -> list[list[str]]:
    """The results as rows of one long table: `section, question_id, kind, key, label, count, share`."""

    def share(value: float | None) -> str:
        return "" if value is None else f"{value:.4f}"

    rows = [["section", "question_id", "kind", "key", "label", "count", "share"]]
    rows.append(["summary", "", "", "started", "", str(results["started"]), ""])
    rows.append(
        ["summary", "", "", "complete", "", str(results["complete"]), share(results["completionRate"])]
    )
    rows += [["day", "", "", d["day"], "", str(d["complete"]), ""] for d in results["days"]]
    for q in results["questions"]:
        for bar in q.get("histogram", []):
            rows.append(
                ["score", q["id"], q["kind"], str(bar["value"]), "", str(bar["count"]), share(bar["share"])]
            )
        split = q.get("npsSplit")
        if split is not None:
            for group in ("promoters", "passives", "detractors"):
                key = group[:-1] + "Share"
                rows.append(["nps", q["id"], q["kind"], group, "", str(split[group]), share(split[key])])
            score = "" if split["nps"] is None else f"{split['nps']:.1f}"
            rows.append(["nps", q["id"], q["kind"], "nps", score, str(split["answers"]), ""])
        for option in q.get("options", []):
            rows.append(
                [
                    "option",
                    q["id"],
                    q["kind"],
                    option["id"],
                    option["label"],
                    str(option["count"]),
                    share(option["share"]),
                ]
            )
    for theme in results["comments"]["themes"]:
        rows.append(["theme", "", "", " / ".join(theme["phrases"]), "", str(theme["count"]), ""])
    return rows
