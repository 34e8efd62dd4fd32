"""The process-wide runtime: settings, clients and the repositories every function uses.

Built lazily on first use (after moto is started in tests), once per Lambda container.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

from touchpoint.settings import Settings, get_settings
from touchpoint.storage.clients import AwsClients
from touchpoint.storage.lake import LakeRepository
from touchpoint.storage.locations import LocationRepository
from touchpoint.storage.rollup_state import RollupStateRepository
from touchpoint.storage.tenants import TenantRepository


class Runtime:
    """Settings plus lazily created clients and repositories."""

    def __init__(self, settings: Settings, clients: AwsClients | None = None) -> None:
        self.settings = settings
        self.clients = clients or AwsClients(settings.region)

    @cached_property
    def tenants(self) -> TenantRepository:
        """Tenants and API keys."""
        return TenantRepository(self.clients.dynamodb, self.settings.config_table, self.settings.key_pepper)

    @cached_property
    def locations(self) -> LocationRepository:
        """Stores and their touchpoints."""
        return LocationRepository(self.clients.dynamodb, self.settings.config_table)

    @cached_property
    def lake(self) -> LakeRepository:
        """The S3 data lake."""
        return LakeRepository(self.clients.s3, self.settings.lake_bucket)

    @cached_property
    def rollup_state(self) -> RollupStateRepository:
        """Done and dirty tenant-days."""
        return RollupStateRepository(self.clients.dynamodb, self.settings.state_table)


@lru_cache(maxsize=1)
def get_runtime() -> Runtime:
    """The runtime of this process (created on first call)."""
    return Runtime(get_settings())


def reset_runtime() -> None:
    """Forget the cached runtime and settings (tests and the local stack)."""
    from touchpoint.settings import reset_settings_cache

    reset_settings_cache()
    get_runtime.cache_clear()
