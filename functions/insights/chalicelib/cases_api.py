"""The case API: list, read, open and change follow-up cases, reply to the customer, case rules.

Every read and change is scoped: another tenant's case, and for a store manager a case of another
store (or of no store), is not found (404). Changes are recorded in the case's history with the
caller (`principal.actor`). The contact of a customer is never returned, only whether one exists.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from chalicelib.alerts_api import json_body
from chalicelib.case_inputs import CaseOpening, CasePatch, ReplyInput
from chalicelib.queries import params_of, parse_period, single
from touchpoint.loop.cases import CaseUpdate, change_case, open_for_answer, open_for_person
from touchpoint.loop.replies import MailNotConfiguredError, NoConsentError, send_reply
from touchpoint.models.case_rules import CaseRules
from touchpoint.models.cases import CASE_ID_PATTERN, CaseStatus, InvalidTransitionError
from touchpoint.models.users import UserStatus
from touchpoint.storage.cases import CaseChangedError, CaseQuery, CaseRecord
from touchpoint.web.errors import ApiError, bad_request, from_validation_error, not_found
from touchpoint.web.scope import can_see, scope_error

if TYPE_CHECKING:
    from touchpoint.models.cases import Case
    from touchpoint.runtime import Runtime
    from touchpoint.web.auth import Principal

DEFAULT_PAGE = 50
MAX_PAGE = 200


def validated(model: type[Any], raw: bytes | str | None) -> Any:
    """The body validated as `model` (400 naming the first invalid field, 413 when too large)."""
    try:
        return model.model_validate(json_body(raw))
    except ValidationError as error:
        raise from_validation_error(error) from None


# -- views ------------------------------------------------------------------------------------


def case_view(case: Case, now: datetime | None = None) -> dict[str, Any]:
    """A case as the API returns it (with `overdue`)."""
    view = case.model_dump(mode="json", by_alias=True)
    view["overdue"] = case.status is not CaseStatus.RESOLVED and case.due_at <= (now or datetime.now(UTC))
    return view


def _visible_record(runtime: Runtime, principal: Principal, case_id: str) -> CaseRecord:
    import re

    record = (
        runtime.cases.record(principal.tenant_id, case_id) if re.match(CASE_ID_PATTERN, case_id) else None
    )
    if record is None or not can_see(principal, record.case.location_id):
        raise not_found("case")
    return record


def _answer_view(runtime: Runtime, case: Case) -> dict[str, Any] | None:
    if case.survey_id is None or case.response_id is None:
        return None
    response = runtime.responses.get(case.tenant_id, case.survey_id, case.response_id)
    if response is None:
        return None
    return {
        "surveyId": response.survey_id,
        "responseId": response.response_id,
        "submittedAt": response.model_dump(mode="json", by_alias=True)["submittedAt"],
        "channel": response.channel,
        "language": response.language,
        "scores": [s.model_dump(mode="json", by_alias=True) for s in response.scores],
        "comments": [
            {
                "questionId": c.question_id,
                "text": c.text,
                "sentiment": c.sentiment,
                "keyPhrases": c.key_phrases,
            }
            for c in response.comments
        ],
    }


def get_case(runtime: Runtime, principal: Principal, case_id: str) -> dict[str, Any]:
    """One case with its answer, history, notes, replies and whether the customer may be contacted."""
    record = _visible_record(runtime, principal, case_id)
    case = record.case
    consent = case.response_id is not None and runtime.contacts.has_consent(case.tenant_id, case.response_id)
    return {
        **case_view(case),
        "answer": _answer_view(runtime, case),
        "contactConsent": consent,
        "history": [h.model_dump(mode="json", by_alias=True) for h in record.history],
        "notes": [n.model_dump(mode="json", by_alias=True) for n in record.notes],
        "replies": [r.model_dump(mode="json", by_alias=True, exclude_none=True) for r in record.replies],
    }


# -- listing ----------------------------------------------------------------------------------


def encode_cursor(tenant_id: str, position: Mapping[str, str]) -> str:
    """The opaque `cursor` continuing a listing after `position`."""
    data = json.dumps({"t": tenant_id, **position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode_cursor(tenant_id: str, cursor: str) -> dict[str, str]:
    """A cursor's position (400 when it is malformed or from another tenant's listing)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        position = {k: str(data[k]) for k in ("pk", "sk", "tenant_pk", "list_sk")}
        owner = str(data["t"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise bad_request("the cursor is malformed", field="cursor") from None
    prefix = f"TENANT#{tenant_id}"
    if (
        owner != tenant_id
        or position["tenant_pk"] != prefix
        or not position["pk"].startswith(f"{prefix}#CASE#")
    ):
        raise bad_request("the cursor belongs to another listing", field="cursor")
    return position


def _query(runtime: Runtime, principal: Principal, params: Mapping[str, list[str]]) -> CaseQuery:
    status = single(params, "status")
    if status is not None and status not in {s.value for s in CaseStatus}:
        raise bad_request(f"status must be one of {', '.join(s.value for s in CaseStatus)}", field="status")
    location_id = single(params, "location_id")
    opened_from = opened_to = None
    if single(params, "from") or single(params, "to"):
        tenant = runtime.tenants.get_tenant(principal.tenant_id)
        zone = ZoneInfo(tenant.config.timezone if tenant else "UTC")
        period = parse_period(params, zone.key)
        opened_from = datetime.combine(period.first, time(), zone).astimezone(UTC)
        opened_to = datetime.combine(period.last + timedelta(days=1), time(), zone).astimezone(UTC)
    return CaseQuery(
        opened_from=opened_from,
        opened_to=opened_to,
        status=status,
        location_id=location_id,
        assignee=(single(params, "assignee") or "").lower() or None,
    )


def _limit(params: Mapping[str, list[str]]) -> int:
    raw = single(params, "limit")
    if raw is None:
        return DEFAULT_PAGE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise bad_request(f"limit must be a whole number from 1 to {MAX_PAGE}", field="limit")
    return int(raw)


def list_cases(runtime: Runtime, principal: Principal, query: Any) -> dict[str, Any]:
    """`{"cases": [...], "next": cursor | null}`: the caller's visible cases, newest first."""
    params = params_of(query)
    cases_query = _query(runtime, principal, params)
    limit = _limit(params)
    cursor = single(params, "cursor")
    after = decode_cursor(principal.tenant_id, cursor) if cursor else None
    now = datetime.now(UTC)
    found: list[dict[str, Any]] = []
    last: dict[str, str] | None = None
    more = False
    for case, position in runtime.cases.listing(principal.tenant_id, cases_query, after):
        if not can_see(principal, case.location_id):
            continue
        if len(found) == limit:
            more = True
            break
        found.append(case_view(case, now))
        last = position
    return {"cases": found, "next": encode_cursor(principal.tenant_id, last) if more and last else None}


# -- changes ----------------------------------------------------------------------------------


def _check_assignee(runtime: Runtime, principal: Principal, case: Case, email: str) -> None:
    member = runtime.users.find_by_email(email)
    if (
        member is None
        or member.tenant_id != principal.tenant_id
        or member.status is UserStatus.DISABLED
        or not (member.store_scope is None or case.location_id in member.store_scope)
    ):
        raise bad_request("assignee must be a team member who may see this case's store", field="assignee")


def patch_case(
    runtime: Runtime, principal: Principal, case_id: str, raw: bytes | str | None
) -> dict[str, Any]:
    """Change a case's status and/or assignee and/or add a note (409 for a disallowed status change
    or when the case changed meanwhile)."""
    case = _visible_record(runtime, principal, case_id).case
    patch: CasePatch = validated(CasePatch, raw)
    if patch.version is not None and patch.version != case.version:
        raise ApiError(409, "case_changed", f"the case is at version {case.version}, not {patch.version}")
    assignee: str | None = None
    if "assignee" in patch.model_fields_set:
        assignee = (patch.assignee or "").lower()
        if assignee:
            _check_assignee(runtime, principal, case, assignee)
    try:
        changed = change_case(
            runtime,
            case,
            CaseUpdate(status=patch.status, assignee=assignee, note=patch.note),
            principal.actor,
        )
    except InvalidTransitionError as error:
        raise ApiError(409, "invalid_transition", str(error), field="status") from None
    except CaseChangedError:
        raise ApiError(409, "case_changed", "the case changed meanwhile; read it again and retry") from None
    return case_view(changed)


def open_case(runtime: Runtime, principal: Principal, raw: bytes | str | None) -> tuple[int, dict[str, Any]]:
    """Open a case by hand: `(201, case)`, or `(200, case)` when the answer has one already."""
    opening: CaseOpening = validated(CaseOpening, raw)
    sla = runtime.cases.rules(principal.tenant_id).sla_hours
    if opening.response_id is not None and opening.survey_id is not None:
        survey = runtime.surveys.get(principal.tenant_id, opening.survey_id)
        response = runtime.responses.get(principal.tenant_id, opening.survey_id, opening.response_id)
        if (
            survey is None
            or response is None
            or not response.complete
            or not can_see(principal, response.location_id)
        ):
            raise not_found("response")
        case, created = open_for_answer(
            runtime,
            survey,
            response,
            trigger="manual",
            actor=principal.actor,
            sla_hours=sla,
            note=opening.note,
        )
        return (201 if created else 200), case_view(case)
    assert opening.person_id is not None
    if not can_see(principal, opening.location_id):
        raise not_found("location")
    if (
        opening.location_id is not None
        and runtime.locations.get_location(principal.tenant_id, opening.location_id) is None
    ):
        raise not_found("location")
    case = open_for_person(
        runtime,
        principal.tenant_id,
        opening.person_id,
        location_id=opening.location_id,
        actor=principal.actor,
        sla_hours=sla,
        note=opening.note,
    )
    return 201, case_view(case)


def reply(runtime: Runtime, principal: Principal, case_id: str, raw: bytes | str | None) -> dict[str, Any]:
    """E-mail the customer of a case (409 `no_consent` without a consenting e-mail contact; 502
    `mail_failed` when SES refused it: the failed reply is stored on the case)."""
    case = _visible_record(runtime, principal, case_id).case
    message: ReplyInput = validated(ReplyInput, raw)
    try:
        sent = send_reply(runtime, case, subject=message.subject, body=message.body, actor=principal.actor)
    except NoConsentError:
        raise ApiError(
            409, "no_consent", "the customer gave no consent to be contacted by e-mail about this answer"
        ) from None
    except MailNotConfiguredError:
        raise ApiError(
            503, "mail_not_configured", "no sender address is configured (TOUCHPOINT_MAIL_FROM)"
        ) from None
    except CaseChangedError:
        raise ApiError(409, "case_changed", "the case changed meanwhile; retry") from None
    if sent.status == "failed":
        raise ApiError(
            502, "mail_failed", f"the e-mail was not sent ({sent.error}); the attempt is on the case"
        )
    return sent.model_dump(mode="json", by_alias=True, exclude_none=True)


# -- rules ------------------------------------------------------------------------------------


def get_rules(runtime: Runtime, principal: Principal) -> dict[str, Any]:
    """The tenant's case rules and SLA (tenant-wide: not for store managers)."""
    problem = scope_error(principal)
    if problem is not None:
        raise problem
    return runtime.cases.rules(principal.tenant_id).model_dump(mode="json", by_alias=True)


def put_rules(runtime: Runtime, principal: Principal, raw: bytes | str | None) -> dict[str, Any]:
    """Replace the tenant's case rules (rules left out: on, every store)."""
    problem = scope_error(principal)
    if problem is not None:
        raise problem
    rules: CaseRules = validated(CaseRules, raw)
    runtime.cases.save_rules(principal.tenant_id, rules)
    return rules.model_dump(mode="json", by_alias=True)
