"""`analyze_comment`: language, sentiment and key phrases of one comment."""

from __future__ import annotations

from dataclasses import dataclass

from touchpoint.text.classifier import classify_comment
from touchpoint.text.language import detect_language_of_tokens
from touchpoint.text.models import CommentAnalysis, Language
from touchpoint.text.phrases import extract_key_phrases
from touchpoint.text.pii import mask_pii
from touchpoint.text.resources import load_resources
from touchpoint.text.sentiment import RuleSentiment, rule_sentiment, squash
from touchpoint.text.tokenize import Token, merge_expressions, tokenize

_MAX_CHARS = 5000  # longer comments are analysed by their beginning


@dataclass(frozen=True, slots=True)
class PreparedComment:
    """A masked, tokenised comment (expressions merged), its language and the rules' verdict."""

    tokens: list[Token]
    language: Language
    rule: RuleSentiment
    rule_score: float


def prepare_comment(text: str, language: str | None = None) -> PreparedComment:
    """Mask, tokenise, detect the language and score by the rules (what the classifier starts from)."""
    masked = mask_pii(text[:_MAX_CHARS]).text
    tokens = tokenize(masked)
    detected = detect_language_of_tokens(tokens, language)
    res = load_resources(detected)
    tokens = merge_expressions(tokens, res.expressions, res.expression_starts, res.longest_expression)
    rule = rule_sentiment(tokens, detected)
    return PreparedComment(tokens, detected, rule, round(squash(rule.total), 4))


def analyze_comment(text: str, language: str | None = None) -> CommentAnalysis:
    """Analyse one free-text comment.

    `language` is the form's language ("de", "en", "de-DE" ...); it decides only when the comment
    is too short to tell ("ok"). E-mail addresses and phone numbers are masked first, so they
    never turn up as key phrases.
    """
    prepared = prepare_comment(text, language)
    sentiment, score = classify_comment(
        prepared.tokens, prepared.language, prepared.rule, prepared.rule_score
    )
    return CommentAnalysis(
        language=prepared.language,
        sentiment=sentiment,
        score=score,
        key_phrases=extract_key_phrases(prepared.tokens, prepared.language),
    )
