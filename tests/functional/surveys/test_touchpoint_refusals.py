"""A response names a touchpoint only if it is the tenant's own, of the given store and not revoked.

An unknown, foreign (another tenant's or another store's) or revoked touchpoint is refused like an
unknown store: 400 `validation_error` naming `touchpointId`, and nothing is stored.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_tenant
from tests.functional.surveys.conftest import SurveyEnv
from tests.functional.surveys.support import call, lake_keys, stored_responses
from tests.functional.surveys.test_responses import GOOD
from touchpoint.models.locations import TouchpointKind

TILL = TouchpointKind.TILL


@pytest.fixture(scope="module")
def places(survey_env: SurveyEnv) -> SurveyEnv:
    """`survey_env` (acme, store berlin-mitte) with touchpoints in it, in another store and tenant."""
    locations = survey_env.runtime.locations
    locations.create_touchpoint("acme", "berlin-mitte", "till-1", TILL, "Kasse 1")
    locations.create_touchpoint("acme", "berlin-mitte", "till-old", TILL, "Alte Kasse")
    locations.revoke_touchpoint("acme", "berlin-mitte", "till-old")
    locations.create_location("acme", "hamburg", "Hamburg")
    locations.create_touchpoint("acme", "hamburg", "till-hh", TILL, "Kasse Hamburg")
    make_tenant(survey_env.runtime, "globex")
    locations.create_location("globex", "berlin-mitte", "Globex Berlin")
    locations.create_touchpoint("globex", "berlin-mitte", "till-globex", TILL, "Globex Kasse")
    return survey_env


def _submit(env: SurveyEnv, changes: dict[str, Any]) -> tuple[int, Any]:
    body = {**GOOD, **changes}
    status, answer, _ = call(
        env.client, "POST", f"/v1/surveys/{env.survey_id}/responses", env.tenant.write_key, body
    )
    return status, answer


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"touchpointId": "zzz"}, "'zzz' is not an active touchpoint of store 'berlin-mitte'"),
        # another tenant's touchpoint, in a store of the same id
        (
            {"touchpointId": "till-globex"},
            "'till-globex' is not an active touchpoint of store 'berlin-mitte'",
        ),
        # the tenant's own touchpoint, but of another store than the locationId given
        ({"touchpointId": "till-hh"}, "'till-hh' is not an active touchpoint of store 'berlin-mitte'"),
        ({"touchpointId": "till-old"}, "'till-old' is not an active touchpoint of store 'berlin-mitte'"),
        (
            {"touchpointId": "till-1", "locationId": None},
            "'till-1' cannot be checked without the locationId of its store",
        ),
    ],
    ids=["unknown", "other-tenant", "other-store", "revoked", "no-location"],
)
def test_a_touchpoint_that_is_not_the_stores_own_is_refused_and_nothing_is_stored(
    places: SurveyEnv, changes: dict[str, Any], message: str
) -> None:
    env = places
    status, error = _submit(env, changes)
    assert status == 400, error
    assert error["code"] == "validation_error"
    assert error["errors"] == [{"field": "touchpointId", "message": message}]
    assert error["field"] == "touchpointId"
    assert stored_responses(env.runtime) == [] and lake_keys(env.runtime) == []


def test_an_unknown_store_is_refused_alone_in_the_same_style(places: SurveyEnv) -> None:
    env = places
    status, error = _submit(env, {"locationId": "atlantis", "touchpointId": "till-1"})
    assert status == 400
    assert error["errors"] == [{"field": "locationId", "message": "'atlantis' is not a store of this tenant"}]
    assert stored_responses(env.runtime) == [] and lake_keys(env.runtime) == []
