"""Helpers of the survey function tests: definitions, JSON calls and stored-state checks."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from chalice.test import Client

from tests.conftest import TenantKeys, bearer
from touchpoint.runtime import Runtime

NPS_SURVEY: dict[str, Any] = {
    "name": "Quarterly NPS",
    "defaultLanguage": "de",
    "title": {"de": "Ihre Meinung", "en": "Your opinion"},
    "questions": [
        {
            "id": "nps",
            "kind": "nps",
            "required": True,
            "text": {
                "de": "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?",
                "en": "How likely are you to recommend us?",
            },
        },
        {
            "id": "improve",
            "kind": "text",
            "maxLength": 500,
            "showIf": {"questionId": "nps", "min": 0, "max": 6},
            "text": {"de": "Was sollten wir verbessern?", "en": "What should we improve?"},
        },
        {
            "id": "csat",
            "kind": "csat",
            "text": {"de": "Wie zufrieden sind Sie?", "en": "How satisfied are you?"},
        },
        {
            "id": "ces",
            "kind": "ces",
            "text": {"de": "Wie einfach war es?", "en": "How easy was it?"},
        },
        {
            "id": "stars",
            "kind": "rating",
            "scaleMin": 1,
            "scaleMax": 10,
            "text": {"de": "Sterne", "en": "Stars"},
        },
        {
            "id": "found_by",
            "kind": "single_choice",
            "text": {"de": "Wie haben Sie uns gefunden?", "en": "How did you find us?"},
            "options": [
                {"id": "search", "label": {"de": "Suche", "en": "Search"}},
                {"id": "friend", "label": {"de": "Freunde", "en": "Friends"}},
                {"id": "ad", "label": {"de": "Werbung", "en": "Advert"}},
            ],
        },
        {
            "id": "topics",
            "kind": "multi_choice",
            "maxChoices": 2,
            "text": {"de": "Themen", "en": "Topics"},
            "options": [
                {"id": "price", "label": {"de": "Preis", "en": "Price"}},
                {"id": "service", "label": {"de": "Service", "en": "Service"}},
                {"id": "range", "label": {"de": "Auswahl", "en": "Range"}},
            ],
        },
        {
            "id": "comment",
            "kind": "text",
            "text": {"de": "Sonst noch etwas?", "en": "Anything else?"},
        },
    ],
}


def call(
    client: Client, method: str, path: str, key: str, body: Any = None
) -> tuple[int, Any, dict[str, str]]:
    """One JSON request; returns status, decoded body (or text) and headers."""
    headers = {**bearer(key), "Content-Type": "application/json"}
    raw = None if body is None else (body if isinstance(body, str) else json.dumps(body))
    response = getattr(client.http, method.lower())(path, headers=headers, body=raw)
    text = response.body.decode("utf-8") if isinstance(response.body, bytes) else response.body
    try:
        decoded: Any = json.loads(text) if text else None
    except ValueError:
        decoded = text
    return response.status_code, decoded, dict(response.headers)


def active_survey(client: Client, tenant: TenantKeys, definition: dict[str, Any] | None = None) -> str:
    """Create and activate a survey; returns its id."""
    status, body, _ = call(client, "POST", "/v1/surveys", tenant.admin_key, definition or NPS_SURVEY)
    assert status == 201, body
    survey_id = str(body["surveyId"])
    status, body, _ = call(client, "POST", f"/v1/surveys/{survey_id}/activate", tenant.admin_key)
    assert status == 200 and body["status"] == "active", body
    return survey_id


def stored_responses(runtime: Runtime) -> list[dict[str, Any]]:
    """Every response item of the responses table."""
    items = runtime.clients.dynamodb.scan(TableName=runtime.settings.responses_table).get("Items", [])
    return [i for i in items if i.get("item_type", {}).get("S") == "response"]


def lake_keys(runtime: Runtime, prefix: str = "") -> list[str]:
    """Every object key of the lake under a prefix."""
    return list(runtime.lake.list_keys(prefix))


class Clock:
    """A settable stand-in for `touchpoint.surveys.service.utc_now`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(**delta)


def stored_docs(runtime: Runtime) -> list[dict[str, Any]]:
    """Every stored response: its JSON document merged with the item's own attributes."""
    from touchpoint.storage.dynamo import from_item

    docs = []
    for raw in stored_responses(runtime):
        item = from_item(raw)
        docs.append({**item, **json.loads(item.pop("doc"))})
    return docs
