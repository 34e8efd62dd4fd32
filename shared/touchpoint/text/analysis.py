"""`analyze_comment`: language, sentiment and key phrases of one comment."""

from __future__ import annotations

from touchpoint.text.language import detect_language_of_tokens
from touchpoint.text.models import CommentAnalysis
from touchpoint.text.phrases import extract_key_phrases
from touchpoint.text.pii import mask_pii
from touchpoint.text.resources import load_resources
from touchpoint.text.sentiment import classify, raw_sentiment, squash
from touchpoint.text.tokenize import merge_expressions, tokenize

_MAX_CHARS = 5000  # longer comments are analysed by their beginning


def analyze_comment(text: str, language: str | None = None) -> CommentAnalysis:
    """Analyse one free-text comment.

    `language` is the form's language ("de", "en", "de-DE" ...); it decides only when the comment
    is too short to tell ("ok"). E-mail addresses and phone numbers are masked first, so they
    never turn up as key phrases.
    """
    masked = mask_pii(text[:_MAX_CHARS]).text
    tokens = tokenize(masked)
    detected = detect_language_of_tokens(tokens, language)
    res = load_resources(detected)
    tokens = merge_expressions(tokens, res.expressions, res.expression_starts, res.longest_expression)
    score = round(squash(raw_sentiment(tokens, detected)), 4)
    return CommentAnalysis(
        language=detected,
        sentiment=classify(score),
        score=score,
        key_phrases=extract_key_phrases(tokens, detected),
    )
