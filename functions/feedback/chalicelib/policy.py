"""The feedback form's abuse-protection policy, read from the environment once at cold start.

| variable | default | meaning |
|---|---|---|
| `TOUCHPOINT_FEEDBACK_MIN_FILL_SECONDS` | 3 | a form sent sooner after it was shown is refused |
| `TOUCHPOINT_FEEDBACK_FORM_MAX_AGE_SECONDS` | 7200 | a form older than this must be reloaded |
| `TOUCHPOINT_FEEDBACK_TOKEN_LIMIT` | 60 | submissions per touchpoint per window |
| `TOUCHPOINT_FEEDBACK_CLIENT_LIMIT` | 20 | submissions per client IP per window (a store's Wi-Fi shares one IP) |
| `TOUCHPOINT_FEEDBACK_WINDOW_SECONDS` | 600 | length of a rate-limit window |
| `TOUCHPOINT_PUBLIC_BASE_URL` | (from the request) | base of the QR URLs, e.g. `https://feedback.example.com` |

Read like the function's settings (`touchpoint.settings.environment_settings`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, Field

from touchpoint.settings import EnvironmentSettings, environment_settings, number

_URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$")


def _base_url(value: str | None) -> str | None:
    base = (value or "").strip().rstrip("/") or None
    if base is not None and not _URL_RE.match(base):
        raise ValueError(f"must be an http(s) URL, got {base!r}")
    return base


class FeedbackPolicy(EnvironmentSettings):
    """Limits of the public form."""

    min_fill_seconds: Annotated[float, number(0, 600)] = Field(
        3.0, validation_alias="TOUCHPOINT_FEEDBACK_MIN_FILL_SECONDS"
    )
    form_max_age_seconds: Annotated[int, number(60, 86400, whole=True)] = Field(
        7200, validation_alias="TOUCHPOINT_FEEDBACK_FORM_MAX_AGE_SECONDS"
    )
    token_limit: Annotated[int, number(1, 1_000_000, whole=True)] = Field(
        60, validation_alias="TOUCHPOINT_FEEDBACK_TOKEN_LIMIT"
    )
    client_limit: Annotated[int, number(1, 1_000_000, whole=True)] = Field(
        20, validation_alias="TOUCHPOINT_FEEDBACK_CLIENT_LIMIT"
    )
    window_seconds: Annotated[int, number(1, 86400, whole=True)] = Field(
        600, validation_alias="TOUCHPOINT_FEEDBACK_WINDOW_SECONDS"
    )
    public_base_url: Annotated[str | None, AfterValidator(_base_url)] = Field(
        None, validation_alias="TOUCHPOINT_PUBLIC_BASE_URL"
    )


def policy_from_env(env: Mapping[str, str]) -> FeedbackPolicy:
    """Build and validate the policy (raises ConfigurationError naming the bad variable)."""
    return environment_settings(FeedbackPolicy, env)


@lru_cache(maxsize=1)
def get_policy() -> FeedbackPolicy:
    """The policy of this process (read from `os.environ` on first use)."""
    return environment_settings(FeedbackPolicy)


def reset_policy() -> None:
    """Forget the cached policy (tests change the environment)."""
    get_policy.cache_clear()
