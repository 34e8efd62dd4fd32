"""Result models of the comment analysis (frozen pydantic v2 models)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["de", "en"]
Sentiment = Literal["positive", "neutral", "negative"]

SUPPORTED_LANGUAGES: tuple[Language, ...] = ("de", "en")
MAX_KEY_PHRASES = 5


class CommentAnalysis(BaseModel):
    """Language, sentiment and key phrases of one free-text comment."""

    model_config = ConfigDict(frozen=True)

    language: Language
    sentiment: Sentiment
    score: float = Field(ge=-1.0, le=1.0)
    key_phrases: list[str] = Field(default_factory=list, max_length=MAX_KEY_PHRASES)


class MaskResult(BaseModel):
    """A text with e-mail addresses and phone numbers replaced, and how many were replaced."""

    model_config = ConfigDict(frozen=True)

    text: str
    masked: int = Field(ge=0)
