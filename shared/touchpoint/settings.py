"""Settings read from environment variables, validated once at cold start.

Every resource name derives from one prefix (default `touchpoint-<stage>`) so that the
CloudFormation template in `infra/`, the functions and the local stack agree on names without
passing a dozen variables around. A missing or malformed variable stops the function at cold
start with one message naming the variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Stage = Literal["local", "test", "dev", "staging", "prod"]
STAGES: tuple[str, ...] = get_args(Stage)
SentimentEngineName = Literal["local", "comprehend"]
SENTIMENT_ENGINES: tuple[str, ...] = get_args(SentimentEngineName)
_PREFIX_RE = re.compile(r"^[a-z][a-z0-9-]{2,39}$")
_BOOL_TRUE = {"1", "true", "yes", "on"}
_BOOL_FALSE = {"0", "false", "no", "off", ""}


class ConfigurationError(RuntimeError):
    """Raised at cold start when an environment variable is missing or malformed."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        super().__init__(f"configuration error: environment variable {variable} {problem}")


class Settings(BaseModel):
    """The validated runtime configuration of a function."""

    model_config = ConfigDict(frozen=True)

    stage: Stage
    resource_prefix: str
    region: str = "eu-central-1"
    key_pepper: str = Field(default="", repr=False)
    max_event_bytes: int = 32 * 1024
    max_batch_bytes: int = 500 * 1024
    rate_limit_enabled: bool = True
    sentiment_engine: SentimentEngineName = "local"
    """Where comment sentiment comes from: the local analyser or Amazon Comprehend (docs/SENTIMENT.md)."""

    @property
    def config_table(self) -> str:
        """Tenants, keys, locations, touchpoints, surveys and alert rules."""
        return f"{self.resource_prefix}-config"

    @property
    def responses_table(self) -> str:
        """Survey and feedback responses."""
        return f"{self.resource_prefix}-responses"

    @property
    def people_table(self) -> str:
        """Identity links, profiles and the erasure suppression list."""
        return f"{self.resource_prefix}-people"

    @property
    def metrics_table(self) -> str:
        """Daily metric results."""
        return f"{self.resource_prefix}-metrics"

    @property
    def state_table(self) -> str:
        """Rollup state, rate-limit windows, form nonces, alerts and deliveries."""
        return f"{self.resource_prefix}-state"

    @property
    def idempotency_table(self) -> str:
        """Powertools idempotency records."""
        return f"{self.resource_prefix}-idempotency"

    @property
    def lake_bucket(self) -> str:
        """The data lake: raw events, quarantine, responses copy and exports."""
        return f"{self.resource_prefix}-lake"

    @property
    def events_stream(self) -> str:
        """The Firehose delivery stream ingest lands accepted events through."""
        return f"{self.resource_prefix}-events"

    @property
    def alerts_topic_name(self) -> str:
        """SNS topic that receives fired alerts beside the tenant webhook."""
        return f"{self.resource_prefix}-alerts"


def _require(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if value is None or not value.strip():
        raise ConfigurationError(name, "is required but not set")
    return value.strip()


def _int(env: Mapping[str, str], name: str, default: int, minimum: int, maximum: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(name, f"must be a whole number, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ConfigurationError(name, f"must be between {minimum} and {maximum}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _BOOL_TRUE:
        return True
    if lowered in _BOOL_FALSE:
        return False
    raise ConfigurationError(name, f"must be true or false, got {raw!r}")


def settings_from_env(env: Mapping[str, str]) -> Settings:
    """Build and validate settings from an environment mapping (raises ConfigurationError)."""
    stage = _require(env, "TOUCHPOINT_STAGE")
    if stage not in STAGES:
        raise ConfigurationError("TOUCHPOINT_STAGE", f"must be one of {', '.join(STAGES)}, got {stage!r}")
    prefix = env.get("TOUCHPOINT_RESOURCE_PREFIX", "").strip() or f"touchpoint-{stage}"
    if not _PREFIX_RE.match(prefix):
        raise ConfigurationError(
            "TOUCHPOINT_RESOURCE_PREFIX",
            f"must be 3-40 lowercase letters, digits or dashes starting with a letter, got {prefix!r}",
        )
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-central-1"
    pepper = env.get("TOUCHPOINT_KEY_PEPPER", "")
    if stage in ("staging", "prod") and len(pepper) < 16:
        raise ConfigurationError(
            "TOUCHPOINT_KEY_PEPPER", "must be at least 16 characters on staging and prod"
        )
    engine = env.get("TOUCHPOINT_SENTIMENT_ENGINE", "").strip().lower() or "local"
    if engine not in SENTIMENT_ENGINES:
        raise ConfigurationError(
            "TOUCHPOINT_SENTIMENT_ENGINE", f"must be one of {', '.join(SENTIMENT_ENGINES)}, got {engine!r}"
        )
    return Settings(
        stage=stage,
        resource_prefix=prefix,
        region=region,
        key_pepper=pepper,
        max_event_bytes=_int(env, "TOUCHPOINT_MAX_EVENT_BYTES", 32 * 1024, 1024, 1024 * 1024),
        max_batch_bytes=_int(env, "TOUCHPOINT_MAX_BATCH_BYTES", 500 * 1024, 1024, 6 * 1024 * 1024),
        rate_limit_enabled=_bool(env, "TOUCHPOINT_RATE_LIMIT", True),
        sentiment_engine=engine,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from `os.environ` once (at cold start)."""
    return settings_from_env(os.environ)


def reset_settings_cache() -> None:
    """Forget cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
