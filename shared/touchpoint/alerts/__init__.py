"""Alert rules, their pure evaluation after each rollup, and delivery to webhooks and SNS.

Entry point for the rollup: `evaluate_after_rollup(runtime, tenant_id, day)`.
"""

from touchpoint.alerts.service import evaluate_after_rollup

__all__ = ["evaluate_after_rollup"]
