"""Erasing a person (`DELETE /v1/people/{id}`) deletes their cases: answer cases and person cases."""

from __future__ import annotations

from tests.functional.loop.conftest import LoopEnv
from tests.functional.surveys.support import call


def test_erasing_a_person_removes_their_cases(loop: LoopEnv) -> None:
    erin = loop.case_id(
        loop.answer(2, user_id="erin", contact={"email": "erin@example.org", "consent": True})
    )
    other = loop.case_id(loop.answer(2, user_id="otto"))
    status, person = loop.call(
        "POST", "/v1/cases", loop.tenant.admin_key, {"personId": "erin", "note": "Erin anrufen"}
    )
    assert status == 201
    status, erased, _ = call(loop.surveys, "DELETE", "/v1/people/erin", loop.tenant.admin_key)
    assert status == 200, erased  # small enough to finish inside the request
    assert erased["removed"]["cases"] == 2, erased
    listed = loop.call("GET", "/v1/cases", loop.tenant.read_key)[1]["cases"]
    assert [c["caseId"] for c in listed] == [other]
    assert loop.call("GET", f"/v1/cases/{erin}", loop.tenant.read_key)[0] == 404
    assert loop.call("GET", f"/v1/cases/{person['caseId']}", loop.tenant.read_key)[0] == 404
