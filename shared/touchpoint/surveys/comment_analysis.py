"""Open answers: PII masking, then language-aware sentiment and key phrases.

Sentiment comes from the stage's sentiment engine (the local analyser unless the stage chose
Amazon Comprehend, see `touchpoint.text.engine`); masking, language and key phrases are local.
"""

from __future__ import annotations

from typing import Any

from touchpoint.models.surveys import Comment, QuestionKind, Survey
from touchpoint.text.engine import LocalSentimentEngine, SentimentEngine
from touchpoint.text.pii import mask_pii

_ANALYZED_LANGUAGES = ("de", "en")


def analyze_text_answers(
    survey: Survey, answers: dict[str, Any], language: str, engine: SentimentEngine | None = None
) -> tuple[dict[str, Any], list[Comment]]:
    """Answers with e-mail addresses and phone numbers masked in free text, and one Comment per text answer.

    `language` (the survey language the respondent saw) is passed to the analysis as a hint when
    it is one the analysis knows; otherwise the analysis detects the language itself. All text
    answers of the response go to `engine` (default: the local analyser) in one call.
    """
    hint = language if language in _ANALYZED_LANGUAGES else None
    masked_answers = dict(answers)
    texts = [
        (question.id, mask_pii(value))
        for question in survey.questions
        if question.kind is QuestionKind.TEXT and isinstance(value := answers.get(question.id), str)
    ]
    analyses = (engine or LocalSentimentEngine()).analyze([masked.text for _, masked in texts], hint)
    comments: list[Comment] = []
    for (question_id, masked), analysis in zip(texts, analyses, strict=True):
        masked_answers[question_id] = masked.text
        comments.append(
            Comment(
                question_id=question_id,
                text=masked.text,
                language=analysis.language,
                sentiment=analysis.sentiment,
                score=analysis.score,
                key_phrases=list(analysis.key_phrases),
                masked=masked.masked,
            )
        )
    return masked_answers, comments
