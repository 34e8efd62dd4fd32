"""Survey lifecycle rules and the default in-store survey.

Status: `draft` (editable, takes no responses) -> `active` (takes responses) -> `closed` (takes
none); a closed survey may be activated again. A draft may change in any way. An active survey
may change texts, `required` flags, follow-up logic and the incentive, and may gain optional
questions and options, but its existing questions keep their id, kind, scale and options, so that
the answers already stored keep their meaning. A closed survey cannot be edited.
"""

from __future__ import annotations

from touchpoint.models.surveys import Question, QuestionKind, Survey, SurveyDefinition, SurveyStatus
from touchpoint.surveys.errors import SurveyChangeError

DEFAULT_IN_STORE_SURVEY_ID = "in-store-default"

_TRANSITIONS: dict[str, set[SurveyStatus]] = {
    "activate": {SurveyStatus.DRAFT, SurveyStatus.CLOSED, SurveyStatus.ACTIVE},
    "close": {SurveyStatus.DRAFT, SurveyStatus.ACTIVE, SurveyStatus.CLOSED},
}


def target_status(action: str) -> SurveyStatus:
    """The status an action (`activate` or `close`) leads to."""
    return SurveyStatus.ACTIVE if action == "activate" else SurveyStatus.CLOSED


def check_transition(survey: Survey, action: str) -> None:
    """Raise SurveyChangeError when `action` is not allowed from the survey's status."""
    if survey.status not in _TRANSITIONS[action]:
        raise SurveyChangeError(f"survey '{survey.survey_id}' cannot {action} while {survey.status.value}")


def _same_shape(old: Question, new: Question) -> str | None:
    if new.kind is not old.kind:
        return f"question '{old.id}' is {old.kind.value} and cannot become {new.kind.value} while the survey is active"
    if new.scale != old.scale:
        return f"question '{old.id}' keeps its scale {old.scale[0]}-{old.scale[1]} while the survey is active"
    removed = [o for o in old.option_ids if o not in new.option_ids]
    if removed:
        return f"question '{old.id}' keeps its option '{removed[0]}' while the survey is active"
    return None


def check_update(current: Survey, new: SurveyDefinition) -> None:
    """Raise SurveyChangeError when `new` may not replace the current survey's definition."""
    if new.survey_id is not None and new.survey_id != current.survey_id:
        raise SurveyChangeError("surveyId cannot change", field="surveyId")
    if current.status is SurveyStatus.CLOSED:
        raise SurveyChangeError(f"survey '{current.survey_id}' is closed; activate it again to change it")
    if current.status is SurveyStatus.DRAFT:
        return
    new_questions = {q.id: q for q in new.questions}
    for index, old in enumerate(current.questions):
        replacement = new_questions.get(old.id)
        if replacement is None:
            raise SurveyChangeError(
                f"question '{old.id}' cannot be removed while the survey is active",
                field=f"questions.{index}",
            )
        problem = _same_shape(old, replacement)
        if problem:
            raise SurveyChangeError(problem, field=f"questions.{index}")
    known = {q.id for q in current.questions}
    for index, question in enumerate(new.questions):
        if question.id not in known and question.required:
            raise SurveyChangeError(
                f"question '{question.id}' is new and must be optional while the survey is active",
                field=f"questions.{index}",
            )
    if (
        current.incentive is not None
        and new.incentive is not None
        and new.incentive.kind != current.incentive.kind
    ):
        raise SurveyChangeError(
            "the incentive cannot switch between pool and pattern while the survey is active"
        )


def default_in_store_survey(language_default: str = "de") -> SurveyDefinition:
    """The survey a QR touchpoint uses when none is bound: one CSAT question and an optional comment."""
    return SurveyDefinition.model_validate(
        {
            "surveyId": DEFAULT_IN_STORE_SURVEY_ID,
            "name": "In-store feedback",
            "defaultLanguage": language_default,
            "title": {"de": "Ihre Meinung zählt", "en": "Your opinion counts"},
            "thankYou": {"de": "Vielen Dank für Ihr Feedback!", "en": "Thank you for your feedback!"},
            "questions": [
                {
                    "id": "csat",
                    "kind": QuestionKind.CSAT.value,
                    "required": True,
                    "text": {
                        "de": "Wie zufrieden waren Sie heute mit Ihrem Besuch?",
                        "en": "How satisfied were you with your visit today?",
                    },
                },
                {
                    "id": "comment",
                    "kind": QuestionKind.TEXT.value,
                    "required": False,
                    "maxLength": 1000,
                    "text": {
                        "de": "Möchten Sie uns noch etwas mitteilen?",
                        "en": "Is there anything else you would like to tell us?",
                    },
                },
            ],
        }
    )
