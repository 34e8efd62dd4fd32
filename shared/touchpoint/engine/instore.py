"""In store: foot traffic, store conversion, loyalty, in-store events, staff, products, referrals.

Breakdown: `location` for every metric (the event's `location_id`; an event without one adds to
the total only), and `kind` for `staff_interactions`.

Rules where docs/METRICS.md leaves details open:

* `foot_traffic` of a store on D: the sum of its `Foot Traffic Counted` `count`s when it sent at
  least one counter reading for D ("has counters"), else its count of `Store Visited`. A reading
  belongs to the day of its `period_start` (its event time when absent). There is one reading per
  (location, `sensor_id`, `period_start`, `period_end`): a re-sent reading of the same sensor and
  period replaces the earlier one (the latest received wins; then the latest event time, then the
  greatest messageId), readings of different sensors (doors) add up. Readings without a
  `sensor_id` are treated as coming from one sensor of their store (so they replace each other
  per period, and add to the readings that name a sensor); readings without a `period_start`
  cannot be repeats and all count. `extra["source"]` says `counters` or `visits` per store.
* `store_conversion_rate`: orders whose location is the store / the store's foot traffic; the
  total is orders at stores with foot traffic / their foot traffic. Clamped to [0, 1] (raw numbers
  in `extra`).
* Loyalty events are `Loyalty Program Joined`, `Loyalty Points Earned` and `Loyalty Reward
  Redeemed` (the tracking plan's names). `redemption_rate` = points redeemed / points earned on
  D, clamped to [0, 1] (a day may redeem points earned earlier; raw sums in `extra`).
* `active_loyalty_members`: people with any loyalty event in D-29..D (per location: with one
  at that store).
* `event_attendance_rate`: an attendance (`Event Attended`) belongs to its `event_date`, else to
  the tenant-local day of its time. The events held on D are those with a registration (`Event
  Registered`, up to the end of D, within the 120-day history) whose `event_date` is D, plus those
  with an attendance on D and a registration without a date. Per event held on D: registrants =
  distinct people registered for it with `event_date` D or no date, attendees = distinct people
  with an attendance of it on D (0 when nobody came). The rate sums both over the events held on
  D (an event without registrants has no rate) and is clamped to [0, 1]; `extra` carries
  `attended`, `registered` and `events`. An event's location: that of its attendances, else of
  its registrations. A dated attendance is read from D-1 to the end of D+1 (the raw events a run
  always reads).
* `referral_conversion_rate`: of the distinct `code`s with a `Referral Sent` in D-29..D, the
  share with a `Referral Converted` of the same code up to the end of D (exact match of the
  trimmed code). A code's location is that of its sending (the smallest if it was sent at
  several). `extra`: `codes_sent_30d`, `codes_converted_30d`. Sends without a code count in
  `referrals_sent` only.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from touchpoint.engine.context import EngineContext, fraction
from touchpoint.models.metrics import MetricPoint

LOYALTY_EVENTS: tuple[str, ...] = (
    "Loyalty Program Joined",
    "Loyalty Points Earned",
    "Loyalty Reward Redeemed",
)
_LOCATION = (("location", "location"),)
_FOOT_TRAFFIC = """
WITH readings AS (
    SELECT location, counted, coalesce(period_start, ts) AS read_at
    FROM plan_ev
    WHERE event = 'Foot Traffic Counted' AND counted IS NOT NULL
    QUALIFY period_start IS NULL
        OR row_number() OVER (
            PARTITION BY location, sensor_id, period_start, period_end
            ORDER BY rcv DESC NULLS LAST, ts DESC, message_id DESC NULLS LAST
        ) = 1
), counters AS (
    SELECT location, sum(counted) AS n FROM readings WHERE read_at >= $d_start AND read_at < $d_end GROUP BY location
), visits AS (
    SELECT location, count(*) AS n FROM plan_ev WHERE event = 'Store Visited' AND ts >= $d_start AND ts < $d_end
    GROUP BY location
), store_orders AS (
    SELECT location, count(*) AS n FROM orders WHERE ts >= $d_start AND ts < $d_end AND location IS NOT NULL GROUP BY location
)
SELECT l.location, c.n AS counted, v.n AS visits, coalesce(o.n, 0) AS orders
FROM (SELECT location FROM counters UNION SELECT location FROM visits) AS l
LEFT JOIN counters AS c ON c.location IS NOT DISTINCT FROM l.location
LEFT JOIN visits AS v ON v.location IS NOT DISTINCT FROM l.location
LEFT JOIN store_orders AS o ON o.location = l.location
ORDER BY l.location NULLS FIRST
"""

_ATTENDANCE = """
WITH att AS (
    SELECT event_id, coalesce(person, message_id) AS who, location FROM plan_ev
    WHERE event = 'Event Attended' AND event_id IS NOT NULL AND (
        (event_date = $d_day AND ts >= $around_start AND ts < $around_end)
        OR (event_date IS NULL AND ts >= $d_start AND ts < $d_end))
), reg AS (
    SELECT event_id, coalesce(person, message_id) AS who, location, event_date FROM plan_hist
    WHERE event = 'Event Registered' AND event_id IS NOT NULL AND ts < $d_end
), held AS (
    SELECT event_id FROM reg WHERE event_date = $d_day
    UNION
    SELECT event_id FROM att WHERE event_id IN (SELECT event_id FROM reg WHERE event_date IS NULL)
), registered AS (
    SELECT event_id, count(DISTINCT who) AS n, min(location) AS location FROM reg
    WHERE event_id IN (SELECT event_id FROM held) AND (event_date = $d_day OR event_date IS NULL)
    GROUP BY event_id
), attended AS (
    SELECT event_id, count(DISTINCT who) AS n, min(location) AS location FROM att GROUP BY event_id
)
SELECT coalesce(a.location, r.location) AS location, coalesce(a.n, 0) AS attended, r.n AS registered
FROM registered AS r LEFT JOIN attended AS a USING (event_id)
WHERE r.n > 0
ORDER BY r.event_id
"""

_REFERRAL_CODES = """
WITH sent AS (
    SELECT code, min(location) AS location FROM plan_hist
    WHERE event = 'Referral Sent' AND code IS NOT NULL AND ts >= $w30_start AND ts < $d_end
    GROUP BY code
), converted AS (
    SELECT DISTINCT code FROM plan_hist
    WHERE event = 'Referral Converted' AND code IS NOT NULL AND ts < $d_end
)
SELECT s.location, c.code IS NOT NULL AS converted FROM sent AS s LEFT JOIN converted AS c USING (code)
"""


def _foot_traffic(ctx: EngineContext) -> list[MetricPoint]:
    rows = ctx.rows(_FOOT_TRAFFIC)
    if not rows:
        if ctx.day_has_events and ctx.tracks(["Foot Traffic Counted", "Store Visited"]):
            return [ctx.point("foot_traffic", 0.0)]
        return []
    traffic_points: list[MetricPoint] = []
    rate_points: list[MetricPoint] = []
    total = with_counters = 0.0
    store_traffic = store_orders = 0.0
    for location, counted, visits, orders in rows:
        traffic = float(counted) if counted is not None else float(visits or 0)
        total += traffic
        with_counters += counted is not None
        if location is None:
            continue
        source = "counters" if counted is not None else "visits"
        traffic_points.append(ctx.point("foot_traffic", traffic, {"location": location}, {"source": source}))
        if traffic > 0:
            store_traffic += traffic
            store_orders += orders
            rate = fraction(orders, traffic)
            if rate is not None:
                extra = {"orders": int(orders), "foot_traffic": traffic}
                rate_points.append(ctx.point("store_conversion_rate", rate, {"location": location}, extra))
    points = [
        ctx.point("foot_traffic", total, None, {"stores_with_counters": int(with_counters)}),
        *traffic_points,
    ]
    rate = fraction(store_orders, store_traffic)
    if rate is not None:
        extra = {"orders": int(store_orders), "foot_traffic": store_traffic}
        points += [ctx.point("store_conversion_rate", rate, None, extra), *rate_points]
    return points


def _count_rule(ctx: EngineContext, total: float, events: list[str]) -> bool:
    return total > 0 or (ctx.day_has_events and ctx.tracks(events))


def _loyalty(ctx: EngineContext) -> list[MetricPoint]:
    source = (
        "SELECT event, points, location FROM plan_ev "
        "WHERE list_contains($loyalty, event) AND ts >= $d_start AND ts < $d_end"
    )
    aggs = {
        "signups": "count(*) FILTER (WHERE event = 'Loyalty Program Joined')",
        "earned": "coalesce(sum(points) FILTER (WHERE event = 'Loyalty Points Earned'), 0)",
        "redeemed": "coalesce(sum(points) FILTER (WHERE event = 'Loyalty Reward Redeemed'), 0)",
    }
    groups = ctx.grouped(source, _LOCATION, aggs, loyalty=list(LOYALTY_EVENTS))
    total = groups[0]
    emit = {
        "loyalty_signups": ("signups", _count_rule(ctx, total.num("signups"), ["Loyalty Program Joined"])),
        "points_earned": ("earned", _count_rule(ctx, total.num("earned"), ["Loyalty Points Earned"])),
        "points_redeemed": ("redeemed", _count_rule(ctx, total.num("redeemed"), ["Loyalty Reward Redeemed"])),
    }
    points: list[MetricPoint] = []
    for g in groups:
        for metric, (column, wanted) in emit.items():
            if wanted and (g.num(column) > 0 or not g.breakdown):
                points.append(ctx.point(metric, g.num(column), g.breakdown))
        rate = fraction(g.num("redeemed"), g.num("earned"))
        if rate is not None:
            extra = {"points_redeemed": g.num("redeemed"), "points_earned": g.num("earned")}
            points.append(ctx.point("redemption_rate", rate, g.breakdown, extra))
    members = ctx.grouped(
        "SELECT person, location FROM plan_hist WHERE list_contains($loyalty, event) "
        "AND ts >= $w30_start AND ts < $d_end",
        _LOCATION,
        {"n": "count(DISTINCT person)"},
        loyalty=list(LOYALTY_EVENTS),
    )
    if _count_rule(ctx, members[0].num("n"), list(LOYALTY_EVENTS)):
        points += [
            ctx.point("active_loyalty_members", g.num("n"), g.breakdown)
            for g in members
            if g.num("n") > 0 or not g.breakdown
        ]
    return points


def _attendance(ctx: EngineContext) -> list[MetricPoint]:
    by_location: dict[str | None, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    around = {"around_start": ctx.window.start(-1), "around_end": ctx.window.end(1)}
    for location, attended, registered in ctx.rows(_ATTENDANCE, **around):
        for key in (None, location) if location is not None else (None,):
            acc = by_location[key]
            acc[0] += attended
            acc[1] += registered
            acc[2] += 1
    points: list[MetricPoint] = []
    for key in sorted(by_location, key=lambda k: (k is not None, k or "")):
        attended, registered, events = by_location[key]
        rate = fraction(attended, registered)
        if rate is not None:
            extra: dict[str, Any] = {
                "attended": int(attended),
                "registered": int(registered),
                "events": int(events),
            }
            points.append(
                ctx.point("event_attendance_rate", rate, None if key is None else {"location": key}, extra)
            )
    return points


def _simple_counts(ctx: EngineContext) -> list[MetricPoint]:
    points: list[MetricPoint] = []
    specs: list[tuple[str, str, tuple[tuple[str, str], ...]]] = [
        ("staff_interactions", "Staff Interaction Logged", (("kind", "kind"), ("location", "location"))),
        ("product_interactions", "Product Interacted", _LOCATION),
        ("referrals_sent", "Referral Sent", _LOCATION),
    ]
    for metric, event, dims in specs:
        source = "SELECT kind, location FROM plan_ev WHERE event = $event AND ts >= $d_start AND ts < $d_end"
        groups = ctx.grouped(source, dims, {"n": "count(*)"}, event=event)
        if not _count_rule(ctx, groups[0].num("n"), [event]):
            continue
        points += [
            ctx.point(metric, g.num("n"), g.breakdown) for g in groups if g.num("n") > 0 or not g.breakdown
        ]
    codes = ctx.grouped(
        _REFERRAL_CODES, _LOCATION, {"sent": "count(*)", "converted": "count(*) FILTER (WHERE converted)"}
    )
    for g in codes:
        rate = fraction(g.num("converted"), g.num("sent"))
        if rate is not None:
            extra = {"codes_sent_30d": int(g.num("sent")), "codes_converted_30d": int(g.num("converted"))}
            points.append(ctx.point("referral_conversion_rate", rate, g.breakdown, extra))
    return points


def compute_instore(ctx: EngineContext) -> list[MetricPoint]:
    """All in-store metrics of day D."""
    return _foot_traffic(ctx) + _loyalty(ctx) + _attendance(ctx) + _simple_counts(ctx)
