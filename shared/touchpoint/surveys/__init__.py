"""Survey collection shared by the surveys and feedback functions: definitions and responses."""

from touchpoint.surveys.definitions import DEFAULT_IN_STORE_SURVEY_ID, default_in_store_survey
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

__all__ = [
    "DEFAULT_IN_STORE_SURVEY_ID",
    "AnswerValidationError",
    "DuplicateResponseError",
    "ResponseCompleteError",
    "ResponseConflictError",
    "ResponseNotFoundError",
    "ResponseUnfinishedError",
    "SurveyChangeError",
    "SurveyError",
    "SurveyExistsError",
    "SurveyNotActiveError",
    "SurveyNotFoundError",
    "SurveyVersionConflictError",
    "default_in_store_survey",
]
