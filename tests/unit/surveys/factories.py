"""Stored responses for unit tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from touchpoint.models.surveys import Comment, Score, StoredResponse


def stored_response(
    response_id: str,
    at: datetime,
    *,
    scores: dict[str, int] | None = None,
    comments: list[tuple[str, str]] | None = None,
    complete: bool = True,
    **fields: Any,
) -> StoredResponse:
    """A response with scores by kind (question id = kind) and `(text, sentiment)` comments."""
    return StoredResponse(
        tenant_id="acme",
        survey_id=fields.pop("survey_id", "s1"),
        response_id=response_id,
        complete=complete,
        channel=fields.pop("channel", "email"),
        language="de",
        scores=[Score(question_id=kind, kind=kind, value=v) for kind, v in (scores or {}).items()],
        comments=[
            Comment(question_id="comment", text=text, language="de", sentiment=sentiment, score=0.0)
            for text, sentiment in (comments or [])
        ],
        started_at=at,
        submitted_at=at,
        completed_at=at if complete else None,
        **fields,
    )
