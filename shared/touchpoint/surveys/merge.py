"""Completing a partial response: the new submission on top of what was saved before."""

from __future__ import annotations

from touchpoint.models.surveys import ResponseSubmission, StoredResponse
from touchpoint.surveys.errors import ResponseConflictError


def merge_submission(submission: ResponseSubmission, existing: StoredResponse | None) -> ResponseSubmission:
    """The submission with the partial response's answers and fields filled in where it gives none.

    New answers replace saved ones (`null` clears one). userId and anonymousId may be added but
    not changed (ResponseConflictError): a partial response stays with its respondent.
    """
    if existing is None:
        return submission
    for field, given, stored in (
        ("userId", submission.user_id, existing.user_id),
        ("anonymousId", submission.anonymous_id, existing.anonymous_id),
    ):
        if given and stored and given != stored:
            raise ResponseConflictError(
                f"{field} does not match the partial response '{existing.response_id}'", field=field
            )
    return submission.model_copy(
        update={
            "answers": {**existing.answers, **submission.answers},
            "hidden": {**existing.hidden, **submission.hidden},
            "channel": submission.channel or existing.channel,
            "user_id": submission.user_id or existing.user_id,
            "anonymous_id": submission.anonymous_id or existing.anonymous_id,
            "language": submission.language or existing.language,
            "location_id": submission.location_id or existing.location_id,
            "touchpoint_id": submission.touchpoint_id or existing.touchpoint_id,
        }
    )
