"""Checking answers against a survey: type, range, required, choice options and follow-up logic.

Every problem is reported (not only the first), each as `{"field": "answers.<question_id>",
"message": ...}` with a message naming the question and the rule it breaks. A `None` value, an
empty string and an empty list mean "not answered".
"""

from __future__ import annotations

from typing import Any

from touchpoint.models.inputs import ascii_int
from touchpoint.models.surveys import SCORE_KINDS, Question, QuestionKind, Survey

FieldError = dict[str, str]


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _whole_number(value: Any) -> int | None:
    """The integer a JSON or form value stands for (`7`, `7.0`, `"7"`), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return ascii_int(value)  # ASCII digits only: "²".isdigit() is True, int("²") fails
    return None


def _label(question: Question) -> str:
    return f"question '{question.id}' ({question.kind.value})"


def _check_score(question: Question, value: Any) -> tuple[int | None, str | None]:
    low, high = question.scale
    number = _whole_number(value)
    if number is None or not low <= number <= high:
        return None, f"{_label(question)} takes a whole number from {low} to {high}, got {value!r}"
    return number, None


def _check_single(question: Question, value: Any) -> tuple[str | None, str | None]:
    options = question.option_ids
    if not isinstance(value, str) or value not in options:
        return None, f"{_label(question)} takes one of {', '.join(options)}, got {value!r}"
    return value, None


def _check_multi(question: Question, value: Any) -> tuple[list[str] | None, str | None]:
    options = question.option_ids
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None, f"{_label(question)} takes a list of option ids ({', '.join(options)}), got {value!r}"
    unknown = [v for v in value if v not in options]
    if unknown:
        return None, f"{_label(question)} has no option {unknown[0]!r}; options are {', '.join(options)}"
    if len(set(value)) != len(value):
        return None, f"{_label(question)} lists an option more than once"
    least, most = question.choice_bounds
    if len(value) < least:
        return None, f"{_label(question)} needs at least {least} choices, got {len(value)}"
    if len(value) > most:
        return None, f"{_label(question)} allows at most {most} choices, got {len(value)}"
    return [o for o in options if o in value], None  # option order, not click order


def _check_text(question: Question, value: Any) -> tuple[str | None, str | None]:
    if not isinstance(value, str):
        return None, f"{_label(question)} takes text, got {type(value).__name__}"
    text = value.strip()
    if len(text) > question.max_length:
        return None, f"{_label(question)} allows at most {question.max_length} characters, got {len(text)}"
    return text, None


def _check_value(question: Question, value: Any) -> tuple[Any, str | None]:
    if question.kind in SCORE_KINDS:
        return _check_score(question, value)
    if question.kind is QuestionKind.SINGLE_CHOICE:
        return _check_single(question, value)
    if question.kind is QuestionKind.MULTI_CHOICE:
        return _check_multi(question, value)
    return _check_text(question, value)


def is_asked(question: Question, answers: dict[str, Any]) -> bool:
    """Whether the follow-up logic asks the question, given the (already valid) answers."""
    condition = question.show_if
    if condition is None:
        return True
    score = answers.get(condition.question_id)
    return isinstance(score, int) and condition.min <= score <= condition.max


def validate_answers(
    survey: Survey, answers: dict[str, Any], *, complete: bool
) -> tuple[dict[str, Any], list[FieldError]]:
    """Normalised answers (blank ones dropped) and every problem found.

    Required questions are enforced only when `complete`; a partial response may leave them out.
    A question the follow-up logic does not ask must not be answered, and is not required.
    """
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    known = {q.id for q in survey.questions}
    for question_id in answers:
        if question_id not in known:
            errors.append(
                {
                    "field": f"answers.{question_id}",
                    "message": f"question '{question_id}' is not part of survey '{survey.survey_id}'",
                }
            )
    for question in survey.questions:
        value = answers.get(question.id)
        if _is_blank(value):
            continue
        normal, problem = _check_value(question, value)
        if problem is not None:
            errors.append({"field": f"answers.{question.id}", "message": problem})
        else:
            clean[question.id] = normal
    failed = {e["field"] for e in errors}
    for question in survey.questions:
        field = f"answers.{question.id}"
        condition = question.show_if
        if field in failed or (condition is not None and f"answers.{condition.question_id}" in failed):
            continue
        asked = is_asked(question, clean)
        if question.id in clean and not asked and condition is not None:
            errors.append(
                {
                    "field": field,
                    "message": (
                        f"{_label(question)} is only asked when '{condition.question_id}' is "
                        f"between {condition.min} and {condition.max}"
                    ),
                }
            )
        elif complete and question.required and asked and question.id not in clean:
            errors.append({"field": field, "message": f"{_label(question)} is required"})
    return clean, errors
