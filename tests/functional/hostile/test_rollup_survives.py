"""No accepted event can break a rollup (issue 18.1): hostile events through ingest, then the rollup.

Hypothesis sends batches of events whose number-bearing properties (the ones the metrics read)
and other fields hold hostile values. Whatever ingest accepts lands in the lake; afterwards the
rollup of every tenant-day holding an accepted event must complete. Whatever ingest refuses is in
the quarantine with a reason.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import basic_auth
from tests.functional.hostile.conftest import HostileEnv
from tests.functional.hostile.strategies import JSON_SCALARS
from tests.functional.ingest.support import lake_keys, quarantined
from touchpoint.rollup.wiring import build_service

DAY = date(2026, 11, 2)
NUMBER_FIELDS = ["revenue", "total", "count", "points", "followers", "rating"]
EVENTS = ["Order Completed", "Foot Traffic Counted", "Loyalty Points Earned", "Follower Count Reported"]
NUMBER_TEXTS = [*JSON_SCALARS, "12.5", "3", '"7"', '"1e300"', '"NaN"', '"-Infinity"', "-5", "2.5"]


@st.composite
def hostile_event(draw: st.DrawFn, index: int) -> str:
    """One track event as raw JSON text, with a hostile value in a property the metrics read."""
    name = draw(st.sampled_from(EVENTS))
    field = draw(st.sampled_from([*NUMBER_FIELDS, "products"]))
    value = draw(st.sampled_from(NUMBER_TEXTS))
    if field == "products":
        key = draw(st.sampled_from(["price", "quantity"]))
        value = f'[{{"product_id": "p1", "{key}": {value}}}, {value}]'
    hour = draw(st.integers(0, 23))
    return (
        f'{{"type": "track", "messageId": "h-{index}-{draw(st.integers(0, 10**6))}", "userId": "u{index % 5}", '
        f'"event": {json.dumps(name)}, "timestamp": "{DAY.isoformat()}T{hour:02d}:00:00Z", '
        f'"properties": {{"order_id": "o-{index}", "location_id": "berlin", "platform": "instagram", '
        f'"{field}": {value}}}}}'
    )


def test_a_rollup_completes_after_every_accepted_event(env: HostileEnv) -> None:
    tenant = env.tenant.tenant_id
    client = env.clients["ingest"]
    headers = {**basic_auth(env.tenant.write_key), "Content-Type": "application/json"}
    answers: list[dict[str, Any]] = []

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(events=st.lists(st.integers(0, 10**6).flatmap(hostile_event), min_size=1, max_size=6))
    def send(events: list[str]) -> None:
        body = '{"batch": [' + ", ".join(events) + "]}"
        response = client.http.post("/v1/batch", headers=headers, body=body.encode("utf-8", "surrogatepass"))
        assert response.status_code in (200, 400), response.body
        answers.append(json.loads(response.body))

    send()
    accepted_days = {key.split("dt=")[1][:10] for key in lake_keys(env.runtime, tenant)}
    assert DAY.isoformat() in accepted_days, "no hostile batch had an acceptable event"
    assert any(a.get("rejected") for a in answers), "no hostile event was quarantined"
    reasons = [line["reason"] for line in quarantined(env.runtime, tenant)]
    assert any("must be a finite amount" in r or "must be a whole number" in r for r in reasons), reasons
    service = build_service(env.runtime, {}, evaluate_alerts=False)
    now = datetime(2026, 11, 4, tzinfo=UTC)
    for day in sorted(accepted_days):
        if date.fromisoformat(day) <= now.date():
            result = service.run_day(tenant, date.fromisoformat(day), now=now)
            assert result.status == "done", result
