"""Which tenant-days the hourly schedule starts (filled in by the rollup capability)."""

from __future__ import annotations

from typing import Any


def dispatch_scheduled(event: dict[str, Any]) -> dict[str, Any]:
    """Handle one EventBridge scheduled event; returns what was started."""
    return {"scheduled_at": event.get("time"), "started": []}
