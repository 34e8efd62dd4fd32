"""Read a posted form into survey answers, with an error in the respondent's language per field.

HTML forms send strings; this turns them into the values the survey service takes (whole numbers
for scores, option ids for choices, text for comments) and catches the mistakes a person makes
(no rating chosen, a comment too long) with a message to show next to the field. The survey
service checks the answers again on submission.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from touchpoint.models.surveys import SCORE_KINDS, Question, QuestionKind, Survey
from touchpoint.respondent_form.texts import text


def field_name(question: Question) -> str:
    """The form field of a question."""
    return f"q_{question.id}"


@dataclass
class ParsedForm:
    """The answers read from a form, the errors by question id and the raw values to show again."""

    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, list[str]] = field(default_factory=dict)


def is_asked(question: Question, answers: Mapping[str, Any]) -> bool:
    """False when the question's `showIf` condition is not met by the earlier answers."""
    condition = question.show_if
    if condition is None:
        return True
    source = answers.get(condition.question_id)
    return isinstance(source, int) and condition.min <= source <= condition.max


def _score(question: Question, raw: str, language: str) -> tuple[int | None, str | None]:
    low, high = question.scale
    if not raw:
        return None, text(language, "error_choose", low=low, high=high) if question.required else None
    try:
        value = int(raw)
    except ValueError:
        return None, text(language, "error_choose", low=low, high=high)
    if not low <= value <= high:
        return None, text(language, "error_choose", low=low, high=high)
    return value, None


def _single(question: Question, raw: str, language: str) -> tuple[str | None, str | None]:
    if not raw:
        return None, text(language, "error_option") if question.required else None
    if raw not in question.option_ids:
        return None, text(language, "error_option")
    return raw, None


def _multi(question: Question, raws: Sequence[str], language: str) -> tuple[list[str] | None, str | None]:
    chosen = [r for r in dict.fromkeys(raws) if r]
    least, most = question.choice_bounds
    if not chosen and not question.required and least == 0:
        return None, None
    if any(c not in question.option_ids for c in chosen) or not least <= len(chosen) <= most:
        return None, text(language, "error_choices", low=max(least, 1), high=most)
    return chosen, None


def _text(question: Question, raw: str, language: str) -> tuple[str | None, str | None]:
    value = raw.strip()
    if not value:
        return None, text(language, "error_text_required") if question.required else None
    if len(value) > question.max_length:
        return None, text(language, "error_too_long", max=question.max_length, length=len(value))
    return value, None


def parse_answers(survey: Survey, fields: Mapping[str, Sequence[str]], language: str) -> ParsedForm:
    """Read every question's field; unasked conditional questions are dropped without error."""
    parsed = ParsedForm()
    for question in survey.questions:
        name = field_name(question)
        raws = [v for v in fields.get(name, []) if isinstance(v, str)]
        parsed.values[name] = raws
        if not is_asked(question, parsed.answers):
            continue
        first = raws[0] if raws else ""
        value: Any
        if question.kind in SCORE_KINDS:
            value, error = _score(question, first.strip(), language)
        elif question.kind is QuestionKind.SINGLE_CHOICE:
            value, error = _single(question, first.strip(), language)
        elif question.kind is QuestionKind.MULTI_CHOICE:
            value, error = _multi(question, raws, language)
        else:
            value, error = _text(question, first, language)
        if error is not None:
            parsed.errors[question.id] = error
        elif value is not None:
            parsed.answers[question.id] = value
    return parsed
