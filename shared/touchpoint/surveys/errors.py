"""Errors of the survey service (the HTTP layers map them to 4xx responses)."""

from __future__ import annotations


class SurveyError(Exception):
    """Base class of the survey service's errors."""


class SurveyNotFoundError(SurveyError):
    """No survey with that id for this tenant (another tenant's ids are indistinguishable)."""

    def __init__(self, survey_id: str) -> None:
        super().__init__(f"survey '{survey_id}' not found")
        self.survey_id = survey_id


class SurveyNotActiveError(SurveyError):
    """The survey is a draft or closed and takes no responses."""

    def __init__(self, survey_id: str, status: str) -> None:
        super().__init__(f"survey '{survey_id}' is {status} and does not accept responses")
        self.survey_id = survey_id
        self.status = status


class SurveyExistsError(SurveyError):
    """A survey with that id exists already."""

    def __init__(self, survey_id: str) -> None:
        super().__init__(f"a survey with id '{survey_id}' exists already")
        self.survey_id = survey_id


class SurveyChangeError(SurveyError):
    """The change is not allowed in the survey's state (e.g. retyping a question of an active survey)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class SurveyVersionConflictError(SurveyError):
    """The survey was changed by someone else since it was read."""

    def __init__(self, survey_id: str) -> None:
        super().__init__(f"survey '{survey_id}' was changed concurrently; read it again and retry")
        self.survey_id = survey_id


class AnswerValidationError(SurveyError):
    """The answers break the survey's rules; `errors` lists every problem.

    Each error is `{"field": "answers.<question_id>", "message": "..."}` (or a top-level field such
    as `channel`), with a message naming the question and the rule.
    """

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


class DuplicateResponseError(SurveyError):
    """The respondent already answered this survey inside the tenant's repeat window."""

    def __init__(self, survey_id: str, window_days: int) -> None:
        super().__init__(
            f"this respondent already answered survey '{survey_id}' within the last {window_days} days"
        )
        self.survey_id = survey_id
        self.window_days = window_days


class ResponseNotFoundError(SurveyError):
    """No response with that id in this survey."""

    def __init__(self, response_id: str) -> None:
        super().__init__(f"response '{response_id}' not found")
        self.response_id = response_id


class ResponseCompleteError(SurveyError):
    """The response is complete already and cannot be changed."""

    def __init__(self, response_id: str) -> None:
        super().__init__(f"response '{response_id}' is complete already and cannot be changed")
        self.response_id = response_id


class ResponseConflictError(SurveyError):
    """The response changed concurrently, or its respondent does not match the partial response."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ResponseUnfinishedError(SurveyError):
    """The response is stored, but its coupon or lake copy failed; retrying its id finishes it."""

    def __init__(self, survey_id: str, response_id: str) -> None:
        super().__init__(
            f"response '{response_id}' was stored but could not be finished; "
            f"retry with PUT /v1/surveys/{survey_id}/responses/{response_id}"
        )
        self.survey_id = survey_id
        self.response_id = response_id
