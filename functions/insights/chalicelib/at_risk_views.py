"""The people-at-risk routes' logic: the list as JSON, as CSV and as a page."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from chalice.app import Request, Response

from chalicelib.at_risk import AtRiskPerson, at_risk_drop, csv_text, parse_day, people_at_risk
from chalicelib.csv_export import csv_response
from chalicelib.loop_pages import TEMPLATES, context, local_time, names_of, tenant_of
from chalicelib.queries import params_of
from touchpoint.storage.person_scores import PersonScoreRepository
from touchpoint.web.console.frame import render_page

if TYPE_CHECKING:
    from touchpoint.runtime import Runtime
    from touchpoint.web.auth import Principal


def list_people(
    runtime: Runtime, principal: Principal, query_params: Any
) -> tuple[date, bool, list[AtRiskPerson]]:
    """The day, whether the rollup scored it, and the people at risk the caller may see."""
    tenant = tenant_of(runtime, principal)
    day = parse_day(params_of(query_params), tenant.config.timezone)
    scores = PersonScoreRepository(runtime.lake).day(principal.tenant_id, day)
    if scores is None:
        return day, False, []
    return day, True, people_at_risk(scores, runtime.responses, principal)


def at_risk_document(runtime: Runtime, principal: Principal, query_params: Any) -> dict[str, Any]:
    """`GET /v1/people/at-risk`: `{date, drop, scored, people: [...]}`."""
    day, scored, people = list_people(runtime, principal, query_params)
    return {
        "date": day.isoformat(),
        "drop": at_risk_drop(),
        "scored": scored,
        "people": [p.public() for p in people],
    }


def at_risk_csv(runtime: Runtime, principal: Principal, query_params: Any) -> Response:
    """`GET /v1/people/at-risk.csv`: the list as a CSV download."""
    day, _, people = list_people(runtime, principal, query_params)
    return csv_response(csv_text(people), f"touchpoint-people-at-risk-{day.isoformat()}.csv")


def at_risk_page(runtime: Runtime, principal: Principal, request: Request) -> Response:
    """`GET /dashboard/at-risk`: the list with a day picker, a CSV link and "open case" buttons."""
    values = context(request, principal)
    lang, text = values["lang"], values["t"]
    day, scored, people = list_people(runtime, principal, request.query_params)
    tenant = tenant_of(runtime, principal)
    names = names_of(runtime, principal)
    rows = [
        {
            "person": p.person,
            "score": p.score,
            "before": p.score_30d_ago,
            "change": p.change,
            "last_active": p.last_active_day,
            "last_feedback": local_time(lang, p.last_feedback_at, tenant.config.timezone),
            "store": names.store(p.last_feedback_location, lang) if p.last_feedback_location else "",
            "location_id": p.last_feedback_location if p.last_feedback_location in names.stores else "",
            "revenue": p.revenue_to_date,
        }
        for p in people
    ]
    return render_page(
        TEMPLATES,
        request,
        principal,
        "at_risk.html",
        title=text("at_risk_title"),
        active="at_risk",
        day=day,
        scored=scored,
        drop=int(at_risk_drop()),
        rows=rows,
        currency=tenant.config.currency,
        **values,
    )
