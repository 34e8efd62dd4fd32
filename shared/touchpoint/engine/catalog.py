"""The engine's view of the metric registry (`touchpoint.metrics`), and the plan events it reads.

Metric names and their order come from the registry (`docs/METRICS.md` is generated from it).
"""

from __future__ import annotations

from touchpoint.metrics.registry import METRIC_NAMES, METRIC_ORDER

__all__ = ["METRIC_NAMES", "METRIC_ORDER", "PLAN_EVENTS"]

#: Tracking-plan track events that metrics read beyond sessions (materialised as table `plan_ev`).
PLAN_EVENTS: tuple[str, ...] = (
    "Order Completed",
    "Post Liked",
    "Post Shared",
    "Post Commented",
    "Account Followed",
    "Follower Count Reported",
    "Support Ticket Created",
    "Review Posted",
    "Store Visited",
    "Foot Traffic Counted",
    "Loyalty Program Joined",
    "Loyalty Points Earned",
    "Loyalty Reward Redeemed",
    "Event Registered",
    "Event Attended",
    "Staff Interaction Logged",
    "Product Interacted",
    "Referral Sent",
    "Referral Converted",
)
