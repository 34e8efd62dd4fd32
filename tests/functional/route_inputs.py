"""What the route-wide fuzz suites share: Hypothesis settings per route and a valid body per route."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

from tests.functional.ingest.support import track
from tests.functional.trust.test_authorization_matrix import BODIES


def per_route_settings(examples: int) -> settings:
    """Derandomized examples per route (repeatable in CI), without deadlines or size checks."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


_IDENTIFY = {**track(1), "type": "identify", "traits": {"email": "a@example.com"}}
_BATCH = {"batch": [track(1), track(2)]}

#: A valid body for every route that takes one (the authorization matrix's, plus every tracking path).
VALID_BODIES: dict[tuple[str, str], Any] = {
    **BODIES,
    **{(p, "POST"): track(1) for p in ("/v1/track", "/v1/page", "/v1/screen", "/v1/group", "/v1/alias")},
    **{(f"/v1/{c}", "POST"): track(1) for c in "tpsga"},
    ("/v1/identify", "POST"): _IDENTIFY,
    ("/v1/i", "POST"): _IDENTIFY,
    ("/v1/batch", "POST"): _BATCH,
    ("/v1/b", "POST"): _BATCH,
}
