"""The survey service: definitions, and responses from every channel (API, e-mail pages, QR forms).

A submission is validated against the survey, its free text masked and analysed, and then stored
in one DynamoDB transaction together with the respondent's repeat-window guard. After that, for a
complete response, the thank-you coupon is claimed (once per respondent), and the lake copy and
the `Survey Responded` event are written; the response item records when that is done
(`lake_written`). Should a step after the transaction fail, retrying the same response id
finishes the missing steps instead of storing anything twice.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from touchpoint.loop.hooks import after_answer
from touchpoint.models.surveys import (
    CHANNELS,
    RESPONSE_ID_PATTERN,
    SCORE_KINDS,
    ResponseSubmission,
    Score,
    StoredIncentive,
    StoredResponse,
    SubmittedResponse,
    Survey,
    SurveyDefinition,
    SurveyStatus,
    iso_utc,
)
from touchpoint.models.tenants import TenantConfig
from touchpoint.observability import logger
from touchpoint.storage.coupons import PoolStats
from touchpoint.storage.responses import (
    RespondentGuardError,
    ResponseChangedError,
    ResponseIdTakenError,
    respondent_keys,
)
from touchpoint.storage.surveys import StaleSurveyError, SurveyItemExistsError
from touchpoint.surveys.coupons import generate_code
from touchpoint.surveys.definitions import (
    DEFAULT_IN_STORE_SURVEY_ID,
    check_transition,
    check_update,
    default_in_store_survey,
    target_status,
)
from touchpoint.surveys.errors import (
    AnswerValidationError,
    DuplicateResponseError,
    ResponseCompleteError,
    ResponseConflictError,
    ResponseNotFoundError,
    ResponseUnfinishedError,
    SurveyExistsError,
    SurveyNotActiveError,
    SurveyNotFoundError,
    SurveyVersionConflictError,
)
from touchpoint.surveys.lake_copy import (
    lake_record,
    needs_event,
    response_lake_key,
    survey_event,
    survey_event_key,
)
from touchpoint.surveys.merge import merge_submission
from touchpoint.surveys.validation import validate_answers

if TYPE_CHECKING:
    from touchpoint.runtime import Runtime

_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_RESPONSE_ID_RE = re.compile(RESPONSE_ID_PATTERN)


def utc_now() -> datetime:
    """The current time (tests replace this function to travel in time)."""
    return datetime.now(UTC)


def _base32(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rest = divmod(number, 32)
        chars.append(_ID_ALPHABET[rest])
    return "".join(reversed(chars))


def new_response_id(now: datetime) -> str:
    """A new response id: `r` + time (ms, so ids sort by creation) + 80 random bits."""
    return "r" + _base32(int(now.timestamp() * 1000), 10) + _base32(secrets.randbits(80), 16)


def new_survey_id() -> str:
    """A new survey id such as `s7k2m9x4q1c8`."""
    return "s" + _base32(secrets.randbits(60), 12)


class SurveyService:
    """Survey definitions and their responses for every tenant."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    # --- definitions -------------------------------------------------------------------------

    def create_survey(self, tenant_id: str, definition: SurveyDefinition) -> Survey:
        """Store a new draft survey (SurveyExistsError when its chosen id is taken)."""
        now = utc_now()
        survey = self._survey_from(tenant_id, definition.survey_id or new_survey_id(), definition, now, now)
        try:
            self._runtime.surveys.create(survey)
        except SurveyItemExistsError:
            raise SurveyExistsError(survey.survey_id) from None
        if (
            definition.incentive is not None
            and definition.incentive.kind == "pool"
            and definition.incentive.codes
        ):
            self._runtime.coupons.add_codes(tenant_id, survey.survey_id, definition.incentive.codes)
        return survey

    @staticmethod
    def _survey_from(
        tenant_id: str,
        survey_id: str,
        definition: SurveyDefinition,
        created_at: datetime,
        updated_at: datetime,
    ) -> Survey:
        incentive = definition.incentive
        return Survey(
            tenant_id=tenant_id,
            survey_id=survey_id,
            name=definition.name,
            default_language=definition.default_language,
            title=definition.title,
            thank_you=definition.thank_you,
            questions=definition.questions,
            incentive=None
            if incentive is None
            else StoredIncentive(kind=incentive.kind, pattern=incentive.pattern, note=incentive.note),
            created_at=created_at,
            updated_at=updated_at,
        )

    def get_survey(self, tenant_id: str, survey_id: str) -> Survey | None:
        """The tenant's survey, or None."""
        return self._runtime.surveys.get(tenant_id, survey_id)

    def require_survey(self, tenant_id: str, survey_id: str) -> Survey:
        """The tenant's survey (SurveyNotFoundError when it has none of that id)."""
        survey = self.get_survey(tenant_id, survey_id)
        if survey is None:
            raise SurveyNotFoundError(survey_id)
        return survey

    def list_surveys(self, tenant_id: str, status: SurveyStatus | None = None) -> list[Survey]:
        """The tenant's surveys (optionally of one status), newest first."""
        surveys = self._runtime.surveys.list(tenant_id)
        if status is not None:
            surveys = [s for s in surveys if s.status is status]
        return sorted(surveys, key=lambda s: (s.created_at, s.survey_id), reverse=True)

    def update_survey(
        self,
        tenant_id: str,
        survey_id: str,
        definition: SurveyDefinition,
        *,
        expected_version: int | None = None,
    ) -> Survey:
        """Replace a survey's definition within the rules of its status (see `definitions`)."""
        current = self.require_survey(tenant_id, survey_id)
        if expected_version is not None and expected_version != current.version:
            raise SurveyVersionConflictError(survey_id)
        check_update(current, definition)
        updated = self._survey_from(tenant_id, survey_id, definition, current.created_at, utc_now())
        updated = updated.model_copy(
            update={
                "status": current.status,
                "version": current.version + 1,
                "activated_at": current.activated_at,
                "closed_at": current.closed_at,
            }
        )
        if (
            definition.incentive is not None
            and definition.incentive.kind == "pool"
            and definition.incentive.codes
        ):
            self._runtime.coupons.add_codes(tenant_id, survey_id, definition.incentive.codes)
        self._replace(updated, current.version)
        return updated

    def _replace(self, survey: Survey, expected_version: int) -> None:
        try:
            self._runtime.surveys.replace(survey, expected_version)
        except StaleSurveyError:
            raise SurveyVersionConflictError(survey.survey_id) from None

    def activate(self, tenant_id: str, survey_id: str) -> Survey:
        """Start taking responses (from draft, or again after closing)."""
        return self._transition(tenant_id, survey_id, "activate")

    def close(self, tenant_id: str, survey_id: str) -> Survey:
        """Stop taking responses."""
        return self._transition(tenant_id, survey_id, "close")

    def _transition(self, tenant_id: str, survey_id: str, action: str) -> Survey:
        current = self.require_survey(tenant_id, survey_id)
        check_transition(current, action)
        status = target_status(action)
        if current.status is status:
            return current
        now = utc_now()
        stamp = {"activated_at": now} if status is SurveyStatus.ACTIVE else {"closed_at": now}
        updated = current.model_copy(
            update={"status": status, "version": current.version + 1, "updated_at": now, **stamp}
        )
        self._replace(updated, current.version)
        return updated

    def coupon_stats(self, tenant_id: str, survey_id: str) -> PoolStats:
        """Size and issued count of the survey's coupon pool."""
        return self._runtime.coupons.stats(tenant_id, survey_id)

    def ensure_default_in_store_survey(self, tenant_id: str, language_default: str = "de") -> Survey:
        """The tenant's active default in-store survey, created and activated on first use."""
        survey = self.get_survey(tenant_id, DEFAULT_IN_STORE_SURVEY_ID)
        if survey is None:
            try:
                survey = self.create_survey(tenant_id, default_in_store_survey(language_default))
            except SurveyExistsError:
                survey = self.require_survey(tenant_id, DEFAULT_IN_STORE_SURVEY_ID)
        if survey.status is not SurveyStatus.ACTIVE:
            try:
                survey = self.activate(tenant_id, survey.survey_id)
            except SurveyVersionConflictError:
                survey = self.require_survey(tenant_id, survey.survey_id)
        return survey

    # --- responses ---------------------------------------------------------------------------

    def _tenant_config(self, tenant_id: str) -> TenantConfig:
        tenant = self._runtime.tenants.get_tenant(tenant_id)
        return TenantConfig() if tenant is None else tenant.config

    def get_response(self, tenant_id: str, survey_id: str, response_id: str) -> StoredResponse | None:
        """One stored response, or None."""
        return self._runtime.responses.get(tenant_id, survey_id, response_id)

    def _without_suppressed_ids(self, tenant_id: str, submission: ResponseSubmission) -> ResponseSubmission:
        """Drop ids on the erasure suppression list: an erased person's new answer is kept anonymous."""
        ids = [i for i in (submission.user_id, submission.anonymous_id) if i]
        if not ids:
            return submission
        suppressed = self._runtime.identity.is_suppressed(tenant_id, ids)
        if not suppressed:
            return submission
        return submission.model_copy(
            update={
                "user_id": None if submission.user_id in suppressed else submission.user_id,
                "anonymous_id": None if submission.anonymous_id in suppressed else submission.anonymous_id,
            }
        )

    def submit_response(
        self,
        tenant_id: str,
        survey_id: str,
        submission: ResponseSubmission,
        *,
        response_id: str | None = None,
        must_exist: bool = False,
    ) -> SubmittedResponse:
        """Validate and store a response; complete a partial one when `response_id` names it.

        With `response_id` of no stored response, a new response gets that id (unless
        `must_exist`, then ResponseNotFoundError). Raises SurveyNotFoundError,
        SurveyNotActiveError, AnswerValidationError, DuplicateResponseError,
        ResponseCompleteError or ResponseConflictError.
        """
        survey = self.require_survey(tenant_id, survey_id)
        if survey.status is not SurveyStatus.ACTIVE:
            raise SurveyNotActiveError(survey_id, survey.status.value)
        submission = self._without_suppressed_ids(tenant_id, submission)
        existing: StoredResponse | None = None
        if response_id is not None:
            if not _RESPONSE_ID_RE.match(response_id):
                raise AnswerValidationError(
                    [{"field": "responseId", "message": "a response id has 8-64 letters, digits, '-' or '_'"}]
                )
            existing = self._runtime.responses.get(tenant_id, survey_id, response_id)
            if existing is None and must_exist:
                raise ResponseNotFoundError(response_id)
        config = self._tenant_config(tenant_id)
        if existing is not None and existing.complete:
            if not existing.lake_written:  # an earlier completion stopped half-way: finish it
                try:
                    return self._finish(survey, existing, config, submission)
                except (ClientError, BotoCoreError) as error:
                    raise ResponseUnfinishedError(survey_id, existing.response_id) from error
            raise ResponseCompleteError(existing.response_id)
        now = utc_now()
        response = self._build(
            survey, submission, existing, response_id or new_response_id(now), now, tenant_id
        )
        respondents = respondent_keys(response.user_id, response.anonymous_id)
        window = config.survey_repeat_window_days
        try:
            self._runtime.responses.save(
                response,
                previous_submitted_at=None if existing is None else existing.submitted_at,
                guard_respondents=respondents,
                window_start=now - timedelta(days=window) if window > 0 and respondents else None,
                expires_at=_expiry(now, config),
            )
        except RespondentGuardError:
            raise DuplicateResponseError(survey_id, window) from None
        except ResponseIdTakenError:
            raise ResponseConflictError(
                f"a response with id '{response.response_id}' exists already"
            ) from None
        except ResponseChangedError:
            raise ResponseConflictError(
                f"response '{response.response_id}' was changed concurrently; retry"
            ) from None
        try:
            return self._finish(survey, response, config, submission)
        except (ClientError, BotoCoreError) as error:
            logger.exception("response stored but not finished", extra={"response_id": response.response_id})
            raise ResponseUnfinishedError(survey_id, response.response_id) from error

    def _build(
        self,
        survey: Survey,
        submission: ResponseSubmission,
        existing: StoredResponse | None,
        response_id: str,
        now: datetime,
        tenant_id: str,
    ) -> StoredResponse:
        merged = merge_submission(submission, existing)
        channel, language, location_id = merged.channel, merged.language, merged.location_id
        errors: list[dict[str, str]] = []
        if channel is None:
            errors.append(
                {"field": "channel", "message": f"channel is required: one of {', '.join(CHANNELS)}"}
            )
        language = language or survey.default_language
        if language not in survey.languages:
            errors.append(
                {
                    "field": "language",
                    "message": f"survey '{survey.survey_id}' is written in {', '.join(survey.languages)}, "
                    f"not '{language}'",
                }
            )
        errors += self._place_errors(tenant_id, location_id, merged.touchpoint_id, existing)
        clean, answer_errors = validate_answers(survey, merged.answers, complete=submission.complete)
        errors += answer_errors
        if errors:
            raise AnswerValidationError(errors)
        assert channel is not None
        # imported here: the comment analysis (word lists, classifier) is needed by answers only
        from touchpoint.surveys.comment_analysis import analyze_text_answers

        masked, comments = analyze_text_answers(survey, clean, language, self._runtime.sentiment_engine)
        scores = [
            Score(question_id=q.id, kind=q.kind.value, value=clean[q.id])
            for q in survey.questions
            if q.kind in SCORE_KINDS and q.id in clean
        ]
        return StoredResponse(
            tenant_id=tenant_id,
            survey_id=survey.survey_id,
            response_id=response_id,
            complete=submission.complete,
            channel=channel,
            user_id=merged.user_id,
            anonymous_id=merged.anonymous_id,
            location_id=location_id,
            touchpoint_id=merged.touchpoint_id,
            language=language,
            hidden=merged.hidden,
            answers=masked,
            scores=scores,
            comments=comments,
            started_at=now if existing is None else existing.started_at,
            submitted_at=now,
            completed_at=now if submission.complete else None,
            lake_key=None if existing is None else existing.lake_key,
            survey_version=survey.version,
        )

    def _place_errors(
        self,
        tenant_id: str,
        location_id: str | None,
        touchpoint_id: str | None,
        existing: StoredResponse | None,
    ) -> list[dict[str, str]]:
        """Problems with the store and touchpoint a response names: each must be the tenant's own,
        the touchpoint one of that store's and not revoked (400 like any invalid answer)."""
        kept = existing is not None and (existing.location_id, existing.touchpoint_id) == (
            location_id,
            touchpoint_id,
        )
        if kept:  # both kept from the partial response being completed: checked when it was stored
            return []
        locations = self._runtime.locations
        if location_id and not locations.get_location(tenant_id, location_id):
            return [{"field": "locationId", "message": f"'{location_id}' is not a store of this tenant"}]
        if not touchpoint_id:
            return []
        if not location_id:
            message = f"'{touchpoint_id}' cannot be checked without the locationId of its store"
            return [{"field": "touchpointId", "message": message}]
        touchpoint = locations.get_touchpoint(tenant_id, location_id, touchpoint_id)
        if touchpoint is None or touchpoint.revoked:
            message = f"'{touchpoint_id}' is not an active touchpoint of store '{location_id}'"
            return [{"field": "touchpointId", "message": message}]
        return []

    def _finish(
        self, survey: Survey, response: StoredResponse, config: TenantConfig, submission: ResponseSubmission
    ) -> SubmittedResponse:
        if submission.contact is not None:  # encrypted, apart from the response (touchpoint.storage.contacts)
            details = submission.contact.details(response.language)
            expires_at = _expiry(response.submitted_at, config)
            self._runtime.contacts.save(response.tenant_id, response, details, expires_at=expires_at)
        coupon = response.coupon_code
        if response.complete and survey.incentive is not None and coupon is None:
            coupon = self._issue_coupon(survey, response, config)
        lake = self._runtime.lake
        key = response_lake_key(response)
        lake.put_jsonl(key, [lake_record(response)])
        if response.lake_key and response.lake_key != key:
            lake.delete(response.lake_key)  # the partial copy was filed under another day
        if needs_event(response):
            lake.put_jsonl(survey_event_key(response), [survey_event(response)])
        done = response.model_copy(update={"coupon_code": coupon, "lake_key": key, "lake_written": True})
        self._runtime.responses.finish(done)
        after_answer(self._runtime, survey, done)  # cases and notifications (touchpoint.loop)
        return SubmittedResponse(
            response_id=done.response_id,
            survey_id=done.survey_id,
            complete=done.complete,
            coupon_code=coupon,
            submitted_at=done.submitted_at,
        )

    def _issue_coupon(self, survey: Survey, response: StoredResponse, config: TenantConfig) -> str | None:
        incentive = survey.incentive
        assert incentive is not None
        respondents = respondent_keys(response.user_id, response.anonymous_id) or [
            f"response:{response.response_id}"
        ]
        issued_at = iso_utc(response.submitted_at)
        expires_at = _expiry(response.submitted_at, config)
        coupons = self._runtime.coupons
        if incentive.kind == "pool":
            code = coupons.claim_from_pool(
                response.tenant_id,
                survey.survey_id,
                respondents,
                response.response_id,
                issued_at=issued_at,
                expires_at=expires_at,
            )
            if code is None:
                logger.info(
                    "no coupon issued", extra={"survey_id": survey.survey_id, "reason": "taken or pool empty"}
                )
            return code
        assert incentive.pattern is not None
        return coupons.claim_generated(
            response.tenant_id,
            survey.survey_id,
            respondents,
            response.response_id,
            generate_code(incentive.pattern),
            issued_at=issued_at,
            expires_at=expires_at,
        )


def _expiry(moment: datetime, config: TenantConfig) -> int:
    """TTL (epoch seconds) of response items: the tenant's response retention after `moment`."""
    return int((moment + timedelta(days=config.retention_days_responses)).timestamp())
