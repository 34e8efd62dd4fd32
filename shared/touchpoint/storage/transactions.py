"""Reading why a DynamoDB transaction was cancelled."""

from __future__ import annotations

from botocore.exceptions import ClientError


def cancelled_indexes(error: ClientError) -> list[int]:
    """Indexes of the transaction items whose condition failed (empty for other cancellations)."""
    reasons = error.response.get("CancellationReasons") or []
    return [i for i, reason in enumerate(reasons) if reason.get("Code") == "ConditionalCheckFailed"]
