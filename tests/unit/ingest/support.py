"""The ingest function's chalicelib modules for unit tests, and a request context to process with."""

from __future__ import annotations

from datetime import UTC, datetime
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from touchpoint.models.tenants import TenantConfig
from touchpoint.tracking_plan import default_tracking_plan
from touchpoint_cli.apps import function_module

RECEIVED = datetime(2026, 11, 2, 10, 0, 5, tzinfo=UTC)


def module(name: str) -> ModuleType:
    """`functions/ingest/chalicelib/<name>.py`, loaded the way the function loads it."""
    return function_module("ingest", f"chalicelib.{name}")


def info(**overrides: Any) -> Any:
    """A `RequestInfo` for tenant `acme` received at RECEIVED (Europe/Berlin), overridable."""
    normalize = module("normalize")
    config = overrides.pop("config", TenantConfig(timezone="Europe/Berlin"))
    values: dict[str, Any] = {
        "tenant_id": "acme",
        "config": config,
        "zone": ZoneInfo(config.timezone),
        "plan": default_tracking_plan(),
        "received_at": RECEIVED,
        "max_event_bytes": 32 * 1024,
        "contact_salt": b"salt" * 8,
    }
    values.update(overrides)
    return normalize.RequestInfo(**values)


def event(**fields: Any) -> dict[str, Any]:
    """A valid track event (fields override)."""
    base: dict[str, Any] = {
        "type": "track",
        "messageId": "m-1",
        "event": "Product Viewed",
        "anonymousId": "anon-1",
        "timestamp": "2026-11-02T09:59:00.000Z",
        "properties": {"product_id": "p-1"},
    }
    base.update(fields)
    return base
