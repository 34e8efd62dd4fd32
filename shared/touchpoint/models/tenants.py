"""Tenants, their configuration and their API keys."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

TENANT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
_TENANT_ID_RE = re.compile(TENANT_ID_PATTERN)
#: An ISO 4217 currency code: three upper-case letters.
CURRENCY_PATTERN = r"^[A-Z]{3}$"

DEFAULT_CONVERSION_EVENTS: tuple[str, ...] = (
    "Order Completed",
    "Signed Up",
    "Newsletter Subscribed",
    "Trial Started",
)

#: The longest retention a tenant may configure. The lake's lifecycle rules in `infra/template.yaml`
#: (`RawEventRetentionDays`, `ResponseRetentionDays`) expire objects after exactly these days, so
#: they are the outer bound and the daily sweep enforces each tenant's shorter values.
MAX_RETENTION_DAYS_EVENTS = 395
MAX_RETENTION_DAYS_RESPONSES = 730


class KeyKind(StrEnum):
    """What a key may do: write (public: ingest and survey answers), read (metrics), admin (config)."""

    WRITE = "write"
    READ = "read"
    ADMIN = "admin"


class EngagementWeights(BaseModel):
    """Weights of the per-person engagement score's components (normalised when used)."""

    model_config = ConfigDict(frozen=True)

    recency: float = Field(default=0.25, ge=0)
    frequency: float = Field(default=0.25, ge=0)
    monetary: float = Field(default=0.2, ge=0)
    breadth: float = Field(default=0.15, ge=0)
    feedback: float = Field(default=0.15, ge=0)


class TenantConfig(BaseModel):
    """Per-tenant settings the functions and the metric engine read."""

    model_config = ConfigDict(frozen=True)

    timezone: str = "UTC"
    conversion_events: tuple[str, ...] = DEFAULT_CONVERSION_EVENTS
    system_events: tuple[str, ...] = ("Foot Traffic Counted", "Follower Count Reported")
    gross_margin: float = Field(default=1.0, gt=0, le=1)
    engagement_weights: EngagementWeights = Field(default_factory=EngagementWeights)
    north_star: str = "engagement_rate"
    schema_mode: Literal["lenient", "strict"] = "lenient"
    store_contact_traits: bool = False
    rate_limit_per_second: int = Field(default=200, ge=1)
    survey_repeat_window_days: int = Field(default=30, ge=0)
    retention_days_events: int = Field(default=MAX_RETENTION_DAYS_EVENTS, ge=1, le=MAX_RETENTION_DAYS_EVENTS)
    retention_days_responses: int = Field(
        default=MAX_RETENTION_DAYS_RESPONSES, ge=1, le=MAX_RETENTION_DAYS_RESPONSES
    )
    #: How long the text of open answers (and its key phrases) is kept; None: as long as the
    #: response. Sentiment label and score stay with the response (the metrics need them).
    retention_days_comments: int | None = Field(default=None, ge=1, le=MAX_RETENTION_DAYS_RESPONSES)
    webhook_url: str | None = None
    #: The ISO 4217 code of the tenant's money amounts (revenue, order values), as pages show them.
    currency: str = Field(default="EUR", pattern=CURRENCY_PATTERN)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _comments_not_kept_longer_than_responses(self) -> TenantConfig:
        if (
            self.retention_days_comments is not None
            and self.retention_days_comments > self.retention_days_responses
        ):
            raise ValueError(
                f"retention_days_comments ({self.retention_days_comments}) must not exceed "
                f"retention_days_responses ({self.retention_days_responses})"
            )
        return self

    @property
    def comment_retention_days(self) -> int:
        """Days the text of open answers is kept (the response retention unless set shorter)."""
        return (
            self.retention_days_responses
            if self.retention_days_comments is None
            else self.retention_days_comments
        )


class Tenant(BaseModel):
    """A brand using Touchpoint."""

    tenant_id: str = Field(pattern=TENANT_ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    created_at: datetime
    config: TenantConfig = Field(default_factory=TenantConfig)


class ApiKeyRecord(BaseModel):
    """What is stored about a key: never the key itself, only its SHA-256 hash."""

    key_id: str
    tenant_id: str
    kind: KeyKind
    key_hash: str = Field(min_length=64, max_length=64)
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        """True until the key is revoked."""
        return self.revoked_at is None


def is_valid_tenant_id(value: str) -> bool:
    """True when `value` can be a tenant id (lowercase letters, digits and dashes)."""
    return bool(_TENANT_ID_RE.match(value))
