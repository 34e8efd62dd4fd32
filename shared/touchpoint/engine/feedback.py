"""Feedback: NPS, CSAT, CES, responses, comments, support tickets and reviews.

Breakdowns: `channel`, `location` and `survey` (of the response) for the survey metrics;
`channel` for `ticket_volume`; `platform` and `location` for the review metrics.

Rules where docs/METRICS.md leaves details open:

* Only complete responses count (the latest version of each `responseId`, see `loading`); a
  response belongs to the day of its `submittedAt`.
* Answers are validated per kind: NPS integers 0-10, CSAT 1-5, CES 1-7; others are ignored. Every
  valid answer counts (a response with two NPS questions adds two answers).
* `responses` (metric) = complete responses submitted on D (any survey). Beside `nps`, `nps_30d`,
  `csat`, `csat_satisfied_rate` and `ces`, `extra["responses"]` is the number of responses behind
  that score; `nps` also carries `promoters`, `passives`, `detractors` (answer counts).
* `comment_count` counts non-empty comments of complete responses (emitted, possibly 0, on days
  with responses); `negative_comment_share` = negative / comments with a sentiment (`positive`,
  `neutral`, `negative` or `mixed`; absent while none has been classified).
* `ticket_volume` by `channel` uses the ticket's `properties.channel` first (the tracking plan's
  ticket channel), then the event channel.
* Reviews: `avg_review_rating` over ratings 1-5; a review is negative when rated 1 or 2;
  `negative_review_share` = negative / rated reviews.
"""

from __future__ import annotations

from touchpoint.engine.context import EngineContext, Group
from touchpoint.metrics.formulas import nps
from touchpoint.models.metrics import MetricPoint

_DIMS = (("channel", "channel"), ("location", "location"), ("survey", "survey"))

_NPS_SOURCE = (
    "SELECT * FROM answers WHERE kind = 'nps' AND value BETWEEN 0 AND 10 AND value = floor(value) "
    "AND ts >= $ws AND ts < $d_end"
)
_NPS_AGGS = {
    "n": "count(*)",
    "promoters": "count(*) FILTER (WHERE value >= 9)",
    "detractors": "count(*) FILTER (WHERE value <= 6)",
    "responses": "count(DISTINCT response_id)",
}


def _nps_points(ctx: EngineContext, metric: str, window_start_offset: int) -> list[MetricPoint]:
    groups = ctx.grouped(_NPS_SOURCE, _DIMS, _NPS_AGGS, ws=ctx.window.start(window_start_offset))
    points: list[MetricPoint] = []
    for g in groups:
        n = g.num("n")
        if n <= 0:
            continue
        promoters, detractors = g.num("promoters"), g.num("detractors")
        extra = {
            "responses": int(g.num("responses")),
            "promoters": int(promoters),
            "passives": int(n - promoters - detractors),
            "detractors": int(detractors),
        }
        score = nps(promoters, detractors, n)
        if score is not None:
            points.append(ctx.point(metric, score, g.breakdown, extra))
    return points


def _scale_points(ctx: EngineContext, kind: str, low: int, high: int) -> list[Group]:
    source = (
        "SELECT * FROM answers WHERE kind = $kind AND value BETWEEN $low AND $high "
        "AND ts >= $d_start AND ts < $d_end"
    )
    aggs = {
        "n": "count(*)",
        "mean": "avg(value)",
        "satisfied": "count(*) FILTER (WHERE value >= 4)",
        "responses": "count(DISTINCT response_id)",
    }
    return [g for g in ctx.grouped(source, _DIMS, aggs, kind=kind, low=low, high=high) if g.num("n") > 0]


def _survey_points(ctx: EngineContext) -> list[MetricPoint]:
    points: list[MetricPoint] = []
    responses = ctx.grouped(
        "SELECT * FROM resp WHERE ts >= $d_start AND ts < $d_end", _DIMS, {"n": "count(*)"}
    )
    points += [ctx.point("responses", g.num("n"), g.breakdown) for g in responses if g.num("n") > 0]
    points += _nps_points(ctx, "nps", 0)
    points += _nps_points(ctx, "nps_30d", -29)
    for g in _scale_points(ctx, "csat", 1, 5):
        extra = {"responses": int(g.num("responses"))}
        points.append(ctx.point("csat", g.num("mean"), g.breakdown, extra))
        points.append(ctx.point("csat_satisfied_rate", g.num("satisfied") / g.num("n"), g.breakdown, extra))
    for g in _scale_points(ctx, "ces", 1, 7):
        points.append(ctx.point("ces", g.num("mean"), g.breakdown, {"responses": int(g.num("responses"))}))
    responses_on_d = responses[0].num("n")
    comments = ctx.grouped(
        "SELECT * FROM comments WHERE ts >= $d_start AND ts < $d_end",
        _DIMS,
        {
            "n": "count(*)",
            "classified": "count(*) FILTER (WHERE sentiment IN ('positive', 'neutral', 'negative', 'mixed'))",
            "negative": "count(*) FILTER (WHERE sentiment = 'negative')",
        },
    )
    for g in comments:
        if g.num("n") > 0 or (not g.breakdown and responses_on_d > 0):
            points.append(ctx.point("comment_count", g.num("n"), g.breakdown))
        if g.num("classified") > 0:
            extra = {"comments": int(g.num("classified"))}
            points.append(
                ctx.point(
                    "negative_comment_share", g.num("negative") / g.num("classified"), g.breakdown, extra
                )
            )
    return points


def _ticket_points(ctx: EngineContext) -> list[MetricPoint]:
    source = (
        "SELECT coalesce(prop_channel, channel) AS ticket_channel FROM plan_ev "
        "WHERE type = 'track' AND event = 'Support Ticket Created' AND ts >= $d_start AND ts < $d_end"
    )
    groups = ctx.grouped(source, (("channel", "ticket_channel"),), {"n": "count(*)"})
    if groups[0].num("n") <= 0 and not (ctx.day_has_events and ctx.tracks(["Support Ticket Created"])):
        return []
    return [
        ctx.point("ticket_volume", g.num("n"), g.breakdown)
        for g in groups
        if g.num("n") > 0 or not g.breakdown
    ]


def _review_points(ctx: EngineContext) -> list[MetricPoint]:
    source = (
        "SELECT prop_platform, location, rating FROM plan_ev "
        "WHERE type = 'track' AND event = 'Review Posted' AND ts >= $d_start AND ts < $d_end"
    )
    aggs = {
        "n": "count(*)",
        "rated": "count(*) FILTER (WHERE rating BETWEEN 1 AND 5)",
        "mean": "avg(rating) FILTER (WHERE rating BETWEEN 1 AND 5)",
        "negative": "count(*) FILTER (WHERE rating BETWEEN 1 AND 2)",
    }
    groups = ctx.grouped(source, (("platform", "prop_platform"), ("location", "location")), aggs)
    if groups[0].num("n") <= 0 and not (ctx.day_has_events and ctx.tracks(["Review Posted"])):
        return []
    points: list[MetricPoint] = []
    for g in groups:
        if g.num("n") > 0 or not g.breakdown:
            points.append(ctx.point("reviews", g.num("n"), g.breakdown))
        rated = g.num("rated")
        if rated > 0:
            points.append(ctx.point("avg_review_rating", g.num("mean"), g.breakdown, {"reviews": int(rated)}))
            points.append(
                ctx.point(
                    "negative_review_share", g.num("negative") / rated, g.breakdown, {"reviews": int(rated)}
                )
            )
    return points


def compute_feedback(ctx: EngineContext) -> list[MetricPoint]:
    """All feedback metrics of day D."""
    return _survey_points(ctx) + _ticket_points(ctx) + _review_points(ctx)
