"""The feedback form's abuse-protection policy, read from the environment once at cold start.

| variable | default | meaning |
|---|---|---|
| `TOUCHPOINT_FEEDBACK_MIN_FILL_SECONDS` | 3 | a form sent sooner after it was shown is refused |
| `TOUCHPOINT_FEEDBACK_FORM_MAX_AGE_SECONDS` | 7200 | a form older than this must be reloaded |
| `TOUCHPOINT_FEEDBACK_TOKEN_LIMIT` | 60 | submissions per touchpoint per window |
| `TOUCHPOINT_FEEDBACK_CLIENT_LIMIT` | 20 | submissions per client IP per window (a store's Wi-Fi shares one IP) |
| `TOUCHPOINT_FEEDBACK_WINDOW_SECONDS` | 600 | length of a rate-limit window |
| `TOUCHPOINT_PUBLIC_BASE_URL` | (from the request) | base of the QR URLs, e.g. `https://feedback.example.com` |
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from touchpoint.settings import ConfigurationError

_URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$")


@dataclass(frozen=True)
class FeedbackPolicy:
    """Limits of the public form."""

    min_fill_seconds: float = 3.0
    form_max_age_seconds: int = 7200
    token_limit: int = 60
    client_limit: int = 20
    window_seconds: int = 600
    public_base_url: str | None = None


def _number(env: Mapping[str, str], name: str, default: float, minimum: float, maximum: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(name, f"must be a number, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ConfigurationError(name, f"must be between {minimum:g} and {maximum:g}, got {raw}")
    return value


def policy_from_env(env: Mapping[str, str]) -> FeedbackPolicy:
    """Build and validate the policy (raises ConfigurationError naming the bad variable)."""
    base = env.get("TOUCHPOINT_PUBLIC_BASE_URL", "").strip().rstrip("/") or None
    if base is not None and not _URL_RE.match(base):
        raise ConfigurationError("TOUCHPOINT_PUBLIC_BASE_URL", f"must be an http(s) URL, got {base!r}")
    return FeedbackPolicy(
        min_fill_seconds=_number(env, "TOUCHPOINT_FEEDBACK_MIN_FILL_SECONDS", 3.0, 0, 600),
        form_max_age_seconds=int(_number(env, "TOUCHPOINT_FEEDBACK_FORM_MAX_AGE_SECONDS", 7200, 60, 86400)),
        token_limit=int(_number(env, "TOUCHPOINT_FEEDBACK_TOKEN_LIMIT", 60, 1, 1_000_000)),
        client_limit=int(_number(env, "TOUCHPOINT_FEEDBACK_CLIENT_LIMIT", 20, 1, 1_000_000)),
        window_seconds=int(_number(env, "TOUCHPOINT_FEEDBACK_WINDOW_SECONDS", 600, 1, 86400)),
        public_base_url=base,
    )


@lru_cache(maxsize=1)
def get_policy() -> FeedbackPolicy:
    """The policy of this process (read from `os.environ` on first use)."""
    return policy_from_env(os.environ)


def reset_policy() -> None:
    """Forget the cached policy (tests change the environment)."""
    get_policy.cache_clear()
