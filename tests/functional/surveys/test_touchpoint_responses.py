"""A response at a store's own active touchpoint is stored with it; a partial keeps the one it was
checked with (refusals: test_touchpoint_refusals.py)."""

from __future__ import annotations

from tests.conftest import TenantKeys, function_client
from tests.functional.surveys.support import active_survey, call, stored_docs
from tests.functional.surveys.test_responses import GOOD
from touchpoint.models.locations import TouchpointKind
from touchpoint.runtime import Runtime

TILL = TouchpointKind.TILL


def test_the_stores_own_active_touchpoint_is_stored_and_a_partial_keeps_its_checked_one(
    aws: Runtime, tenant: TenantKeys
) -> None:
    aws.locations.create_location("acme", "berlin-mitte", "Berlin Mitte")
    aws.locations.create_touchpoint("acme", "berlin-mitte", "till-1", TILL, "Kasse 1")
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant)
        base = f"/v1/surveys/{survey_id}/responses"
        good = {**GOOD, "touchpointId": "till-1"}
        status, body, _ = call(client, "POST", base, tenant.write_key, good)
        assert status == 201, body
        [doc] = stored_docs(aws)
        assert (doc["location_id"], doc["touchpoint_id"]) == ("berlin-mitte", "till-1")

        partial = {
            "answers": {"csat": 4},
            "channel": "in_store",
            "anonymousId": "device-2",
            "locationId": "berlin-mitte",
            "touchpointId": "till-1",
            "complete": False,
        }
        status, saved, _ = call(client, "POST", base, tenant.write_key, partial)
        assert status == 201, saved
        response_id = saved["responseId"]
        # Moving the partial to a touchpoint that does not exist is refused; the partial is unchanged.
        moved = {"answers": {"nps": 9}, "touchpointId": "zzz", "complete": False}
        status, error, _ = call(client, "PUT", f"{base}/{response_id}", tenant.write_key, moved)
        assert status == 400
        assert error["errors"] == [
            {"field": "touchpointId", "message": "'zzz' is not an active touchpoint of store 'berlin-mitte'"}
        ]
        [kept] = [d for d in stored_docs(aws) if d["response_id"] == response_id]
        assert (kept["touchpoint_id"], kept["answers"], kept["complete"]) == ("till-1", {"csat": 4}, False)
        # Revoked after the partial was stored: completing it keeps the touchpoint checked back then.
        aws.locations.revoke_touchpoint("acme", "berlin-mitte", "till-1")
        status, done, _ = call(
            client, "PUT", f"{base}/{response_id}", tenant.write_key, {"answers": {"nps": 9}}
        )
        assert status == 200 and done["complete"] is True, done
        # A new response naming the revoked touchpoint is refused.
        fresh = {**GOOD, "userId": "user-43", "anonymousId": "anon-43", "touchpointId": "till-1"}
        status, error, _ = call(client, "POST", base, tenant.write_key, fresh)
        assert status == 400 and error["field"] == "touchpointId"
    assert len(stored_docs(aws)) == 2
