"""Tenant configuration, cached briefly per container.

Keys are checked on every request by the route wrapper (a revoked key fails at once); only the
tenant's config (schema mode, contact traits, rate limit, time zone) is cached, for
`CONFIG_TTL_SECONDS`, so a config change reaches ingest within that time.
"""

from __future__ import annotations

import threading
import time
import weakref

from touchpoint.models.tenants import TenantConfig
from touchpoint.storage.tenants import TenantRepository

CONFIG_TTL_SECONDS = 10.0

_LOCK = threading.Lock()
# Keyed by repository so that a new runtime (tests, the local stack) starts with an empty cache.
_CACHE: weakref.WeakKeyDictionary[TenantRepository, dict[str, tuple[float, TenantConfig | None]]] = (
    weakref.WeakKeyDictionary()
)


def tenant_config(repository: TenantRepository, tenant_id: str) -> TenantConfig | None:
    """The tenant's config (None when the tenant no longer exists)."""
    now = time.monotonic()
    with _LOCK:
        entry = _CACHE.get(repository, {}).get(tenant_id)
    if entry is not None and entry[0] > now:
        return entry[1]
    tenant = repository.get_tenant(tenant_id)
    config = tenant.config if tenant is not None else None
    with _LOCK:
        _CACHE.setdefault(repository, {})[tenant_id] = (now + CONFIG_TTL_SECONDS, config)
    return config


def forget_tenant_configs() -> None:
    """Drop every cached config (tests that change a tenant's config mid-way)."""
    with _LOCK:
        _CACHE.clear()
