"""Digital engagement: sessions and their ratios, active people, referrals, social.

Breakdowns: `channel` and `platform` (device platform, see `loading`) for the session metrics,
`dau`/`wau`/`mau`/`stickiness` and `visit_frequency_30d`; `source` for `referral_sessions`;
`event` and `platform` (`properties.platform`, the social network) for `social_engagement`;
`platform` for `follower_growth_rate`.

Rules where docs/METRICS.md leaves details open:

* A session's channel/platform/referral source is that of its first event; a person's activity
  counts for a channel or platform in `dau`/`wau`/`mau` when one of their events on the window
  has that channel/platform.
* "Active"/"any event" in `dau`, `wau`, `mau` means activity (track/page/screen, no system
  events): docs/METRICS.md says identify/group/alias never count as activity.
* `dau` is absent on a day without activity (and so is `stickiness`); `wau` and `mau` are
  emitted whenever their window has activity.
* `referral_sessions` is emitted (possibly 0) on every day with sessions; the `source` of a
  session is its first event's `campaign.source`, else its external referrer host.
* `visit_frequency_30d` for a channel/platform: sessions of that channel/platform started in
  D-29..D / people with activity in it in D-29..D.
* `follower_growth_rate` per platform uses the latest reading on D and on D-30; the total sums
  the followers of the platforms that have both readings.
"""

from __future__ import annotations

from touchpoint.engine.context import EngineContext, Group, ratio
from touchpoint.models.metrics import MetricPoint

SOCIAL_EVENTS: tuple[str, ...] = ("Post Liked", "Post Shared", "Post Commented", "Account Followed")
_DIMS = (("channel", "channel"), ("platform", "platform"))

_SESSIONS_ON_D = "SELECT * FROM sess WHERE start_ts >= $d_start AND start_ts < $d_end"
_SESSION_AGGS = {
    "n": "count(*)",
    "views": "sum(views)",
    "tracks": "sum(tracks)",
    "duration": "sum(duration_s)",
    "engaged": "count(*) FILTER (WHERE duration_s >= 10 OR views >= 2 OR converted)",
    "converted": "count(*) FILTER (WHERE converted)",
}

_ACTIVE_SOURCE = """
SELECT DISTINCT person, cp.channel AS channel, cp.platform AS platform,
    day = $d_day AS on_d, day >= $w7_day AS in_w7
FROM (SELECT person, day, unnest(cp) AS cp FROM h_days WHERE day >= $w30_day AND day <= $d_day)
"""
_ACTIVE_AGGS = {
    "dau": "count(DISTINCT person) FILTER (WHERE on_d)",
    "wau": "count(DISTINCT person) FILTER (WHERE in_w7)",
    "mau": "count(DISTINCT person)",
}


def _session_points(ctx: EngineContext, groups: list[Group]) -> list[MetricPoint]:
    points: list[MetricPoint] = []
    for g in groups:
        n = g.num("n")
        if n <= 0:
            continue
        bd = g.breakdown
        engaged = g.num("engaged")
        points += [
            ctx.point("sessions", n, bd),
            ctx.point("pages_per_session", g.num("views") / n, bd),
            ctx.point("avg_session_duration_s", g.num("duration") / n, bd),
            ctx.point("engaged_sessions", engaged, bd),
            ctx.point("engagement_rate", engaged / n, bd),
            ctx.point("bounce_rate", 1.0 - engaged / n, bd),
            ctx.point("conversion_rate", g.num("converted") / n, bd),
            ctx.point("interactions_per_session", g.num("tracks") / n, bd),
        ]
    return points


def _referral_points(ctx: EngineContext, sessions_on_d: float) -> list[MetricPoint]:
    if sessions_on_d <= 0:
        return []
    groups = ctx.grouped(
        _SESSIONS_ON_D, (("source", "src"),), {"n": "count(*) FILTER (WHERE src IS NOT NULL)"}
    )
    return [
        ctx.point("referral_sessions", g.num("n"), g.breakdown)
        for g in groups
        if g.num("n") > 0 or not g.breakdown
    ]


def _active_points(ctx: EngineContext) -> tuple[list[MetricPoint], dict[str, float]]:
    """dau/wau/mau/stickiness, plus the mau per breakdown key (for visit frequency)."""
    points: list[MetricPoint] = []
    mau_by_key: dict[str, float] = {}
    for g in ctx.grouped(_ACTIVE_SOURCE, _DIMS, _ACTIVE_AGGS):
        dau, wau, mau = g.num("dau"), g.num("wau"), g.num("mau")
        bd = g.breakdown
        if dau > 0:
            points.append(ctx.point("dau", dau, bd))
        if wau > 0:
            points.append(ctx.point("wau", wau, bd))
        if mau > 0:
            points.append(ctx.point("mau", mau, bd))
            mau_by_key[_key(bd)] = mau
            if dau > 0:
                points.append(ctx.point("stickiness", dau / mau, bd))
    return points, mau_by_key


def _key(breakdown: dict[str, str]) -> str:
    return "|".join(f"{k}={v}" for k, v in sorted(breakdown.items()))


def _visit_frequency(ctx: EngineContext, mau_by_key: dict[str, float]) -> list[MetricPoint]:
    source = "SELECT channel, platform, n FROM h_sessions WHERE day >= $w30_day AND day <= $d_day"
    points: list[MetricPoint] = []
    for g in ctx.grouped(source, _DIMS, {"n": "sum(n)"}):
        value = ratio(g.num("n"), mau_by_key.get(_key(g.breakdown), 0.0))
        if value is not None:
            points.append(ctx.point("visit_frequency_30d", value, g.breakdown))
    return points


def _social(ctx: EngineContext) -> list[MetricPoint]:
    source = (
        "SELECT event, prop_platform FROM plan_ev WHERE list_contains($social, event) "
        "AND ts >= $d_start AND ts < $d_end"
    )
    groups = ctx.grouped(
        source,
        (("event", "event"), ("platform", "prop_platform")),
        {"n": "count(*)"},
        social=list(SOCIAL_EVENTS),
    )
    total = groups[0].num("n")
    if total <= 0 and not (ctx.day_has_events and ctx.tracks(SOCIAL_EVENTS)):
        return []
    return [
        ctx.point("social_engagement", g.num("n"), g.breakdown)
        for g in groups
        if g.num("n") > 0 or not g.breakdown
    ]


def _follower_growth(ctx: EngineContext) -> list[MetricPoint]:
    rows = ctx.rows(
        """SELECT coalesce(prop_platform, 'unknown') AS platform,
            arg_max(followers, ts) FILTER (WHERE ts >= $d_start AND ts < $d_end) AS now,
            arg_max(followers, ts) FILTER (WHERE ts >= $d30_start AND ts < $d30_end) AS before
        FROM plan_hist WHERE event = 'Follower Count Reported' AND followers IS NOT NULL
        GROUP BY 1 ORDER BY 1"""
    )
    points: list[MetricPoint] = []
    now_sum = before_sum = 0.0
    for platform, now, before in rows:
        if now is None or before is None or before <= 0:
            continue
        now_sum += float(now)
        before_sum += float(before)
        extra = {"followers": float(now), "followers_d30": float(before)}
        points.append(
            ctx.point("follower_growth_rate", (now - before) / before, {"platform": platform}, extra)
        )
    if before_sum > 0:
        extra = {"followers": now_sum, "followers_d30": before_sum}
        points.insert(0, ctx.point("follower_growth_rate", (now_sum - before_sum) / before_sum, None, extra))
    return points


def compute_digital(ctx: EngineContext) -> list[MetricPoint]:
    """All digital-engagement metrics of day D."""
    session_groups = ctx.grouped(_SESSIONS_ON_D, _DIMS, _SESSION_AGGS)
    points = _session_points(ctx, session_groups)
    points += _referral_points(ctx, session_groups[0].num("n"))
    active, mau_by_key = _active_points(ctx)
    points += active
    points += _visit_frequency(ctx, mau_by_key)
    points += _social(ctx)
    points += _follower_growth(ctx)
    return points
