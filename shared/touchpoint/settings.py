"""Settings read from environment variables, validated once at cold start.

Every resource name derives from one prefix (default `touchpoint-<stage>`) so that the
CloudFormation template in `infra/`, the functions and the local stack agree on names without
passing a dozen variables around. A missing or malformed variable stops the function at cold
start with one message naming the variable.

The variables are read by pydantic-settings: each field names its variable (`validation_alias`);
`environment_settings` turns a validation error into the one ConfigurationError that names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import AliasChoices, BeforeValidator, Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

Stage = Literal["local", "test", "dev", "staging", "prod"]
STAGES: tuple[str, ...] = get_args(Stage)
SentimentEngineName = Literal["local", "comprehend"]
SENTIMENT_ENGINES: tuple[str, ...] = get_args(SentimentEngineName)
_PREFIX_RE = re.compile(r"^[a-z][a-z0-9-]{2,39}$")
_BOOL_TRUE = {"1", "true", "yes", "on"}
_BOOL_FALSE = {"0", "false", "no", "off", ""}
#: Stages whose pepper is required and read from Secrets Manager when the environment gives none.
PEPPERED_STAGES = ("dev", "staging", "prod")
MIN_PEPPER_LENGTH = 16
PEPPER_TOO_SHORT = f"must be at least {MIN_PEPPER_LENGTH} characters on deployed stages"
#: How long a read pepper is cached (Powertools Parameters `max_age`, seconds): it never rotates
#: (stored key hashes and dashboard sessions are made with it), so one read per container and hour.
PEPPER_MAX_AGE = 3600
PEPPER_VARIABLE = "TOUCHPOINT_KEY_PEPPER"
PEPPER_SECRET_VARIABLE = "TOUCHPOINT_KEY_PEPPER_SECRET"  # noqa: S105 - a variable name


class ConfigurationError(RuntimeError):
    """Raised at cold start when an environment variable is missing or malformed."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        super().__init__(f"configuration error: environment variable {variable} {problem}")


def whole_number(minimum: int, maximum: int) -> BeforeValidator:
    """A validator of a whole number from `minimum` to `maximum` (an empty value: the default)."""

    def check(raw: Any) -> Any:
        if isinstance(raw, int):
            value = raw
        else:
            try:
                value = int(str(raw))
            except ValueError:
                raise ValueError(f"must be a whole number, got {raw!r}") from None
        if not minimum <= value <= maximum:
            raise ValueError(f"must be between {minimum} and {maximum}, got {value}")
        return value

    return BeforeValidator(check)


def number(minimum: float, maximum: float, *, whole: bool = False) -> BeforeValidator:
    """A validator of a number from `minimum` to `maximum` (`whole`: its integer part)."""

    def check(raw: Any) -> Any:
        try:
            value = float(str(raw).strip())
        except ValueError:
            raise ValueError(f"must be a number, got {raw!r}") from None
        if not minimum <= value <= maximum:
            raise ValueError(f"must be between {minimum:g} and {maximum:g}, got {str(raw).strip()}")
        return int(value) if whole else value

    return BeforeValidator(check)


def _flag(raw: Any) -> Any:
    if isinstance(raw, bool):
        return raw
    lowered = str(raw).strip().lower()
    if lowered in _BOOL_TRUE:
        return True
    if lowered in _BOOL_FALSE:
        return False
    raise ValueError(f"must be true or false, got {raw!r}")


def _one_of(choices: tuple[str, ...], default: str | None = None) -> Callable[[Any], Any]:
    def check(raw: Any) -> Any:
        value = str(raw).strip().lower() if default is not None else str(raw).strip()
        if not value:
            if default is None:
                raise ValueError("is required but not set")
            return default
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    return check


Flag = Annotated[bool, BeforeValidator(_flag)]


class EnvironmentSettings(BaseSettings):
    """Settings read from `os.environ` by pydantic-settings, or from a given mapping alone (tests)."""

    model_config = SettingsConfigDict(
        frozen=True, case_sensitive=True, extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then the process environment (no dotenv or secret files)."""
        return (init_settings,) if _MAPPING_ONLY.get() else (init_settings, env_settings)


_MAPPING_ONLY: ContextVar[bool] = ContextVar("settings_mapping_only", default=False)
E = TypeVar("E", bound=EnvironmentSettings)


def environment_settings(model: type[E], env: Mapping[str, str] | None = None) -> E:
    """Read `model` from `os.environ` (through pydantic-settings), or from `env` alone.

    Empty values count as not set. Raises ConfigurationError naming the first variable that is
    missing or malformed.
    """
    token = _MAPPING_ONLY.set(env is not None)
    try:
        values: dict[str, Any] = {k: v for k, v in (env or {}).items() if v != "" and not k.startswith("_")}
        return model(**values)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        info = model.model_fields.get(field)
        alias = info.validation_alias if info is not None else None
        variable = alias if isinstance(alias, str) else field
        if first["type"] == "missing":
            raise ConfigurationError(variable, "is required but not set") from None
        problem = first.get("ctx", {}).get("error") if first["type"] == "value_error" else None
        raise ConfigurationError(variable, str(problem or first["msg"])) from None
    finally:
        _MAPPING_ONLY.reset(token)


class Settings(EnvironmentSettings):
    """The validated runtime configuration of a function."""

    stage: Annotated[Stage, BeforeValidator(_one_of(STAGES))] = Field(validation_alias="TOUCHPOINT_STAGE")
    resource_prefix: str = Field("", validation_alias="TOUCHPOINT_RESOURCE_PREFIX", validate_default=True)
    region: str = Field("eu-central-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    key_pepper_value: str = Field(
        "",
        repr=False,
        validation_alias=AliasChoices("TOUCHPOINT_KEY_PEPPER", "key_pepper"),
        validate_default=True,
    )
    """A pepper given in the environment (local, test; deployed stages read the secret instead)."""
    key_pepper_secret_id: str = Field("", validation_alias="TOUCHPOINT_KEY_PEPPER_SECRET")
    """The Secrets Manager secret (name or ARN) holding the pepper; default `<prefix>/key-pepper`."""
    max_event_bytes: Annotated[int, whole_number(1024, 1024 * 1024)] = Field(
        32 * 1024, validation_alias="TOUCHPOINT_MAX_EVENT_BYTES"
    )
    max_batch_bytes: Annotated[int, whole_number(1024, 6 * 1024 * 1024)] = Field(
        500 * 1024, validation_alias="TOUCHPOINT_MAX_BATCH_BYTES"
    )
    rate_limit_enabled: Flag = Field(True, validation_alias="TOUCHPOINT_RATE_LIMIT")
    sentiment_engine: Annotated[SentimentEngineName, BeforeValidator(_one_of(SENTIMENT_ENGINES, "local"))] = (
        Field("local", validation_alias="TOUCHPOINT_SENTIMENT_ENGINE")
    )
    """Where comment sentiment comes from: the local analyser or Amazon Comprehend (docs/SENTIMENT.md)."""
    spark_threshold_bytes: Annotated[int, whole_number(1, 1 << 50)] = Field(
        400 * 1024 * 1024, validation_alias="TOUCHPOINT_SPARK_THRESHOLD_BYTES"
    )
    """A tenant-day whose raw input window is larger goes to Spark (`touchpoint.rollup.engine_choice`)."""
    emr_application_id: str = Field("", validation_alias="TOUCHPOINT_EMR_APPLICATION_ID")
    """The EMR Serverless application big tenant-days run on (set by the rollup's packaged template)."""
    mail_from: str = Field("", validation_alias="TOUCHPOINT_MAIL_FROM")
    """The SES-verified sender of replies and announcements to customers; empty: no e-mail is sent."""
    emr_job_role_arn: str = Field("", validation_alias="TOUCHPOINT_EMR_JOB_ROLE_ARN")
    """The execution role of those Spark job runs (set by the rollup's packaged template)."""
    user_pool_id_value: str = Field("", validation_alias="TOUCHPOINT_USER_POOL_ID")
    """The Cognito user pool of team accounts; empty: looked up by name (`user_pool_name`)."""
    user_pool_client_id_value: str = Field("", validation_alias="TOUCHPOINT_USER_POOL_CLIENT_ID")
    """The pool's app client the sign-in page uses; empty: looked up by name (`user_pool_client_name`)."""
    notifications_queue_url: str = Field("", validation_alias="TOUCHPOINT_NOTIFICATIONS_QUEUE_URL")
    """The SQS queue of per-answer notifications; empty: looked up by name (`notifications_queue_name`)."""
    public_base_url: str = Field("", validation_alias="TOUCHPOINT_PUBLIC_BASE_URL")
    """The public host links in notifications point to (`https://feedback.example.com`); empty: no links."""
    contact_key_id_value: str = Field("", validation_alias="TOUCHPOINT_CONTACT_KEY_ID")
    """The KMS key respondents' contact details are encrypted with (id, ARN or alias); default
    the template's alias `alias/<prefix>-contacts`."""

    @field_validator("resource_prefix")
    @classmethod
    def _prefix(cls, value: str, info: ValidationInfo) -> str:
        prefix = value.strip() or (f"touchpoint-{info.data['stage']}" if "stage" in info.data else "")
        if prefix and not _PREFIX_RE.match(prefix):
            raise ValueError(
                f"must be 3-40 lowercase letters, digits or dashes starting with a letter, got {prefix!r}"
            )
        return prefix

    @field_validator("key_pepper_value")
    @classmethod
    def _pepper(cls, value: str, info: ValidationInfo) -> str:
        if value and info.data.get("stage") in PEPPERED_STAGES and len(value) < MIN_PEPPER_LENGTH:
            raise ValueError(PEPPER_TOO_SHORT)
        return value

    @property
    def pepper_secret(self) -> str:
        """The secret the pepper is read from when the environment gives none."""
        return self.key_pepper_secret_id.strip() or f"{self.resource_prefix}/key-pepper"

    @property
    def key_pepper(self) -> str:
        """The key pepper: the environment's, else (deployed stages) the stage's secret, read through
        Powertools Parameters and cached for PEPPER_MAX_AGE seconds. Empty on local/test/dev
        without either. Raises ConfigurationError when the secret cannot be read or is too short."""
        if self.key_pepper_value:
            return self.key_pepper_value
        if self.stage not in PEPPERED_STAGES and not self.key_pepper_secret_id:
            return ""
        return read_pepper_secret(self.pepper_secret)

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
    def cases_table(self) -> str:
        """Follow-up cases with their history, notes and replies; case rules; announcements."""
        return f"{self.resource_prefix}-cases"

    @property
    def alerts_topic_name(self) -> str:
        """SNS topic that receives fired alerts beside the tenant webhook."""
        return f"{self.resource_prefix}-alerts"

    @property
    def user_pool_name(self) -> str:
        """The Cognito user pool of team accounts."""
        return f"{self.resource_prefix}-users"

    @property
    def user_pool_client_name(self) -> str:
        """The user pool's app client of the sign-in page."""
        return f"{self.resource_prefix}-web"

    @property
    def notifications_queue_name(self) -> str:
        """SQS queue per-answer notification deliveries wait in."""
        return f"{self.resource_prefix}-notifications"

    @property
    def contact_key_id(self) -> str:
        """The KMS key of contact details: TOUCHPOINT_CONTACT_KEY_ID, else the template's alias."""
        return self.contact_key_id_value.strip() or f"alias/{self.resource_prefix}-contacts"


def read_pepper_secret(secret_id: str) -> str:
    """The pepper in Secrets Manager secret `secret_id` (Powertools Parameters, cached for
    PEPPER_MAX_AGE seconds); raises ConfigurationError when unreadable or too short."""
    from aws_lambda_powertools.utilities import parameters

    try:
        value = parameters.get_secret(secret_id, max_age=PEPPER_MAX_AGE)
    except parameters.exceptions.GetParameterError as error:
        raise ConfigurationError(
            PEPPER_SECRET_VARIABLE, f"names a secret that cannot be read ({secret_id}): {error}"
        ) from None
    if not isinstance(value, str) or len(value) < MIN_PEPPER_LENGTH:
        raise ConfigurationError(PEPPER_SECRET_VARIABLE, f"names a secret that {PEPPER_TOO_SHORT}")
    return value


def settings_from_env(env: Mapping[str, str]) -> Settings:
    """Build and validate settings from an environment mapping (raises ConfigurationError)."""
    return environment_settings(Settings, env)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from `os.environ` once (at cold start)."""
    return environment_settings(Settings)


def reset_settings_cache() -> None:
    """Forget cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
