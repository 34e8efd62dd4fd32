"""Alert rules, their pure evaluation after each rollup, and delivery to webhooks and SNS.

Entry point for the rollup: `evaluate_after_rollup(runtime, tenant_id, day)` (imported from
`touchpoint.alerts.service` on first use, so that reading a rule or an alert id does not load the
evaluation and delivery code).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from touchpoint.alerts.service import evaluate_after_rollup

__all__ = ["evaluate_after_rollup"]


def __getattr__(name: str) -> Any:
    """`evaluate_after_rollup`, imported from the service on first use."""
    if name != "evaluate_after_rollup":
        raise AttributeError(f"module 'touchpoint.alerts' has no attribute {name!r}")
    from touchpoint.alerts.service import evaluate_after_rollup

    return evaluate_after_rollup
