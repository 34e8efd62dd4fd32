"""The inbox routes' logic: the answer listing (page and JSON) and opening a case by hand."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from chalice.app import Request, Response

from chalicelib.inbox import (
    SENTIMENTS,
    Cursor,
    InboxQuery,
    answer_document,
    answers_page,
    overall_sentiment,
    parse_inbox_query,
    score_band,
)
from chalicelib.loop_pages import TEMPLATES, band_label, context, local_time, names_of, tenant_of
from chalicelib.queries import params_of
from touchpoint.loop.bands import BAND_NAMES
from touchpoint.loop.cases import case_id_for_response
from touchpoint.models.surveys import CHANNELS
from touchpoint.web.console.frame import render_page

if TYPE_CHECKING:
    from touchpoint.models.cases import Case
    from touchpoint.models.surveys import StoredResponse
    from touchpoint.runtime import Runtime
    from touchpoint.web.auth import Principal

Listed = list[tuple["StoredResponse", "Case | None"]]


def list_answers(
    runtime: Runtime, principal: Principal, query_params: Any, now: datetime | None = None
) -> tuple[InboxQuery, Listed, Cursor | None, str]:
    """The query, one page of answers with their cases, the next cursor and the tenant's time zone."""
    timezone = tenant_of(runtime, principal).config.timezone
    query = parse_inbox_query(params_of(query_params), timezone, now=now)
    answers, next_cursor = answers_page(runtime.responses, principal.tenant_id, timezone, query, principal)
    listed = [(r, runtime.cases.get(principal.tenant_id, case_id_for_response(r))) for r in answers]
    return query, listed, next_cursor, timezone


def answers_document(runtime: Runtime, principal: Principal, query_params: Any) -> dict[str, Any]:
    """`GET /v1/answers`: one page of the inbox as JSON."""
    query, listed, next_cursor, _ = list_answers(runtime, principal, query_params)
    return {
        "filters": query.filters(),
        "answers": [answer_document(response, case) for response, case in listed],
        "nextCursor": next_cursor.encode() if next_cursor else None,
    }


def _row(response: StoredResponse, case: Case | None, lang: str, timezone: str, names: Any) -> dict[str, Any]:
    return {
        "response_id": response.response_id,
        "survey_id": response.survey_id,
        "time": local_time(lang, response.submitted_at, timezone),  # type: ignore[arg-type]
        "store": names.store(response.location_id, lang),
        "survey": names.survey(response.survey_id),
        "channel": response.channel,
        "scores": [
            {"kind": s.kind, "value": s.value, "band": score_band(s.kind, s.value)} for s in response.scores
        ],
        "comments": [c.text for c in response.comments if c.text.strip()],
        "sentiment": overall_sentiment(response),
        "case": case,
    }


def inbox_page(runtime: Runtime, principal: Principal, request: Request) -> Response:
    """`GET /dashboard/inbox`: the answers with the filter form and a link to the next page."""
    values = context(request, principal)
    lang, text = values["lang"], values["t"]
    query, listed, next_cursor, timezone = list_answers(runtime, principal, request.query_params)
    names = names_of(runtime, principal)
    filters = query.filters()
    next_link = None
    if next_cursor is not None:
        next_link = urlencode({**filters, "cursor": next_cursor.encode(), "lang": lang})
    return render_page(
        TEMPLATES,
        request,
        principal,
        "inbox.html",
        title=text("inbox_title"),
        active="inbox",
        filters=filters,
        stores=sorted(names.stores.items(), key=lambda kv: kv[1].lower()),
        surveys=sorted(names.surveys.items(), key=lambda kv: kv[1].lower()),
        channels=CHANNELS,
        bands=[(name, band_label(lang, name)) for name in BAND_NAMES],
        sentiments=SENTIMENTS,
        rows=[_row(response, case, lang, timezone, names) for response, case in listed],
        next_link=next_link,
        paged=query.cursor is not None,
        first_link=urlencode({**filters, "lang": lang}),
        **values,
    )
