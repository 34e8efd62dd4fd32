"""Real objects of one tenant for every path parameter of every route, created through the APIs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client
from tests.functional.surveys.support import NPS_SURVEY, active_survey
from touchpoint.alerts.models import FiredAlert
from touchpoint.models.tenants import KeyKind
from touchpoint.runtime import Runtime

RULE: dict[str, Any] = {
    "rule_id": "hamburg-csat-drop",
    "name": "CSAT Hamburg bricht ein",
    "metric": "csat",
    "breakdown": {"location": "hamburg"},
    "condition": "drops_by",
    "threshold": 15,
    "baseline_days": 28,
}
LOCATION: dict[str, Any] = {"location_id": "berlin", "name": "Acme Berlin Mitte", "default_language": "de"}
TOUCHPOINT: dict[str, Any] = {"touchpoint_id": "till-1", "kind": "till", "label": "Kasse 1"}
PARTIAL_RESPONSE: dict[str, Any] = {
    "answers": {"csat": 4},
    "channel": "in_app",
    "userId": "person-secret-7",
    "complete": False,
}
PERSON_ID = "person-secret-7"
ALERT_DAY = date(2024, 5, 29)
CASE_NOTE = "Kunde zurückrufen, geheim"


@dataclass(frozen=True)
class World:
    """The ids of tenant A's objects, by the name of the path parameter that takes them."""

    params: dict[str, str]
    secrets: tuple[str, ...]  # strings of tenant A another tenant must never see

    def fill(self, path: str) -> str:
        """A route path with tenant A's ids in place of its `{param}`s."""
        for name, value in self.params.items():
            path = path.replace("{" + name + "}", value)
        return path


def _json(client: Client, method: str, path: str, key: str, body: Any = None) -> Any:
    headers = {**bearer(key), "Content-Type": "application/json"}
    data = b"" if body is None else json.dumps(body).encode()
    response = client.http.request(method, path, headers=headers, body=data)
    assert response.status_code < 300, (path, response.status_code, response.body)
    return json.loads(response.body)


def build_world(aws: Runtime, tenant: TenantKeys) -> World:
    """Create a survey, a response, a location with a touchpoint, a rule, an alert and an erasure."""
    with function_client("surveys") as surveys:
        survey_id = active_survey(surveys, tenant, NPS_SURVEY)
        saved = _json(
            surveys, "POST", f"/v1/surveys/{survey_id}/responses", tenant.write_key, PARTIAL_RESPONSE
        )
        erasure = _json(surveys, "DELETE", "/v1/people/someone-erased", tenant.admin_key)
    with function_client("feedback") as feedback:
        _json(feedback, "POST", "/v1/locations", tenant.admin_key, LOCATION)
        touchpoint = _json(
            feedback,
            "POST",
            f"/v1/locations/{LOCATION['location_id']}/touchpoints",
            tenant.admin_key,
            TOUCHPOINT,
        )
    with function_client("insights") as insights:
        _json(insights, "POST", "/v1/alerts/rules", tenant.admin_key, RULE)
        case = _json(
            insights,
            "POST",
            "/v1/cases",
            tenant.admin_key,
            {"personId": PERSON_ID, "locationId": LOCATION["location_id"], "note": CASE_NOTE},
        )
    alert = FiredAlert(
        tenant_id=tenant.tenant_id,
        rule_id=RULE["rule_id"],
        rule_name=RULE["name"],
        description="csat location=hamburg dropped",
        day=ALERT_DAY,
        metric="csat",
        breakdown=dict(RULE["breakdown"]),
        condition=RULE["condition"],
        threshold=RULE["threshold"],
        window_days=1,
        baseline_days=RULE["baseline_days"],
        value=2.9,
        baseline=3.7,
        change_pct=-21.6,
        samples=12,
        fired_at=datetime(2024, 5, 30, 1, tzinfo=UTC),
    )
    assert aws.alerts.record_alert(alert)
    erasure_id = str(erasure.get("erasure_id") or erasure.get("erasureId") or erasure.get("id"))
    params = {
        "survey_id": survey_id,
        "response_id": str(saved["responseId"]),
        "location_id": LOCATION["location_id"],
        "touchpoint_id": TOUCHPOINT["touchpoint_id"],
        "token": str(touchpoint["token"]),
        "rule_id": RULE["rule_id"],
        "alert_id": alert.alert_id,
        "person_id": PERSON_ID,
        "erasure_id": erasure_id,
        "key_id": aws.tenants.issue_key(tenant.tenant_id, KeyKind.WRITE)[1].key_id,  # a spare key
        "date": ALERT_DAY.isoformat(),
        "case_id": str(case["caseId"]),
    }
    secrets = (
        tenant.tenant_id,
        survey_id,
        params["response_id"],
        LOCATION["name"],
        TOUCHPOINT["label"],
        RULE["name"],
        params["erasure_id"],
        CASE_NOTE,
    )
    return World(params, secrets)
