"""The shared SurveyService as the QR feedback function calls it (no HTTP in between)."""

from __future__ import annotations

import pytest

from tests.conftest import TenantKeys
from tests.functional.surveys.support import lake_keys, stored_docs
from touchpoint.models.locations import TouchpointKind
from touchpoint.models.surveys import ResponseSubmission, SubmittedResponse, SurveyStatus
from touchpoint.runtime import Runtime
from touchpoint.surveys import (
    DEFAULT_IN_STORE_SURVEY_ID,
    AnswerValidationError,
    DuplicateResponseError,
    ResponseCompleteError,
    SurveyNotActiveError,
    SurveyNotFoundError,
    default_in_store_survey,
)
from touchpoint.surveys.service import SurveyService


def test_the_default_in_store_survey_is_created_and_activated_once(aws: Runtime, tenant: TenantKeys) -> None:
    service = SurveyService(aws)
    first = service.ensure_default_in_store_survey("acme", "en")
    assert first.survey_id == DEFAULT_IN_STORE_SURVEY_ID and first.status is SurveyStatus.ACTIVE
    assert first.default_language == "en"
    again = service.ensure_default_in_store_survey("acme")
    assert again.version == first.version and again.default_language == "en"
    assert service.get_survey("globex", DEFAULT_IN_STORE_SURVEY_ID) is None


def test_a_qr_feedback_submission_through_the_service(aws: Runtime, tenant: TenantKeys) -> None:
    aws.locations.create_location("acme", "berlin-mitte", "Berlin Mitte")
    aws.locations.create_touchpoint("acme", "berlin-mitte", "till-1", TouchpointKind.TILL, "Kasse 1")
    service = SurveyService(aws)
    survey = service.create_survey("acme", default_in_store_survey())
    service.activate("acme", survey.survey_id)
    submission = ResponseSubmission(
        answers={"csat": "2", "comment": "Lange Schlange an der Kasse, niemand hat geholfen."},
        channel="in_store",
        location_id="berlin-mitte",
        touchpoint_id="till-1",
        anonymous_id="device-7",
        language="de",
        hidden={"nonce": "n-1"},
    )
    result = service.submit_response("acme", survey.survey_id, submission, response_id="qr-form-0001")
    assert isinstance(result, SubmittedResponse)
    assert (result.response_id, result.complete, result.coupon_code) == ("qr-form-0001", True, None)
    [doc] = stored_docs(aws)
    assert doc["touchpoint_id"] == "till-1" and doc["answers"]["csat"] == 2
    assert doc["comments"][0]["sentiment"] == "negative"
    copy_key = next(k for k in lake_keys(aws) if k.startswith("responses/"))
    [copy] = aws.lake.read_jsonl(copy_key)
    assert copy["touchpointId"] == "till-1" and copy["channel"] == "in_store"
    assert copy["scores"] == [{"questionId": "csat", "kind": "csat", "value": 2}]

    with pytest.raises(ResponseCompleteError):
        service.submit_response("acme", survey.survey_id, submission, response_id="qr-form-0001")
    with pytest.raises(DuplicateResponseError) as duplicate:
        service.submit_response("acme", survey.survey_id, submission)
    assert duplicate.value.window_days == 30


def test_service_errors_carry_what_the_caller_needs(aws: Runtime, tenant: TenantKeys) -> None:
    service = SurveyService(aws)
    survey = service.create_survey("acme", default_in_store_survey())
    submission = ResponseSubmission(answers={"csat": 9}, channel="in_store")
    with pytest.raises(SurveyNotActiveError) as not_active:
        service.submit_response("acme", survey.survey_id, submission)
    assert not_active.value.status == "draft"
    with pytest.raises(SurveyNotFoundError):
        service.submit_response("globex", survey.survey_id, submission)
    service.activate("acme", survey.survey_id)
    with pytest.raises(AnswerValidationError) as invalid:
        service.submit_response("acme", survey.survey_id, submission)
    assert invalid.value.errors == [
        {"field": "answers.csat", "message": "question 'csat' (csat) takes a whole number from 1 to 5, got 9"}
    ]
    with pytest.raises(AnswerValidationError) as missing:
        service.submit_response("acme", survey.survey_id, ResponseSubmission(answers={}, channel="in_store"))
    assert missing.value.errors == [
        {"field": "answers.csat", "message": "question 'csat' (csat) is required"}
    ]
    assert stored_docs(aws) == [] and lake_keys(aws) == []


def test_an_erased_persons_new_answer_is_stored_without_their_ids(aws: Runtime, tenant: TenantKeys) -> None:
    from datetime import UTC, datetime

    aws.identity.suppress("acme", ["erased-user", "erased-device"], erasure_id="er-1", at=datetime.now(UTC))
    service = SurveyService(aws)
    survey = service.create_survey("acme", default_in_store_survey())
    service.activate("acme", survey.survey_id)
    submission = ResponseSubmission(
        answers={"csat": "4"},
        channel="web",
        user_id="erased-user",
        anonymous_id="erased-device",
        language="de",
    )
    result = service.submit_response("acme", survey.survey_id, submission)
    assert result.complete
    [doc] = stored_docs(aws)
    assert "erased-user" not in repr(doc)
    assert "erased-device" not in repr(doc)
    # no Survey Responded event for the person's timeline either: the response has no id
    assert not [k for k in lake_keys(aws) if k.startswith("raw/events/")]
