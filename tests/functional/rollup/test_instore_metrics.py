"""In-store metrics end to end: events sent through the tracking API, days rolled up, metric points read.

Each test sends its events with the tenant's write key to `POST /v1/batch` (functions/ingest through
chalice.test.Client), rolls up every earlier day with data (so the day itself reads them from their
digests, as the nightly rollup does) and then the day, and reads the stored metric points.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, basic_auth, function_client
from tests.functional.rollup.support import write_events_like_ingest
from touchpoint.rollup.service import RollupResult
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import Runtime

# A recent day, so the API takes the timestamps as they are (UTC tenant).
DAY = datetime.now(UTC).date() - timedelta(days=3)


def at(hhmm: str, days_before: int = 0) -> str:
    hour, minute = (int(part) for part in hhmm.split(":"))
    moment = datetime.combine(DAY - timedelta(days=days_before), time(hour, minute), tzinfo=UTC)
    return moment.isoformat().replace("+00:00", "Z")


class Sender:
    """Numbered track events, sent in batches with the write key."""

    def __init__(self, client: Client, tenant: TenantKeys) -> None:
        self.client = client
        self.tenant = tenant
        self.count = 0

    def track(self, name: str, when: str, properties: dict[str, Any], **who: str) -> dict[str, Any]:
        self.count += 1
        event: dict[str, Any] = {
            "type": "track",
            "event": name,
            "messageId": f"m-{self.count:04d}",
            "timestamp": when,
            "properties": properties,
        }
        event.update({"userId": who["user"]} if "user" in who else {"anonymousId": who.get("anon", "device")})
        return event

    def send(self, *events: dict[str, Any]) -> dict[str, Any]:
        response = self.client.http.post(
            "/v1/batch",
            headers={"Content-Type": "application/json", **basic_auth(self.tenant.write_key)},
            body=json.dumps({"batch": list(events)}).encode(),
        )
        assert response.status_code == 200, response.body
        body: dict[str, Any] = json.loads(response.body)
        return body


@pytest.fixture
def sender(aws: Runtime, tenant: TenantKeys) -> Iterator[Sender]:
    with function_client("ingest") as client:
        yield Sender(client, tenant)


def roll_up(runtime: Runtime, tenant_id: str, earlier: list[int]) -> RollupResult:
    """Roll up the earlier days (days before DAY, oldest first), then DAY from their digests."""
    service = build_service(runtime)
    for days_before in sorted(earlier, reverse=True):
        service.run_day(tenant_id, DAY - timedelta(days=days_before))
    result = service.run_day(tenant_id, DAY)
    assert result.raw_from == DAY and result.digest_days_read == len(earlier)  # history from digests
    return result


def points(runtime: Runtime, tenant_id: str, metric: str, day: date = DAY) -> dict[str, Any]:
    """`{"": (total, extra), "<location>": (value, extra)}` of a metric on a day (other breakdowns left out)."""
    found: dict[str, Any] = {}
    for point in runtime.metrics.read(tenant_id, metric, day, day):
        if set(point.breakdown) <= {"location"}:
            found[point.breakdown.get("location", "")] = (point.value, point.extra)
    return found


def test_foot_traffic_adds_up_the_doors_and_a_resent_reading_replaces_the_first(
    aws: Runtime, tenant: TenantKeys, sender: Sender
) -> None:
    def reading(sensor: str, count: int, sent: str) -> dict[str, Any]:
        props = {
            "location_id": "berlin",
            "sensor_id": sensor,
            "count": count,
            "period_start": at("09:00"),
            "period_end": at("10:00"),
        }
        return sender.track("Foot Traffic Counted", sent, props, anon=f"sensor:berlin:{sensor}")

    sender.send(
        reading("north", 240, at("10:01")),
        reading("south", 224, at("10:01")),
        sender.track("Order Completed", at("09:30"), {"order_id": "o1", "revenue": 20, "location_id": "berlin"}, user="u1"),
        sender.track("Order Completed", at("09:45"), {"order_id": "o2", "revenue": 30, "location_id": "berlin"}, user="u2"),
    )  # fmt: skip
    sender.send(reading("north", 252, at("10:30")))  # the counter corrects its 09:00 reading
    roll_up(aws, tenant.tenant_id, [])
    traffic = points(aws, tenant.tenant_id, "foot_traffic")
    assert traffic[""][0] == 476 and traffic["berlin"][0] == 476  # north 252 + south 224
    rate = points(aws, tenant.tenant_id, "store_conversion_rate")
    assert rate["berlin"][0] == pytest.approx(2 / 476)  # 2 orders at berlin / 476 visitors
    assert rate["berlin"][1] == {"orders": 2, "foot_traffic": 476.0}


def test_loyalty_by_the_plan_names_and_location(aws: Runtime, tenant: TenantKeys, sender: Sender) -> None:
    sender.send(
        sender.track("Loyalty Points Earned", at("12:00", 5), {"points": 50, "location_id": "hamburg"}, user="u2"),
        sender.track("Loyalty Program Joined", at("10:00"), {"location_id": "berlin"}, user="u1"),
        sender.track("Loyalty Points Earned", at("10:05"), {"points": 120, "location_id": "berlin"}, user="u1"),
        sender.track("Loyalty Reward Redeemed", at("10:10"), {"points": 30, "location_id": "berlin"}, user="u1"),
        sender.track("Points Earned", at("10:15"), {"points": 999, "location_id": "berlin"}, user="u3"),  # not a plan name
    )  # fmt: skip
    # Unusable points: the API quarantines them or stores them with a warning; either way they count nowhere.
    sender.send(
        sender.track(
            "Loyalty Points Earned", at("10:20"), {"points": -5, "location_id": "berlin"}, user="u1"
        ),
        sender.track(
            "Loyalty Points Earned", at("10:21"), {"points": 1e20, "location_id": "berlin"}, user="u1"
        ),
    )
    roll_up(aws, tenant.tenant_id, [5])
    assert points(aws, tenant.tenant_id, "points_earned") == {"": (120, {}), "berlin": (120, {})}
    assert points(aws, tenant.tenant_id, "points_redeemed")["berlin"][0] == 30
    assert points(aws, tenant.tenant_id, "redemption_rate")["berlin"][0] == 0.25  # 30 / 120
    assert points(aws, tenant.tenant_id, "loyalty_signups") == {"": (1, {}), "berlin": (1, {})}
    members = points(aws, tenant.tenant_id, "active_loyalty_members")
    assert {k: v[0] for k, v in members.items()} == {"": 2, "berlin": 1, "hamburg": 1}  # u1; u2 (D-5)


def test_event_attendance_by_event_date(aws: Runtime, tenant: TenantKeys, sender: Sender) -> None:
    def registered(event_id: str, user: str, location: str) -> dict[str, Any]:
        props = {"event_id": event_id, "event_date": DAY.isoformat(), "location_id": location}
        return sender.track("Event Registered", at("18:00", 5), props, user=user)

    def attended(event_id: str, user: str) -> dict[str, Any]:
        props = {"event_id": event_id, "event_date": DAY.isoformat(), "location_id": "berlin"}
        return sender.track("Event Attended", at("19:00"), props, user=user)

    sender.send(
        *[registered("launch", u, "berlin") for u in ("u1", "u2", "u3")],
        *[registered("talk", u, "hamburg") for u in ("u4", "u5")],  # nobody comes: 0 of 2
        attended("launch", "u1"),
        attended("launch", "u2"),
    )
    roll_up(aws, tenant.tenant_id, [5])
    rate = points(aws, tenant.tenant_id, "event_attendance_rate")
    assert rate[""] == (0.4, {"attended": 2, "registered": 5, "events": 2})  # (2 + 0) / (3 + 2)
    assert rate["berlin"][0] == pytest.approx(2 / 3)
    assert rate["hamburg"][0] == 0.0


def test_referrals_matched_by_code(aws: Runtime, tenant: TenantKeys, sender: Sender) -> None:
    def sent(code: str, days_before: int, location: str) -> dict[str, Any]:
        props = {"code": code, "location_id": location}
        return sender.track("Referral Sent", at("11:00", days_before), props, user="u1")

    def converted(code: str, days_before: int) -> dict[str, Any]:
        return sender.track(
            "Referral Converted", at("15:00", days_before), {"code": code}, user=f"new-{code}"
        )

    sender.send(
        sent("R1", 10, "berlin"),
        sent("R2", 10, "berlin"),
        sent("R3", 3, "hamburg"),
        sent("R4", 0, "berlin"),
        converted("R1", 2),
        converted("R3", 0),
        converted("R9", 0),  # a code nobody sent
    )
    roll_up(aws, tenant.tenant_id, [10, 3, 2])
    rate = points(aws, tenant.tenant_id, "referral_conversion_rate")
    # codes sent in D-29..D: R1, R2, R3, R4; converted by the end of D: R1, R3
    assert rate[""] == (0.5, {"codes_sent_30d": 4, "codes_converted_30d": 2})
    assert rate["berlin"][0] == pytest.approx(1 / 3)  # R1 of R1, R2, R4
    assert rate["hamburg"][0] == 1.0  # R3
    assert points(aws, tenant.tenant_id, "referrals_sent") == {"": (1, {}), "berlin": (1, {})}  # R4 on D


def test_unusable_stored_values_do_not_fail_the_day(
    aws: Runtime, tenant: TenantKeys, caplog: pytest.LogCaptureFixture
) -> None:
    """Values ingest never lets through today, but older objects in the lake may hold."""

    def order(order_id: str, revenue: Any) -> dict[str, Any]:
        return {
            "type": "track",
            "event": "Order Completed",
            "messageId": f"o-{order_id}",
            "userId": "u1",
            "timestamp": at("10:00"),
            "receivedAt": at("10:00"),
            "properties": {"order_id": order_id, "revenue": revenue, "location_id": "berlin"},
        }

    def reading(sensor: str, count: Any) -> dict[str, Any]:
        props = {"location_id": "berlin", "sensor_id": sensor, "count": count, "period_start": at("09:00")}
        return {
            "type": "track",
            "event": "Foot Traffic Counted",
            "messageId": f"r-{sensor}",
            "anonymousId": "sensor",
            "timestamp": at("10:00"),
            "receivedAt": at("10:00"),
            "properties": props,
        }

    stored = [
        order("good", 25.5),
        order("huge", 1e300),
        order("digits", 10**400),
        order("nan", float("nan")),
        order("text", "12.50"),
        reading("north", 100),
        reading("south", -5),
        reading("east", 1e20),
    ]
    write_events_like_ingest(aws, tenant.tenant_id, stored)
    with caplog.at_level(logging.WARNING, logger="touchpoint.engine"):
        result = build_service(aws).run_day(tenant.tenant_id, DAY)
    assert result.status == "done"
    skipped = [
        getattr(r, "skipped_values", None) for r in caplog.records if r.name.startswith("touchpoint.engine")
    ]
    assert skipped == [5]  # 3 revenues (huge, digits, nan), 2 counts; "12.50" reads as 12.5
    assert points(aws, tenant.tenant_id, "orders")[""][0] == 5
    assert points(aws, tenant.tenant_id, "revenue")[""][0] == 38.0  # 25.5 + 12.5; the three unusable count 0
    assert points(aws, tenant.tenant_id, "foot_traffic")["berlin"][0] == 100
    assert points(aws, tenant.tenant_id, "store_conversion_rate")["berlin"][0] == 0.05  # 5 / 100
