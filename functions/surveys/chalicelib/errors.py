"""The survey service's errors as API errors (`{"code", "message", "field"}`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from touchpoint.surveys.errors import (
    AnswerValidationError,
    DuplicateResponseError,
    ResponseCompleteError,
    ResponseConflictError,
    ResponseNotFoundError,
    ResponseUnfinishedError,
    SurveyChangeError,
    SurveyError,
    SurveyExistsError,
    SurveyNotActiveError,
    SurveyNotFoundError,
    SurveyVersionConflictError,
)
from touchpoint.web.errors import ApiError, not_found


def to_api_error(error: SurveyError) -> ApiError:
    """The API error a service error stands for."""
    if isinstance(error, SurveyNotFoundError):
        return not_found("survey")
    if isinstance(error, ResponseNotFoundError):
        return not_found("response")
    if isinstance(error, AnswerValidationError):
        first = error.errors[0]
        return ApiError(
            400,
            "validation_error",
            f"{first['field']}: {first['message']}",
            field=first["field"],
            details=error.errors,
        )
    if isinstance(error, SurveyNotActiveError):
        return ApiError(409, "survey_not_active", str(error))
    if isinstance(error, DuplicateResponseError):
        return ApiError(409, "duplicate_response", str(error))
    if isinstance(error, ResponseCompleteError):
        return ApiError(409, "response_complete", str(error))
    if isinstance(error, ResponseConflictError):
        return ApiError(409, "response_conflict", error.message, field=error.field)
    if isinstance(error, ResponseUnfinishedError):
        # The client retries with PUT on the response's URL (also in Location) to finish it.
        location = f"/v1/surveys/{error.survey_id}/responses/{error.response_id}"
        return ApiError(
            503,
            "response_unfinished",
            str(error),
            field="responseId",
            headers={"Retry-After": "1", "Location": location},
        )
    if isinstance(error, SurveyExistsError):
        return ApiError(409, "survey_exists", str(error), field="surveyId")
    if isinstance(error, SurveyChangeError):
        return ApiError(409, "survey_change_not_allowed", error.message, field=error.field)
    if isinstance(error, SurveyVersionConflictError):
        return ApiError(409, "version_conflict", str(error), field="version")
    return ApiError(400, "invalid_request", str(error))


@contextmanager
def service_errors() -> Iterator[None]:
    """Turn survey service errors raised inside the block into API errors."""
    try:
        yield
    except SurveyError as error:
        raise to_api_error(error) from error
