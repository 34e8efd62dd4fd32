"""In store: foot traffic, store conversion, loyalty, in-store events, staff, products, referrals.

Breakdown: `location` (and `kind` for `staff_interactions`).

Rules where METRICS.md leaves details open:

* `foot_traffic` of a store on D: the sum of its `Foot Traffic Counted` `count`s when it sent at
  least one counter reading for D ("has counters"), else its count of `Store Visited`. A reading
  belongs to the day of its `period_start` (its event time when absent); readings repeated for
  the same store and period count once (the latest received wins). `extra["source"]` says
  `counters` or `visits` per store. Events without a location add to the total only.
* `store_conversion_rate`: orders whose location is the store / the store's foot traffic; the
  total is orders at stores with foot traffic / their foot traffic. Clamped to [0, 1] (raw numbers
  in `extra`).
* `redemption_rate` = points redeemed / points earned on D, clamped to [0, 1] (a day may redeem
  points earned earlier; raw sums in `extra`).
* `active_loyalty_members`: people with any loyalty event (joined, earned, redeemed) in D-29..D.
* `event_attendance_rate`: the events "held on D" are the `event_id`s with an `Event Attended` on
  D; rate = distinct attendees / distinct registrants (`Event Registered` for those ids up to the
  end of D, within the inputs' 120-day activity horizon), over events that had registrations,
  clamped to [0, 1]. The location of an event is that of its attendance events.
* `referral_conversion_rate` = `Referral Converted` / `Referral Sent` over D-29..D (conversions
  lag the sending, a single day would be mostly empty), clamped to [0, 1].
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from touchpoint.engine.context import EngineContext, fraction
from touchpoint.models.metrics import MetricPoint

LOYALTY_EVENTS: tuple[str, ...] = ("Loyalty Program Joined", "Points Earned", "Reward Redeemed")
_LOCATION = (("location", "location"),)
_FOOT_TRAFFIC = """
WITH readings AS (
    SELECT location, counted, coalesce(period_start, ts) AS read_at
    FROM plan_ev
    WHERE event = 'Foot Traffic Counted' AND counted IS NOT NULL
    QUALIFY period_start IS NULL
        OR row_number() OVER (PARTITION BY location, period_start, period_end ORDER BY rcv DESC NULLS LAST, ts DESC) = 1
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
    WHERE event = 'Event Attended' AND event_id IS NOT NULL AND ts >= $d_start AND ts < $d_end
), held AS (
    SELECT event_id, min(location) AS location, count(DISTINCT who) AS attended FROM att GROUP BY event_id
), reg AS (
    SELECT event_id, count(DISTINCT coalesce(person, message_id)) AS registered FROM plan_hist
    WHERE event = 'Event Registered' AND ts < $d_end
        AND event_id IN (SELECT event_id FROM held)
    GROUP BY event_id
)
SELECT h.location, h.attended, r.registered FROM held AS h JOIN reg AS r USING (event_id)
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
        "earned": "coalesce(sum(points) FILTER (WHERE event = 'Points Earned'), 0)",
        "redeemed": "coalesce(sum(points) FILTER (WHERE event = 'Reward Redeemed'), 0)",
    }
    groups = ctx.grouped(source, _LOCATION, aggs, loyalty=list(LOYALTY_EVENTS))
    total = groups[0]
    emit = {
        "loyalty_signups": ("signups", _count_rule(ctx, total.num("signups"), ["Loyalty Program Joined"])),
        "points_earned": ("earned", _count_rule(ctx, total.num("earned"), ["Points Earned"])),
        "points_redeemed": ("redeemed", _count_rule(ctx, total.num("redeemed"), ["Reward Redeemed"])),
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
    members = ctx.scalar(
        "SELECT count(DISTINCT person) FROM plan_hist WHERE list_contains($loyalty, event) "
        "AND ts >= $w30_start AND ts < $d_end",
        loyalty=list(LOYALTY_EVENTS),
    )
    if _count_rule(ctx, float(members or 0), list(LOYALTY_EVENTS)):
        points.append(ctx.point("active_loyalty_members", float(members or 0)))
    return points


def _attendance(ctx: EngineContext) -> list[MetricPoint]:
    by_location: dict[str | None, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for location, attended, registered in ctx.rows(_ATTENDANCE):
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
    sent, converted = ctx.rows(
        "SELECT count(*) FILTER (WHERE event = 'Referral Sent'), count(*) FILTER (WHERE event = 'Referral Converted') "
        "FROM plan_hist WHERE ts >= $w30_start AND ts < $d_end"
    )[0]
    rate = fraction(float(converted), float(sent))
    if rate is not None:
        extra = {"sent_30d": int(sent), "converted_30d": int(converted)}
        points.append(ctx.point("referral_conversion_rate", rate, None, extra))
    return points


def compute_instore(ctx: EngineContext) -> list[MetricPoint]:
    """All in-store metrics of day D."""
    return _foot_traffic(ctx) + _loyalty(ctx) + _attendance(ctx) + _simple_counts(ctx)
