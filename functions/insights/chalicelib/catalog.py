"""The dashboard's view of the metric catalog: groups, which way is good, what a trend card shows."""

from __future__ import annotations

from touchpoint.engine.catalog import METRIC_NAMES

GROUPS: dict[str, tuple[str, ...]] = {
    "digital": (
        "sessions",
        "pages_per_session",
        "avg_session_duration_s",
        "engaged_sessions",
        "engagement_rate",
        "bounce_rate",
        "conversion_rate",
        "dau",
        "wau",
        "mau",
        "stickiness",
        "referral_sessions",
        "social_engagement",
        "follower_growth_rate",
        "interactions_per_session",
        "visit_frequency_30d",
    ),
    "feedback": (
        "nps",
        "nps_30d",
        "responses",
        "csat",
        "csat_satisfied_rate",
        "ces",
        "ticket_volume",
        "comment_count",
        "negative_comment_share",
        "reviews",
        "avg_review_rating",
        "negative_review_share",
    ),
    "commerce": (
        "orders",
        "revenue",
        "avg_order_value",
        "purchasers",
        "purchase_frequency_30d",
        "clv",
        "historic_clv",
    ),
    "retention": ("retention_rate_30d", "churn_rate_30d", "purchaser_retention_30d"),
    "in_store": (
        "foot_traffic",
        "store_conversion_rate",
        "loyalty_signups",
        "points_earned",
        "points_redeemed",
        "redemption_rate",
        "active_loyalty_members",
        "event_attendance_rate",
        "staff_interactions",
        "product_interactions",
        "referrals_sent",
        "referral_conversion_rate",
    ),
    "composite": ("engagement_score", "at_risk"),
}
GROUP_OF: dict[str, str] = {metric: group for group, metrics in GROUPS.items() for metric in metrics}

#: The trend cards of each dashboard section (the most telling metrics of the group).
TREND_CARDS: dict[str, tuple[str, ...]] = {
    "digital": ("sessions", "engagement_rate", "dau", "conversion_rate"),
    "feedback": ("nps", "csat", "responses", "negative_comment_share"),
    "commerce": ("orders", "revenue", "avg_order_value", "purchasers"),
    "retention": ("retention_rate_30d", "churn_rate_30d", "purchaser_retention_30d", "clv"),
    "in_store": ("foot_traffic", "store_conversion_rate", "loyalty_signups", "staff_interactions"),
}

#: Metrics where a fall is good news.
LOWER_IS_BETTER: frozenset[str] = frozenset(
    {
        "bounce_rate",
        "ces",
        "ticket_volume",
        "negative_comment_share",
        "negative_review_share",
        "churn_rate_30d",
        "at_risk",
    }
)

#: Metrics that summarise to one number per day (not a ranking).
SUMMARY_METRICS: tuple[str, ...] = tuple(m for m in METRIC_NAMES if m in GROUP_OF)

#: Feedback metrics whose comments can be listed, and the score kind each one is about.
COMMENT_METRICS: dict[str, str | None] = {
    "nps": "nps",
    "nps_30d": "nps",
    "csat": "csat",
    "csat_satisfied_rate": "csat",
    "ces": "ces",
    "responses": None,
    "comment_count": None,
    "negative_comment_share": None,
}
