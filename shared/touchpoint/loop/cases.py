"""Opening and changing follow-up cases (the logic behind the case routes and the case rules).

Every change is written with the case's version as a condition and recorded in its history with
the acting principal. A reply or a resolution marks the rollup days it affects dirty (the day of
the change and the day of the answer), so the nightly rollup recomputes the loop metrics.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from touchpoint.loop.bands import band, bands_of
from touchpoint.models.cases import (
    Case,
    CaseNote,
    CaseReply,
    CaseSource,
    CaseStatus,
    HistoryEntry,
    check_transition,
)
from touchpoint.models.tenants import MAX_RETENTION_DAYS_RESPONSES
from touchpoint.storage.cases import CaseChange, CaseExistsError

if TYPE_CHECKING:
    from touchpoint.models.surveys import StoredResponse, Survey
    from touchpoint.runtime import Runtime

_STAMP = "%Y%m%d%H%M%S"


def _now() -> datetime:
    return datetime.now(UTC)


def case_id_for_response(response: StoredResponse) -> str:
    """The id of the (only) case about an answer: its UTC submission time, then the response id."""
    return f"{response.submitted_at.astimezone(UTC).strftime(_STAMP)}-{response.response_id}"


def new_case_id(moment: datetime, marker: str) -> str:
    """A fresh time-sortable case id (`marker` `p`: a case about a person rather than an answer)."""
    return f"{moment.astimezone(UTC).strftime(_STAMP)}-{marker}{secrets.token_hex(6)}"


def due_time(opened_at: datetime, sla_hours: int) -> datetime:
    """When a case opened at `opened_at` is due: `sla_hours` elapsed hours later (UTC arithmetic,
    so a daylight-saving change neither stretches nor shortens the SLA)."""
    return opened_at.astimezone(UTC) + timedelta(hours=sla_hours)


def answer_case(
    survey: Survey,
    response: StoredResponse,
    *,
    trigger: str,
    source: CaseSource,
    actor: str,
    opened_at: datetime,
    sla_hours: int,
) -> Case:
    """The new case about an answer: its store, channel, worst score band and comment sentiment."""
    scores = [(s.kind, s.value) for s in response.scores]
    found = bands_of(scores)
    unhappy = [name for name in found if band(name).unhappy]
    sentiments = [c.sentiment for c in response.comments]
    return Case(
        tenant_id=response.tenant_id,
        case_id=case_id_for_response(response),
        source=source,
        trigger=trigger,
        response_id=response.response_id,
        survey_id=survey.survey_id,
        response_submitted_at=response.submitted_at,
        person_id=response.respondent,
        location_id=response.location_id,
        channel=response.channel,
        band=next(iter(unhappy or found), None),
        detractor="nps_detractor" in found,
        sentiment="negative" if "negative" in sentiments else (sentiments[0] if sentiments else None),
        opened_at=opened_at,
        opened_by=actor,
        due_at=due_time(opened_at, sla_hours),
    )


def _with_expiry(runtime: Runtime, case: Case, moment: datetime) -> Case:
    """The case with its TTL: the tenant's response retention after `moment`."""
    tenant = runtime.tenants.get_tenant(case.tenant_id)
    days = tenant.config.retention_days_responses if tenant is not None else MAX_RETENTION_DAYS_RESPONSES
    return case.model_copy(update={"expires_at": int((moment + timedelta(days=days)).timestamp())})


def _opening(case: Case, note: str | None) -> CaseChange:
    history = [
        HistoryEntry(
            at=case.opened_at, actor=case.opened_by, action="opened", detail={"trigger": case.trigger}
        )
    ]
    notes: list[CaseNote] = []
    if note:
        notes.append(_note(case.opened_at, case.opened_by, note))
        history.append(
            HistoryEntry(
                at=case.opened_at, actor=case.opened_by, action="note", detail={"noteId": notes[0].note_id}
            )
        )
    return CaseChange(history=history, notes=notes, activities=[("opened", case.opened_at)])


def _note(at: datetime, actor: str, text: str) -> CaseNote:
    return CaseNote(note_id=secrets.token_hex(8), at=at, actor=actor, text=text)


def open_for_answer(
    runtime: Runtime,
    survey: Survey,
    response: StoredResponse,
    *,
    trigger: str,
    actor: str,
    sla_hours: int,
    note: str | None = None,
    now: datetime | None = None,
) -> tuple[Case, bool]:
    """Open the case about an answer; `(case, True)`, or `(existing case, False)` when it has one."""
    source: CaseSource = "manual" if trigger == "manual" else "answer"
    case = answer_case(
        survey,
        response,
        trigger=trigger,
        source=source,
        actor=actor,
        opened_at=now or _now(),
        sla_hours=sla_hours,
    )
    case = _with_expiry(runtime, case, response.submitted_at)
    try:
        runtime.cases.create(case, _opening(case, note))
    except CaseExistsError:
        existing = runtime.cases.get(case.tenant_id, case.case_id)
        if existing is None:  # pragma: no cover - a case is never deleted between the two calls
            raise
        return existing, False
    return case, True


def open_for_person(
    runtime: Runtime,
    tenant_id: str,
    person_id: str,
    *,
    location_id: str | None,
    actor: str,
    sla_hours: int,
    note: str | None = None,
    now: datetime | None = None,
) -> Case:
    """Open a case about a person (e.g. one at risk of drifting away)."""
    opened_at = now or _now()
    case = Case(
        tenant_id=tenant_id,
        case_id=new_case_id(opened_at, "p"),
        source="person",
        trigger="manual",
        person_id=person_id,
        location_id=location_id,
        opened_at=opened_at,
        opened_by=actor,
        due_at=due_time(opened_at, sla_hours),
    )
    case = _with_expiry(runtime, case, opened_at)
    runtime.cases.create(case, _opening(case, note))
    return case


@dataclass(frozen=True)
class CaseUpdate:
    """What a PATCH asks for (None: leave as is; `assignee=""` clears the assignee)."""

    status: CaseStatus | None = None
    assignee: str | None = None
    note: str | None = None


def change_case(
    runtime: Runtime, case: Case, update: CaseUpdate, actor: str, now: datetime | None = None
) -> Case:
    """Apply an update to a case read at its current version; the unchanged case when nothing changes.

    Raises InvalidTransitionError for a status change the case may not make and CaseChangedError
    when the case changed since it was read.
    """
    at = now or _now()
    history: list[HistoryEntry] = []
    notes: list[CaseNote] = []
    activities: list[tuple[str, datetime]] = []
    cleared: list[str] = []
    changes: dict[str, object] = {}
    if update.status is not None and check_transition(case.status, update.status):
        changes["status"] = update.status
        history.append(
            HistoryEntry(
                at=at,
                actor=actor,
                action="status",
                detail={"from": case.status.value, "to": update.status.value},
            )
        )
        if update.status is CaseStatus.RESOLVED:
            changes["resolved_at"] = at
            activities.append(("resolved", at))
        elif case.status is CaseStatus.RESOLVED:
            changes["resolved_at"] = None
            cleared.append("resolved")
    if update.assignee is not None:
        assignee = update.assignee or None
        if assignee != case.assignee:
            changes["assignee"] = assignee
            history.append(
                HistoryEntry(
                    at=at, actor=actor, action="assigned", detail={"from": case.assignee, "to": assignee}
                )
            )
    if update.note:
        notes.append(_note(at, actor, update.note))
        history.append(HistoryEntry(at=at, actor=actor, action="note", detail={"noteId": notes[0].note_id}))
    if not history:
        return case
    changed = case.model_copy(update={**changes, "version": case.version + 1})
    runtime.cases.update(
        changed, CaseChange(history=history, notes=notes, activities=activities, cleared_activities=cleared)
    )
    if "resolved_at" in changes:  # resolved, or reopened: the day of the earlier resolution changes too
        mark_loop_days_dirty(runtime, changed, [at, *([case.resolved_at] if case.resolved_at else [])])
    return changed


def record_reply(runtime: Runtime, case: Case, reply: CaseReply) -> Case:
    """Store a reply on the case (a sent first reply sets `first_response_at`).

    Raises CaseChangedError when the case changed since it was read.
    """
    first = reply.status == "sent" and case.first_response_at is None
    changed = case.model_copy(
        update={"version": case.version + 1, **({"first_response_at": reply.at} if first else {})}
    )
    entry = HistoryEntry(
        at=reply.at,
        actor=reply.actor,
        action="reply",
        detail={"replyId": reply.reply_id, "status": reply.status},
    )
    runtime.cases.update(
        changed,
        CaseChange(
            history=[entry], replies=[reply], activities=[("first_response", reply.at)] if first else []
        ),
    )
    if reply.status == "sent":
        mark_loop_days_dirty(runtime, changed, [reply.at])
    return changed


def loop_days(case: Case, moments: Iterable[datetime], timezone: str) -> set[date]:
    """The tenant-local days whose loop metrics a change at `moments` affects (and the answer's day)."""
    zone = ZoneInfo(timezone)
    found = {moment.astimezone(zone).date() for moment in moments}
    if case.response_submitted_at is not None:
        found.add(case.response_submitted_at.astimezone(zone).date())
    return found


def mark_loop_days_dirty(runtime: Runtime, case: Case, moments: Iterable[datetime]) -> list[date]:
    """Mark the rolled-up days a case change affects dirty; the days marked."""
    tenant = runtime.tenants.get_tenant(case.tenant_id)
    timezone = tenant.config.timezone if tenant is not None else "UTC"
    return runtime.rollup_state.mark_dirty_if_done(case.tenant_id, loop_days(case, moments, timezone))
