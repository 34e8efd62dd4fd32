"""The lake copy of a response and its `Survey Responded` event have exactly the agreed shape."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.unit.surveys.factories import stored_response
from touchpoint.storage.lake import decode_jsonl_gz, encode_jsonl_gz
from touchpoint.surveys.lake_copy import (
    lake_record,
    needs_event,
    response_lake_key,
    survey_event,
    survey_event_key,
)

AT = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)


def test_lake_record_has_exactly_the_rollup_fields() -> None:
    response = stored_response(
        "r-000001",
        AT,
        scores={"nps": 9, "csat": 4},
        comments=[("Sehr nett", "positive")],
        user_id="u1",
        location_id="berlin-mitte",
        touchpoint_id="till-1",
        hidden={"orderId": "A-1"},
    )
    record = lake_record(response)
    assert record == {
        "responseId": "r-000001",
        "surveyId": "s1",
        "submittedAt": "2026-03-10T23:30:00.000000Z",
        "complete": True,
        "channel": "email",
        "locationId": "berlin-mitte",
        "touchpointId": "till-1",
        "userId": "u1",
        "anonymousId": None,
        "language": "de",
        "scores": [
            {"questionId": "nps", "kind": "nps", "value": 9},
            {"questionId": "csat", "kind": "csat", "value": 4},
        ],
        "comments": [
            {"questionId": "comment", "text": "Sehr nett", "sentiment": "positive", "keyPhrases": []}
        ],
    }
    assert decode_jsonl_gz(encode_jsonl_gz([record])) == [record]
    assert response_lake_key(response) == "responses/tenant=acme/dt=2026-03-10/r-000001.jsonl.gz"


def test_the_partition_day_is_the_utc_day_of_submission() -> None:
    late = datetime(2026, 3, 11, 0, 30, tzinfo=UTC).astimezone()  # any zone: the UTC day counts
    response = stored_response("r-000002", late, anonymous_id="a1")
    assert response_lake_key(response).startswith("responses/tenant=acme/dt=2026-03-11/")
    assert survey_event_key(response) == "raw/events/tenant=acme/dt=2026-03-11/survey-r-000002.jsonl.gz"


def test_the_survey_responded_event_is_a_segment_track_event() -> None:
    response = stored_response(
        "r-000003",
        AT,
        scores={"nps": 3, "ces": 2},
        anonymous_id="a1",
        location_id="hamburg",
        channel="in_store",
    )
    event = survey_event(response)
    assert event == {
        "type": "track",
        "event": "Survey Responded",
        "messageId": "survey-r-000003",
        "anonymousId": "a1",
        "timestamp": "2026-03-10T23:30:00.000000Z",
        "receivedAt": "2026-03-10T23:30:00.000000Z",
        "context": event["context"],
        "properties": {
            "survey_id": "s1",
            "response_id": "r-000003",
            "channel": "in_store",
            "location_id": "hamburg",
            "scores": {"nps": 3, "ces": 2},
        },
    }
    assert event["context"]["library"]["name"] == "touchpoint-surveys"


def test_only_complete_responses_of_known_people_go_on_the_timeline() -> None:
    assert needs_event(stored_response("r-000004", AT, user_id="u1"))
    assert needs_event(stored_response("r-000005", AT, anonymous_id="a1"))
    assert not needs_event(stored_response("r-000006", AT))
    assert not needs_event(stored_response("r-000007", AT, user_id="u1", complete=False))
