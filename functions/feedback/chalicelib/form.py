"""The public feedback form: `GET /f/{token}` shows it, `POST /f/{token}` takes the answer.

A submission passes, in order: the QR token (signature, touchpoint, version, revocation), the
per-client rate limit (keyed by the client address HMAC'd with the key pepper and the tenant,
`abuse.client_pseudonym`), the per-touchpoint rate limit, the honeypot, the form token (signature,
touchpoint, age, minimum fill time), the answers and the optional contact (only with its consent
box ticked: `touchpoint.respondent_form.contact`), and the single-use nonce; only then is it
stored, through the survey service, as a response with channel `in_store` (the contact encrypted
apart from it). Every refusal is
counted (`abuse.count_rejection`) and nothing of it is stored. Every page is HTML in German or
English, also the errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from chalice.app import Response

from chalicelib import formtoken
from chalicelib.abuse import (
    RejectReason,
    client_address,
    client_pseudonym,
    count_rejection,
    honeypot_filled,
    within_limits,
)
from chalicelib.formtoken import FormTicket
from chalicelib.policy import FeedbackPolicy
from chalicelib.surveys import survey_for
from touchpoint.models.inputs import text_problem
from touchpoint.models.locations import Location, Touchpoint
from touchpoint.models.surveys import ResponseSubmission, Survey, SurveyStatus
from touchpoint.observability import logger
from touchpoint.qr.tokens import TouchpointRef, parse_token, verify_token
from touchpoint.respondent_form.answers import ParsedForm, parse_answers
from touchpoint.respondent_form.contact import ParsedContact, parse_contact
from touchpoint.respondent_form.render import (
    FORM_TOKEN_FIELD,
    HONEYPOT_FIELD,
    HTML_HEADERS,
    PageContext,
    form_page,
    message_page,
    thanks_page,
)
from touchpoint.respondent_form.texts import text
from touchpoint.runtime import Runtime
from touchpoint.storage.tenants import TenantNotFoundError
from touchpoint.surveys.errors import (
    AnswerValidationError,
    DuplicateResponseError,
    ResponseCompleteError,
    ResponseConflictError,
    SurveyNotActiveError,
    SurveyNotFoundError,
)
from touchpoint.surveys.service import SurveyService
from touchpoint.web.locale import LANGS, Lang, negotiate

MAX_FORM_BYTES = 32 * 1024
FUTURE_SKEW_MS = 60_000


@dataclass(frozen=True)
class FormRequest:
    """The parts of an HTTP request the form reads."""

    token: str
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    source_ip: str | None = None

    def header(self, name: str) -> str | None:
        """A header by case-insensitive name."""
        return next((v for k, v in self.headers.items() if k.lower() == name), None)


@dataclass(frozen=True)
class Resolved:
    """A verified QR token: the touchpoint, its store and the tenant's secret."""

    ref: TouchpointRef
    secret: str
    touchpoint: Touchpoint
    location: Location


def _html(status: int, body: str, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body=body, status_code=status, headers={**HTML_HEADERS, **(headers or {})})


def _language(request: FormRequest, default: str, survey: Survey | None = None) -> Lang:
    supported = [lang for lang in LANGS if survey is None or lang in survey.languages] or list(LANGS)
    query_lang = request.query.get("lang")
    if query_lang is None and request.body:
        # A posted form carries its language as a field too.
        query_lang = next(iter(parse_qs(_decode(request.body)).get("lang", [])), None)
    return negotiate(request.header("accept-language"), query_lang, default=default, supported=supported)


MAX_FORM_FIELDS = 200


def _decode(body: bytes) -> str:
    return body[:MAX_FORM_BYTES].decode("utf-8", errors="replace")


def read_fields(body: bytes | None) -> dict[str, list[str]] | None:
    """The fields of a submitted form, or None when it has too many or a field holds a NUL."""
    try:
        fields = parse_qs(_decode(body or b""), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError:  # more than MAX_FORM_FIELDS fields: a client error, not an outage
        return None
    texts = [*fields, *(v for values in fields.values() for v in values)]
    return None if any(text_problem(t) for t in texts) else fields


def resolve(runtime: Runtime, token: str) -> tuple[Resolved | None, RejectReason | None]:
    """The touchpoint of a valid token, or the reason it is refused (`bad_token`, `revoked_token`)."""
    parsed = parse_token(token)
    if parsed is None:
        return None, "bad_token"
    claimed, _ = parsed
    try:
        secret = runtime.tenants.get_form_secret(claimed.tenant_id)
    except TenantNotFoundError:
        return None, "bad_token"
    ref = verify_token(secret, token)
    if ref is None:
        return None, "bad_token"
    touchpoint = runtime.locations.get_touchpoint(ref.tenant_id, ref.location_id, ref.touchpoint_id)
    if touchpoint is None:
        return None, "bad_token"
    if touchpoint.revoked or touchpoint.token_version != ref.version:
        return None, "revoked_token"
    location = runtime.locations.get_location(ref.tenant_id, ref.location_id)
    if location is None:
        return None, "bad_token"
    return Resolved(ref, secret, touchpoint, location), None


def _not_found(request: FormRequest) -> Response:
    ctx = PageContext(_language(request, "de"))
    return _html(404, message_page(ctx, "not_found"))


def _active_survey(runtime: Runtime, resolved: Resolved) -> Survey | None:
    survey = survey_for(runtime, resolved.touchpoint)
    return survey if survey is not None and survey.status is SurveyStatus.ACTIVE else None


def show_form(runtime: Runtime, request: FormRequest, now: float) -> Response:
    """`GET /f/{token}`: the survey of the touchpoint, or a friendly 404 page."""
    try:
        resolved, _ = resolve(runtime, request.token)
        if resolved is None:
            return _not_found(request)
        survey = _active_survey(runtime, resolved)
        ctx = PageContext(
            _language(request, resolved.location.default_language, survey), resolved.location.name
        )
        if survey is None:
            return _html(410, message_page(ctx, "closed"))
        ticket = FormTicket(resolved.ref, int(now * 1000), formtoken.new_nonce())
        return _html(200, form_page(ctx, survey, formtoken.issue(resolved.secret, ticket)))
    except Exception:
        logger.exception("feedback form failed")
        return _html(503, message_page(PageContext(_language(request, "de")), "error"), {"Retry-After": "5"})


def submit_form(runtime: Runtime, request: FormRequest, policy: FeedbackPolicy, now: float) -> Response:
    """`POST /f/{token}`: check, store and thank; or refuse, count and explain."""
    try:
        return _submit(runtime, request, policy, now)
    except Exception:
        logger.exception("feedback submission failed")
        return _html(503, message_page(PageContext(_language(request, "de")), "error"), {"Retry-After": "5"})


def _refuse(
    reason: RejectReason, status: int, page: str, headers: Mapping[str, str] | None = None
) -> Response:
    count_rejection(reason)
    return _html(status, page, headers)


def _submit(runtime: Runtime, request: FormRequest, policy: FeedbackPolicy, now: float) -> Response:
    state = runtime.form_state
    retry_after = {"Retry-After": str(policy.window_seconds - int(now) % policy.window_seconds)}
    resolved, reason = resolve(runtime, request.token)
    if resolved is None:
        assert reason is not None
        return _refuse(reason, 404, message_page(PageContext(_language(request, "de")), "not_found"))
    ref = resolved.ref
    # The client's key is salted with the pepper and the (verified) tenant: never the address itself.
    client = client_pseudonym(
        client_address(request.headers, request.source_ip), ref.tenant_id, runtime.settings.key_pepper
    )
    if not within_limits(state, policy, "client", client, now):
        ctx = PageContext(_language(request, "de"))
        return _refuse("rate_limited_client", 429, message_page(ctx, "limited"), retry_after)
    survey = _active_survey(runtime, resolved)
    ctx = PageContext(_language(request, resolved.location.default_language, survey), resolved.location.name)
    touchpoint_key = f"{ref.tenant_id}#{ref.location_id}#{ref.touchpoint_id}"
    if not within_limits(state, policy, "token", touchpoint_key, now):
        return _refuse("rate_limited_token", 429, message_page(ctx, "limited"), retry_after)
    if survey is None:
        return _refuse("survey_closed", 410, message_page(ctx, "closed"))
    if request.body is not None and len(request.body) > MAX_FORM_BYTES:
        return _refuse("invalid_answer", 413, message_page(ctx, "refused", reload=True))
    fields = read_fields(request.body)
    if fields is None:
        return _refuse("invalid_answer", 400, message_page(ctx, "refused", reload=True))
    if honeypot_filled(fields, HONEYPOT_FIELD):
        return _refuse("honeypot", 400, message_page(ctx, "refused", reload=True))
    form_token = next(iter(fields.get(FORM_TOKEN_FIELD, [])), "")
    ticket = formtoken.verify(resolved.secret, form_token, ref)
    now_ms = int(now * 1000)
    if ticket is None or ticket.rendered_ms > now_ms + FUTURE_SKEW_MS:
        return _refuse("bad_form_token", 400, message_page(ctx, "refused", reload=True))
    if now_ms - ticket.rendered_ms > policy.form_max_age_seconds * 1000:
        return _refuse("expired_form", 400, message_page(ctx, "expired", reload=True))
    parsed = parse_answers(survey, fields, ctx.language)
    contact = parse_contact(fields, ctx.language)
    values = {**parsed.values, **contact.values}
    if now_ms - ticket.rendered_ms < policy.min_fill_seconds * 1000:
        page = form_page(ctx, survey, form_token, values=values, notice=text(ctx.language, "too_fast"))
        return _refuse("too_fast", 422, page)
    if parsed.errors or contact.error:
        page = form_page(
            ctx, survey, form_token, values=values, errors=parsed.errors, contact_error=contact.error
        )
        return _refuse("invalid_answer", 422, page)
    expires_at = (ticket.rendered_ms // 1000) + policy.form_max_age_seconds + 60
    if not state.consume_nonce(ref.tenant_id, ticket.nonce, expires_at, used_at=int(now)):
        return _refuse("double_submit", 409, message_page(ctx, "duplicate"))
    return _store(runtime, resolved, survey, ctx, ticket, parsed, contact, form_token)


def _store(
    runtime: Runtime,
    resolved: Resolved,
    survey: Survey,
    ctx: PageContext,
    ticket: FormTicket,
    parsed: ParsedForm,
    contact: ParsedContact,
    form_token: str,
) -> Response:
    """Store the answer as an `in_store` response (the nonce is released again if that fails)."""
    ref = resolved.ref
    submission = ResponseSubmission(
        answers=parsed.answers,
        channel="in_store",
        location_id=ref.location_id,
        touchpoint_id=ref.touchpoint_id,
        language=ctx.language,
        hidden={"touchpoint_kind": resolved.touchpoint.kind.value},
        complete=True,
        contact=contact.contact,
    )
    try:
        submitted = SurveyService(runtime).submit_response(
            ref.tenant_id, survey.survey_id, submission, response_id=f"qr{ticket.nonce}"
        )
    except (DuplicateResponseError, ResponseCompleteError, ResponseConflictError):
        return _refuse("double_submit", 409, message_page(ctx, "duplicate"))
    except AnswerValidationError as error:
        runtime.form_state.release_nonce(ref.tenant_id, ticket.nonce)
        errors = {
            e["field"].removeprefix("answers."): e["message"]
            if ctx.language == "en"
            else text(ctx.language, "error_invalid")
            for e in error.errors
            if e["field"].startswith("answers.") and survey.question(e["field"].removeprefix("answers."))
        }
        if not errors:
            return _refuse("invalid_answer", 400, message_page(ctx, "refused", reload=True))
        page = form_page(ctx, survey, form_token, values={**parsed.values, **contact.values}, errors=errors)
        return _refuse("invalid_answer", 422, page)
    except (SurveyNotFoundError, SurveyNotActiveError):
        runtime.form_state.release_nonce(ref.tenant_id, ticket.nonce)
        return _refuse("survey_closed", 410, message_page(ctx, "closed"))
    except Exception:
        runtime.form_state.release_nonce(ref.tenant_id, ticket.nonce)
        raise
    logger.info(
        "feedback stored",
        extra={
            "tenant_id": ref.tenant_id,
            "location_id": ref.location_id,
            "response_id": submitted.response_id,
        },
    )
    return _html(200, thanks_page(ctx, survey, submitted.coupon_code))
