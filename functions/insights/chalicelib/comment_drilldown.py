"""The why behind a number: the comments of a feedback metric's day, store or channel, by theme.

The responses behind a metric are the complete responses submitted in the tenant-local days of
the request (the engine's rule), filtered by store, channel and survey, and, for a score metric,
those that answered that score (`csat` -> responses with a CSAT answer). Their comments (already
masked and analysed by the surveys function: sentiment and key phrases) are grouped by key
phrase (with `touchpoint.text`'s grouping); a comment with several phrases appears under each.
Phrases naming the same comments form one theme, and a narrower phrase sharing a word with a
broader theme (`lange wartezeit` in `wartezeit`) is listed as related instead of repeating its
comments. Themes are ordered by their number of negative comments, then by size, so the most
frequent complaint comes first; comments without a key phrase come last. Inside a theme,
negative comments come first, lowest score first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.queries import Period, single
from touchpoint.metrics.registry import COMMENT_METRICS
from touchpoint.metrics.registry import metric as metric_record
from touchpoint.models.inputs import query_date
from touchpoint.web.errors import bad_request

if TYPE_CHECKING:
    from touchpoint.models.surveys import StoredResponse
    from touchpoint.text.themes import Theme

MAX_DAYS = 31
MAX_THEMES = 30
MAX_COMMENTS_PER_THEME = 50
SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")
_SENTIMENT_ORDER = {"negative": 0, "mixed": 1, "neutral": 2, "positive": 3}
_FILTERS = ("location", "channel", "survey")


class ResponseSource(Protocol):
    """What the drill-down needs from the responses repository."""

    def for_tenant_period(
        self, tenant_id: str, start: datetime, end: datetime
    ) -> Iterator[StoredResponse]: ...


@dataclass(frozen=True)
class CommentQuery:
    """A validated drill-down request."""

    metric: str
    period: Period
    location: str | None = None
    channel: str | None = None
    survey: str | None = None

    def filters(self) -> dict[str, str]:
        """The filters that are set."""
        values = {"location": self.location, "channel": self.channel, "survey": self.survey}
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class CommentRow:
    """One comment with where it came from and the score it was given with."""

    text: str
    sentiment: str
    key_phrases: tuple[str, ...]
    score: int | None
    channel: str | None
    location_id: str | None
    survey_id: str
    submitted_at: datetime
    response_id: str
    language: str

    def public(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "text": self.text,
            "sentiment": self.sentiment,
            "key_phrases": list(self.key_phrases),
            "score": self.score,
            "channel": self.channel,
            "location_id": self.location_id,
            "survey_id": self.survey_id,
            "submitted_at": self.submitted_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "response_id": self.response_id,
            "language": self.language,
        }


def parse_comment_query(params: Mapping[str, list[str]]) -> CommentQuery:
    """`metric` and `date` (or `from`/`to`, at most 31 days), optional `location`, `channel`, `survey`."""
    metric = single(params, "metric")
    if metric is None:
        raise bad_request("query parameter metric is required", field="metric")
    if metric not in COMMENT_METRICS:
        known = ", ".join(sorted(COMMENT_METRICS))
        raise bad_request(
            f"comments exist for feedback metrics only ({known}), not {metric!r}", field="metric"
        )
    day = single(params, "date")
    first_raw, last_raw = single(params, "from"), single(params, "to")
    if day is not None:
        if first_raw or last_raw:
            raise bad_request("give either date or from/to", field="date")
        last = query_date(day, "date")
        first = last - timedelta(days=metric_record(metric).window_days - 1)  # nps_30d: D-29..D
    elif first_raw and last_raw:
        first, last = query_date(first_raw, "from"), query_date(last_raw, "to")
    else:
        raise bad_request("query parameter date (or from and to) is required", field="date")
    if first > last:
        raise bad_request("from must not be after to", field="from")
    if (last - first).days + 1 > MAX_DAYS:
        raise bad_request(f"comments can be listed for at most {MAX_DAYS} days at once", field="to")
    filters = {name: single(params, name) for name in _FILTERS}
    for name, value in filters.items():
        if value is not None and (len(value) > 128 or not value.replace("-", "").replace("_", "").isalnum()):
            raise bad_request(f"{name} is not a valid id", field=name)
    return CommentQuery(metric=metric, period=Period(first, last), **filters)


def rows_of(responses: Iterable[StoredResponse], query: CommentQuery) -> tuple[list[CommentRow], int]:
    """The comments behind the metric and how many responses they come from."""
    kind = COMMENT_METRICS[query.metric]
    rows: list[CommentRow] = []
    counted = 0
    for response in responses:
        if not response.complete:
            continue
        if query.location and response.location_id != query.location:
            continue
        if query.channel and response.channel != query.channel:
            continue
        if query.survey and response.survey_id != query.survey:
            continue
        scores = [s.value for s in response.scores if kind is None or s.kind == kind]
        if kind is not None and not scores:
            continue
        counted += 1
        score = min(scores) if kind is not None else None
        for comment in response.comments:
            if not comment.text.strip():
                continue
            rows.append(
                CommentRow(
                    text=comment.text,
                    sentiment=comment.sentiment,
                    key_phrases=tuple(
                        dict.fromkeys(p.strip().lower() for p in comment.key_phrases if p.strip())
                    ),
                    score=score,
                    channel=response.channel,
                    location_id=response.location_id,
                    survey_id=response.survey_id,
                    submitted_at=response.submitted_at,
                    response_id=response.response_id,
                    language=comment.language,
                )
            )
    return rows, counted


def _sentiment_counts(rows: Iterable[CommentRow]) -> dict[str, int]:
    counts = dict.fromkeys(SENTIMENTS, 0)
    for row in rows:
        counts[row.sentiment] = counts.get(row.sentiment, 0) + 1
    return counts


def _comment_order(row: CommentRow) -> tuple[int, int, str]:
    score = row.score if row.score is not None else 99
    return (_SENTIMENT_ORDER.get(row.sentiment, 9), score, row.submitted_at.isoformat())


def _themes(rows: list[CommentRow]) -> list[Theme]:
    # imported here: the text package is needed by this route only
    from touchpoint.text.themes import ThemeInput, group_into_themes

    return group_into_themes([ThemeInput(row.sentiment, row.key_phrases) for row in rows])


def group_by_theme(rows: list[CommentRow]) -> list[dict[str, Any]]:
    """Themes with their sentiment counts and comments: the most negative first, unphrased last."""
    result: list[dict[str, Any]] = []
    for theme in _themes(rows)[:MAX_THEMES]:
        members = sorted((rows[i] for i in theme.members), key=_comment_order)
        result.append(
            {
                "phrase": theme.phrases[0] if theme.phrases else None,
                "phrases": theme.phrases,
                "related": theme.related,
                "count": len(members),
                "sentiment": _sentiment_counts(members),
                "comments": [m.public() for m in members[:MAX_COMMENTS_PER_THEME]],
                "more": max(0, len(members) - MAX_COMMENTS_PER_THEME),
            }
        )
    return result


def local_bounds(period: Period, timezone: str) -> tuple[datetime, datetime]:
    """The UTC instants (aware) at which the period's first day begins and its last day ends."""
    # imported here: `touchpoint.engine` loads the whole metric pipeline, which the other routes never need
    from touchpoint.engine.calendar import local_midnight_utc

    start = local_midnight_utc(period.first, timezone).replace(tzinfo=UTC)
    end = local_midnight_utc(period.last + timedelta(days=1), timezone).replace(tzinfo=UTC)
    return start, end


def comments_document(
    tenant_id: str, timezone: str, query: CommentQuery, source: ResponseSource
) -> dict[str, Any]:
    """The drill-down document of a query."""
    start, end = local_bounds(query.period, timezone)
    rows, responses = rows_of(source.for_tenant_period(tenant_id, start, end), query)
    return {
        "metric": query.metric,
        "period": query.period.public(),
        "filters": query.filters(),
        "responses": responses,
        "total_comments": len(rows),
        "sentiment": _sentiment_counts(rows),
        "themes": group_by_theme(rows),
    }
