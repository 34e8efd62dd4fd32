"""The feedback inbox: every complete answer (survey API and QR form), newest first, filtered.

Filters: store (`location`), `survey`, `channel`, score `band` (`touchpoint.loop.bands`: an answer
is in a band when one of its scores lies in it), comment `sentiment` (one of its comments has it),
`theme` (one of its comments has a key phrase containing every word of the theme, so `wartezeit`
finds `lange wartezeit`, as the comment drill-down lists narrower phrases under a broader theme)
and `from`/`to` (tenant-local days; without both the 30 days up to today). Partial answers are not
listed. A store manager sees only answers of their stores; answers without a store are
tenant-wide and hidden from them (`touchpoint.web.scope`).

Order: by submission time, then response id, both descending. The cursor is the last listed
answer's (time, id): the next page holds the answers strictly before it, so a page never repeats
or skips an answer, even when answers arrive between two requests.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.comment_drilldown import ResponseSource
from chalicelib.queries import Period, local_today, parse_period, single
from touchpoint.loop.bands import BAND_NAMES, band, band_of
from touchpoint.models.surveys import iso_utc
from touchpoint.web.errors import bad_request
from touchpoint.web.scope import can_see

if TYPE_CHECKING:
    from touchpoint.models.cases import Case
    from touchpoint.models.surveys import StoredResponse
    from touchpoint.web.auth import Principal

DEFAULT_DAYS = 30
MAX_DAYS = 92
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MAX_THEME = 100
SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")
ID_FILTERS: tuple[str, ...] = ("location", "survey", "channel")
#: Every query parameter the inbox reads (the page adds `lang`).
PARAMETERS: tuple[str, ...] = (*ID_FILTERS, "band", "sentiment", "theme", "from", "to", "cursor", "limit")


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last listed answer."""

    submitted_at: datetime
    response_id: str

    def encode(self) -> str:
        """The opaque text a client sends back as `cursor`."""
        raw = f"{iso_utc(self.submitted_at)}|{self.response_id}".encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @staticmethod
    def decode(text: str) -> Cursor:
        """The cursor of `text` (400 naming `cursor` when it is not one this inbox made)."""
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True).decode(
                "utf-8"
            )
            moment, response_id = raw.split("|", 1)
            submitted_at = datetime.strptime(moment, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise bad_request("cursor is not a cursor of this listing", field="cursor") from None
        if not valid_id(response_id):
            raise bad_request("cursor is not a cursor of this listing", field="cursor")
        return Cursor(submitted_at, response_id)

    def key(self) -> tuple[datetime, str]:
        """The sort key of the answer it names."""
        return (self.submitted_at, self.response_id)


@dataclass(frozen=True)
class InboxQuery:
    """A validated inbox request."""

    period: Period
    location: str | None = None
    survey: str | None = None
    channel: str | None = None
    band: str | None = None
    sentiment: str | None = None
    theme: str | None = None
    cursor: Cursor | None = None
    limit: int = DEFAULT_LIMIT

    def filters(self) -> dict[str, str]:
        """The filters that are set, with the period (as query parameters: links keep them)."""
        values = {
            "location": self.location,
            "survey": self.survey,
            "channel": self.channel,
            "band": self.band,
            "sentiment": self.sentiment,
            "theme": self.theme,
        }
        return {**{k: v for k, v in values.items() if v}, **self.period.public()}


def valid_id(value: str) -> bool:
    """An id as stores, surveys, channels and responses have them (letters, digits, `-`, `_`)."""
    return 0 < len(value) <= 128 and value.replace("-", "").replace("_", "").isalnum() and value.isascii()


def normalized_theme(text: str) -> str:
    """A theme as key phrases are compared: lower case, single spaces."""
    return " ".join(text.lower().split())


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise bad_request(f"limit must be a whole number from 1 to {MAX_LIMIT}", field="limit")
    return int(raw)


def parse_inbox_query(
    params: Mapping[str, list[str]], timezone: str, *, now: datetime | None = None
) -> InboxQuery:
    """The inbox query of the request's parameters (400 naming the parameter when one is invalid)."""
    ids = {name: single(params, name) for name in ID_FILTERS}
    for name, value in ids.items():
        if value is not None and not valid_id(value):
            raise bad_request(f"{name} is not a valid id", field=name)
    band_name = single(params, "band")
    if band_name is not None and band_name not in BAND_NAMES:
        raise bad_request(f"band must be one of {', '.join(BAND_NAMES)}", field="band")
    sentiment = single(params, "sentiment")
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise bad_request(f"sentiment must be one of {', '.join(SENTIMENTS)}", field="sentiment")
    theme_raw = single(params, "theme")
    if theme_raw is not None and (len(theme_raw) > MAX_THEME or not theme_raw.isprintable()):
        raise bad_request(f"theme must be printable text of at most {MAX_THEME} characters", field="theme")
    window = dict(params)
    if single(params, "from") is None and single(params, "to") is None:
        window["to"] = [local_today(timezone, now).isoformat()]
    period = parse_period(window, timezone, now=now, default_days=DEFAULT_DAYS, max_days=MAX_DAYS)
    cursor_raw = single(params, "cursor")
    return InboxQuery(
        period=period,
        band=band_name,
        sentiment=sentiment,
        theme=normalized_theme(theme_raw) if theme_raw else None,
        cursor=Cursor.decode(cursor_raw) if cursor_raw else None,
        limit=_limit(single(params, "limit")),
        **ids,
    )


def matches(response: StoredResponse, query: InboxQuery) -> bool:
    """Whether a complete answer meets every filter of the query (the period aside)."""
    if query.location and response.location_id != query.location:
        return False
    if query.survey and response.survey_id != query.survey:
        return False
    if query.channel and response.channel != query.channel:
        return False
    if query.band and not any(band(query.band).holds(s.kind, s.value) for s in response.scores):
        return False
    if query.sentiment and not any(c.sentiment == query.sentiment for c in response.comments):
        return False
    if query.theme:
        words = set(query.theme.split())
        phrases = (normalized_theme(p) for c in response.comments for p in c.key_phrases)
        if not any(words <= set(phrase.split()) for phrase in phrases):
            return False
    return True


def period_bounds(period: Period, timezone: str) -> tuple[datetime, datetime]:
    """The UTC instants (aware) at which the period's first day begins and its last day ends
    (a Berlin day lasts 23 or 25 hours on the DST changes, as the engine counts it)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(period.first, time(), zone).astimezone(UTC)
    end = datetime.combine(period.last + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def _order(response: StoredResponse) -> tuple[datetime, str]:
    return (response.submitted_at.astimezone(UTC), response.response_id)


def newest_first(
    source: ResponseSource, tenant_id: str, start: datetime, end: datetime
) -> Iterator[StoredResponse]:
    """Every response submitted in `[start, end)`, newest first, read one UTC day at a time."""
    day_end = end
    while day_end > start:
        midnight = datetime.combine((day_end - timedelta(microseconds=1)).date(), time(), UTC)
        day_start = max(start, midnight)
        yield from sorted(source.for_tenant_period(tenant_id, day_start, day_end), key=_order, reverse=True)
        day_end = day_start


def answers_page(
    source: ResponseSource,
    tenant_id: str,
    timezone: str,
    query: InboxQuery,
    principal: Principal | None,
) -> tuple[list[StoredResponse], Cursor | None]:
    """The answers of one page (complete, in scope, meeting the filters) and the next page's cursor."""
    start, end = period_bounds(query.period, timezone)
    if query.cursor is not None:
        end = min(end, query.cursor.submitted_at + timedelta(microseconds=1))
    found: list[StoredResponse] = []
    for response in newest_first(source, tenant_id, start, end):
        if query.cursor is not None and _order(response) >= query.cursor.key():
            continue
        if (
            not response.complete
            or not can_see(principal, response.location_id)
            or not matches(response, query)
        ):
            continue
        found.append(response)
        if len(found) > query.limit:
            last = found[query.limit - 1]
            return found[: query.limit], Cursor(last.submitted_at.astimezone(UTC), last.response_id)
    return found, None


def overall_sentiment(response: StoredResponse) -> str | None:
    """The answer's sentiment: negative when any comment is, else its first comment's, else None."""
    sentiments = [c.sentiment for c in response.comments]
    if "negative" in sentiments:
        return "negative"
    return sentiments[0] if sentiments else None


def score_band(kind: str, value: int) -> str | None:
    """The band name of one score, or None."""
    found = band_of(kind, value)
    return found.name if found is not None else None


def answer_document(response: StoredResponse, case: Case | None) -> dict[str, Any]:
    """The JSON form of one inbox answer (`GET /v1/answers`)."""
    return {
        "responseId": response.response_id,
        "surveyId": response.survey_id,
        "submittedAt": iso_utc(response.submitted_at),
        "locationId": response.location_id,
        "channel": response.channel,
        "language": response.language,
        "scores": [
            {
                "questionId": s.question_id,
                "kind": s.kind,
                "value": s.value,
                "band": score_band(s.kind, s.value),
            }
            for s in response.scores
        ],
        "comments": [
            {"text": c.text, "sentiment": c.sentiment, "keyPhrases": list(c.key_phrases)}
            for c in response.comments
        ],
        "sentiment": overall_sentiment(response),
        "case": None if case is None else {"caseId": case.case_id, "status": case.status.value},
    }
