"""Open answers: PII masking, then language-aware sentiment and key phrases (all local)."""

from __future__ import annotations

from typing import Any

from touchpoint.models.surveys import Comment, QuestionKind, Survey
from touchpoint.text import analyze_comment, mask_pii

_ANALYZED_LANGUAGES = ("de", "en")


def analyze_text_answers(
    survey: Survey, answers: dict[str, Any], language: str
) -> tuple[dict[str, Any], list[Comment]]:
    """Answers with e-mail addresses and phone numbers masked in free text, and one Comment per text answer.

    `language` (the survey language the respondent saw) is passed to the analysis as a hint when
    it is one the analysis knows; otherwise the analysis detects the language itself.
    """
    hint = language if language in _ANALYZED_LANGUAGES else None
    masked_answers = dict(answers)
    comments: list[Comment] = []
    for question in survey.questions:
        value = answers.get(question.id)
        if question.kind is not QuestionKind.TEXT or not isinstance(value, str):
            continue
        masked = mask_pii(value)
        analysis = analyze_comment(masked.text, language=hint)
        masked_answers[question.id] = masked.text
        comments.append(
            Comment(
                question_id=question.id,
                text=masked.text,
                language=analysis.language,
                sentiment=analysis.sentiment,
                score=analysis.score,
                key_phrases=list(analysis.key_phrases),
                masked=masked.masked,
            )
        )
    return masked_answers, comments
