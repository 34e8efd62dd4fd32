"""Hand-made engine inputs: tiny event/response builders, gzip JSONL writers and result lookups."""

from __future__ import annotations

import gzip
import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from touchpoint.engine import EngineInputs, compute_day, compute_person_scores
from touchpoint.models.metrics import MetricPoint
from touchpoint.models.tenants import TenantConfig

DAY = date(2026, 3, 10)  # a Tuesday, far from any DST change
_ids = itertools.count(1)


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and `Z`, as the ingest function writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def t(hhmm: str, day: date = DAY, seconds: int = 0) -> datetime:
    """A UTC datetime on `day` at `hh:mm` (+ seconds)."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) + timedelta(seconds=seconds)


def event(
    kind: str,
    when: datetime,
    *,
    user: str | None = None,
    anon: str | None = None,
    name: str | None = None,
    props: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    message_id: str | None = None,
    received: datetime | None = None,
    **top: Any,
) -> dict[str, Any]:
    """One Segment event line. `received` defaults to `when` + 1 s."""
    record: dict[str, Any] = {
        "messageId": message_id or f"m-{next(_ids)}",
        "type": kind,
        "timestamp": iso(when),
        "receivedAt": iso(received or when + timedelta(seconds=1)),
        "context": context or {},
    }
    if user is not None:
        record["userId"] = user
    if anon is not None:
        record["anonymousId"] = anon
    if kind == "track":
        record["event"] = name
    elif name is not None:
        record["name"] = name
    if props is not None:
        record["properties"] = props
    record.update(top)
    return record


def page(when: datetime, **kw: Any) -> dict[str, Any]:
    return event("page", when, **kw)


def screen(when: datetime, **kw: Any) -> dict[str, Any]:
    return event("screen", when, **kw)


def track(name: str, when: datetime, **kw: Any) -> dict[str, Any]:
    return event("track", when, name=name, **kw)


def identify(when: datetime, *, user: str, anon: str) -> dict[str, Any]:
    return event("identify", when, user=user, anon=anon, traits={"email": "x@example.com"})


def order(
    when: datetime,
    revenue: float | None,
    *,
    order_id: str | None = None,
    products: list[Any] | None = None,
    **kw: Any,
) -> dict[str, Any]:
    props: dict[str, Any] = dict(kw.pop("props", {}))
    if revenue is not None:
        props["revenue"] = revenue
    if order_id is not None:
        props["order_id"] = order_id
    if products is not None:
        props["products"] = products
    return track("Order Completed", when, props=props, **kw)


def response(
    when: datetime,
    scores: list[tuple[str, int]],
    *,
    rid: str | None = None,
    channel: str = "email",
    location: str | None = None,
    survey: str = "s-nps",
    user: str | None = None,
    anon: str | None = None,
    complete: bool = True,
    comments: list[tuple[str, str | None]] | None = None,
) -> dict[str, Any]:
    """One survey response line; `scores` are `(kind, value)`, `comments` `(text, sentiment)`."""
    return {
        "responseId": rid or f"r-{next(_ids)}",
        "surveyId": survey,
        "submittedAt": iso(when),
        "complete": complete,
        "channel": channel,
        "locationId": location,
        "touchpointId": None,
        "userId": user,
        "anonymousId": anon,
        "language": "en",
        "scores": [{"questionId": f"q{i}", "kind": k, "value": v} for i, (k, v) in enumerate(scores)],
        "comments": [
            {"questionId": "qc", "text": text, "sentiment": sentiment, "keyPhrases": []}
            for text, sentiment in (comments or [])
        ],
    }


def write_jsonl(path: Path, records: list[dict[str, Any]], raw_lines: list[str] | None = None) -> Path:
    """Write `records` (plus optional raw lines) as a gzip JSON-lines file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
        for line in raw_lines or []:
            handle.write(line + "\n")
    return path


@dataclass(frozen=True)
class CaseFact:
    """A follow-up case as the cases table describes it to the loop metrics (times in UTC)."""

    case_id: str
    opened_at: datetime
    location_id: str | None = None
    source: str = "answer"
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    response_id: str | None = None
    response_submitted_at: datetime | None = None
    detractor: bool = False


@dataclass
class Lake:
    """A tmp directory collecting input files (and case facts) for one test."""

    root: Path
    event_files: list[Path] = field(default_factory=list)
    response_files: list[Path] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    case_facts: list[CaseFact] = field(default_factory=list)

    def events(self, *records: dict[str, Any], raw_lines: list[str] | None = None) -> Path:
        path = write_jsonl(self.root / f"events-{len(self.event_files)}.jsonl.gz", list(records), raw_lines)
        self.event_files.append(path)
        return path

    def responses(self, *records: dict[str, Any]) -> Path:
        path = write_jsonl(self.root / f"responses-{len(self.response_files)}.jsonl.gz", list(records))
        self.response_files.append(path)
        return path

    def cases(self, *facts: CaseFact) -> None:
        self.case_facts.extend(facts)

    def inputs(self) -> EngineInputs:
        return EngineInputs(
            event_files=list(self.event_files),
            response_files=list(self.response_files),
            identity_links=self.links,
            case_facts=list(self.case_facts),
        )

    def run(self, day: date = DAY, config: TenantConfig | None = None) -> Result:
        return Result(compute_day(self.inputs(), day, config or TenantConfig()))

    def scores(self, day: date = DAY, config: TenantConfig | None = None) -> dict[str, float]:
        return compute_person_scores(self.inputs(), day, config or TenantConfig())


@dataclass
class Result:
    """The points of one `compute_day`, with lookups by metric and breakdown."""

    points: list[MetricPoint]

    def find(self, metric: str, **breakdown: str) -> MetricPoint | None:
        for point in self.points:
            if point.metric == metric and point.breakdown == breakdown:
                return point
        return None

    def value(self, metric: str, **breakdown: str) -> float | None:
        """The value of a point (None when the point is absent)."""
        point = self.find(metric, **breakdown)
        return None if point is None else point.value

    def extra(self, metric: str, **breakdown: str) -> dict[str, Any]:
        point = self.find(metric, **breakdown)
        assert point is not None, f"{metric} {breakdown} is absent"
        return point.extra

    def names(self) -> set[str]:
        return {point.metric for point in self.points}

    def breakdowns(self, metric: str, key: str) -> dict[str, float | None]:
        """`{value: metric value}` of the points of `metric` broken down by `key` only."""
        return {
            p.breakdown[key]: p.value
            for p in self.points
            if p.metric == metric and list(p.breakdown) == [key]
        }
