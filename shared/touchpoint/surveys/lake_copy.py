"""The lake copy of a response (for the rollup) and its `Survey Responded` timeline event.

- `responses/tenant=<t>/dt=<UTC date submitted>/<responseId>.jsonl.gz`: one line in the shape the
  metric engine reads (`lake_record`); rewritten when a partial response is completed.
- `raw/events/tenant=<t>/dt=<UTC date>/survey-<responseId>.jsonl.gz`: a Segment track event
  `Survey Responded` (messageId `survey-<responseId>`), written for complete responses of a known
  person (userId or anonymousId) only.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from touchpoint import __version__
from touchpoint.models.surveys import StoredResponse, iso_utc
from touchpoint.storage import lake_layout

SURVEY_EVENT = "Survey Responded"


def response_lake_key(response: StoredResponse) -> str:
    """Where the response's lake copy lives (partitioned by its UTC submission date)."""
    day = response.submitted_at.astimezone(UTC).date()
    return lake_layout.response_key(response.tenant_id, day, response.response_id)


def survey_event_key(response: StoredResponse) -> str:
    """Where the response's `Survey Responded` event lives in the raw lake."""
    day = response.submitted_at.astimezone(UTC).date()
    return lake_layout.survey_event_key(response.tenant_id, day, response.response_id)


def lake_record(response: StoredResponse) -> dict[str, Any]:
    """The one line of a response's lake copy (exactly the fields the rollup reads)."""
    return {
        "responseId": response.response_id,
        "surveyId": response.survey_id,
        "submittedAt": iso_utc(response.submitted_at),
        "complete": response.complete,
        "channel": response.channel,
        "locationId": response.location_id,
        "touchpointId": response.touchpoint_id,
        "userId": response.user_id,
        "anonymousId": response.anonymous_id,
        "language": response.language,
        "scores": [{"questionId": s.question_id, "kind": s.kind, "value": s.value} for s in response.scores],
        "comments": [
            {
                "questionId": c.question_id,
                "text": c.text,
                "sentiment": c.sentiment,
                "keyPhrases": list(c.key_phrases),
            }
            for c in response.comments
        ],
    }


def scores_by_kind(response: StoredResponse) -> dict[str, int]:
    """The first score of each kind (`{"nps": 9, "csat": 4}`)."""
    found: dict[str, int] = {}
    for score in response.scores:
        found.setdefault(score.kind, score.value)
    return found


def needs_event(response: StoredResponse) -> bool:
    """True when the response goes on a person's timeline (complete, with userId or anonymousId)."""
    return response.complete and bool(response.user_id or response.anonymous_id)


def survey_event(response: StoredResponse) -> dict[str, Any]:
    """The `Survey Responded` Segment track event of a complete response."""
    at = iso_utc(response.submitted_at)
    event: dict[str, Any] = {
        "type": "track",
        "event": SURVEY_EVENT,
        "messageId": f"survey-{response.response_id}",
        "timestamp": at,
        "receivedAt": at,
        "context": {"library": {"name": "touchpoint-surveys", "version": __version__}},
        "properties": {
            "survey_id": response.survey_id,
            "response_id": response.response_id,
            "channel": response.channel,
            "location_id": response.location_id,
            "scores": scores_by_kind(response),
        },
    }
    if response.user_id:
        event["userId"] = response.user_id
    if response.anonymous_id:
        event["anonymousId"] = response.anonymous_id
    return event
