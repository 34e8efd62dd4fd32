"""A stack for the case tests: tenant `acme` with stores Berlin and Hamburg, an active NPS survey,
answers taken through the survey API (cases opened by the default rules) and a verified sender."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client
from tests.functional.surveys.support import active_survey, call
from touchpoint.loop.cases import case_id_for_response
from touchpoint.runtime import Runtime, get_runtime, reset_runtime

MAIL_FROM = "feedback@acme.example"
ACCOUNT = "123456789012"
REGION = "eu-central-1"


def sent_messages() -> list[Any]:
    """Every e-mail moto's SES sent in this test."""
    from moto.ses.models import ses_backends

    return list(ses_backends[ACCOUNT][REGION].sent_messages)


@dataclass
class LoopEnv:
    """The stack, tenant keys, the survey and clients of the surveys and insights functions."""

    runtime: Runtime
    tenant: TenantKeys
    survey_id: str
    surveys: Client
    insights: Client

    def answer(
        self,
        nps: int,
        *,
        location: str | None = "berlin",
        contact: dict[str, Any] | None = None,
        language: str = "de",
        comment: str | None = None,
        user_id: str | None = None,
    ) -> str:
        """Submit a complete answer; its response id."""
        body: dict[str, Any] = {"answers": {"nps": nps}, "channel": "in_store", "language": language}
        if comment is not None:
            body["answers"]["improve" if nps <= 6 else "comment"] = comment
        if location is not None:
            body["locationId"] = location
        if contact is not None:
            body["contact"] = contact
        if user_id is not None:
            body["userId"] = user_id
        status, answer, _ = call(
            self.surveys, "POST", f"/v1/surveys/{self.survey_id}/responses", self.tenant.write_key, body
        )
        assert status == 201, answer
        return str(answer["responseId"])

    def case_id(self, response_id: str) -> str:
        """The id of the case about an answer."""
        response = self.runtime.responses.get("acme", self.survey_id, response_id)
        assert response is not None
        return case_id_for_response(response)

    def call(
        self, method: str, path: str, headers: dict[str, str] | str, body: Any = None
    ) -> tuple[int, Any]:
        """One JSON request to insights with a key (a string) or session headers."""
        sent = bearer(headers) if isinstance(headers, str) else dict(headers)
        sent["Content-Type"] = "application/json"
        raw = None if body is None else (body if isinstance(body, str) else json.dumps(body))
        response = getattr(self.insights.http, method.lower())(path, headers=sent, body=raw)
        text = response.body.decode("utf-8") if isinstance(response.body, bytes) else response.body
        return response.status_code, (json.loads(text) if text else None)


@pytest.fixture
def loop(aws: Runtime, tenant: TenantKeys, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopEnv]:
    """The case test stack (TOUCHPOINT_MAIL_FROM set and verified in SES)."""
    monkeypatch.setenv("TOUCHPOINT_MAIL_FROM", MAIL_FROM)
    reset_runtime()
    runtime = get_runtime()
    runtime.clients.ses.verify_email_identity(EmailAddress=MAIL_FROM)  # type: ignore[attr-defined]
    runtime.locations.create_location("acme", "berlin", "Berlin")
    runtime.locations.create_location("acme", "hamburg", "Hamburg")
    with function_client("surveys") as surveys, function_client("insights") as insights:
        yield LoopEnv(runtime, tenant, active_survey(surveys, tenant), surveys, insights)
