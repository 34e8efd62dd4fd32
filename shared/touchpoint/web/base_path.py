"""The path prefix a request reached the functions under: for every page link, redirect and cookie.

Routes are written for the root (`/dashboard`, `/f/{token}`), but a browser may reach them under a
prefix: API Gateway's own domain puts the stage first (`https://<id>.execute-api.<region>.amazonaws.com/api/dashboard`),
a custom domain its base path mapping, a proxy its mount point. `base_path` finds that prefix, first
match wins:

1. `TOUCHPOINT_BASE_PATH` (`/` for the root): configured, for a proxy that hides the stage (e.g.
   CloudFront in front of the stage URL, where the stage is in the request context but not in
   the browser's URL);
2. `X-Forwarded-Prefix`: sent by a proxy that mounts the functions under a path, and by
   `touchpoint dev --base-path`;
3. API Gateway's request context: `requestContext.path` (the path the client asked for, with the
   stage or base path mapping) less the route (`resourcePath`, one segment for each of its own).

Otherwise the root (`""`). A prefix is a plain path (`/a/b`): no scheme, host, query, empty,
`.` or `..` segment, so no header can turn a link or a redirect into another site's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated, Any

from chalice.app import Request
from pydantic import AfterValidator, Field

from touchpoint.settings import EnvironmentSettings, environment_settings

FORWARDED_PREFIX_HEADER = "x-forwarded-prefix"
_SEGMENT_RE = re.compile(r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$")
_MAX_PREFIX = 200


def normalize_prefix(value: str) -> str | None:
    """`/a/b` for `/a/b` or `/a/b/`, `""` for the root (`""` or `/`), None when not a plain path."""
    value = value.strip()
    if value in ("", "/"):
        return ""
    if len(value) > _MAX_PREFIX or not value.startswith("/"):
        return None
    segments = value.removesuffix("/")[1:].split("/")
    if not all(_SEGMENT_RE.match(s) and s not in (".", "..") for s in segments):
        return None
    return "/" + "/".join(segments)


def _configured(value: str | None) -> str | None:
    if value is None:
        return None
    prefix = normalize_prefix(value)
    if prefix is None:
        raise ValueError(f"must be a path like /api (or / for the root), got {value!r}")
    return prefix


class BasePathSettings(EnvironmentSettings):
    """`TOUCHPOINT_BASE_PATH`: the prefix every link and redirect carries (unset: from each request)."""

    base_path: Annotated[str | None, AfterValidator(_configured)] = Field(
        None, validation_alias="TOUCHPOINT_BASE_PATH"
    )


def base_path_settings_from_env(env: Mapping[str, str]) -> BasePathSettings:
    """The setting read from `env` alone (raises ConfigurationError naming the variable)."""
    return environment_settings(BasePathSettings, env)


@lru_cache(maxsize=1)
def get_base_path_settings() -> BasePathSettings:
    """The setting of this process (read from `os.environ` once, at cold start)."""
    return environment_settings(BasePathSettings)


def reset_base_path_settings() -> None:
    """Forget the cached setting (tests change the environment)."""
    get_base_path_settings.cache_clear()


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def prefix_from_context(context: Mapping[str, Any]) -> str:
    """The stage or base path API Gateway saw before the route (`""` when there is none or it is unclear)."""
    asked, route = context.get("path"), context.get("resourcePath")
    if not isinstance(asked, str) or not isinstance(route, str):
        return ""
    asked_parts, route_parts = _segments(asked), _segments(route)
    extra = len(asked_parts) - len(route_parts)
    if extra <= 0:
        return ""
    tail = asked_parts[extra:]
    for got, expected in zip(tail, route_parts, strict=True):
        if not (expected.startswith("{") and expected.endswith("}")) and got != expected:
            return ""  # not this route's path (a greedy parameter, a rewrite): do not guess
    return normalize_prefix("/" + "/".join(asked_parts[:extra])) or ""


def base_path(
    headers: Mapping[str, str], context: Mapping[str, Any] | None, configured: str | None = None
) -> str:
    """The prefix of this request's links: configured, else `X-Forwarded-Prefix`, else API Gateway's context."""
    if configured is not None:
        return normalize_prefix(configured) or ""
    forwarded = next((v for k, v in headers.items() if k.lower() == FORWARDED_PREFIX_HEADER), None)
    if forwarded is not None:
        prefix = normalize_prefix(forwarded.split(",")[0])
        if prefix is not None:
            return prefix
    return prefix_from_context(context or {})


def request_base_path(request: Request | None) -> str:
    """`base_path` of a Chalice request, with `TOUCHPOINT_BASE_PATH` from the environment."""
    if request is None:
        return get_base_path_settings().base_path or ""
    context = request.context if isinstance(request.context, dict) else {}
    headers = {str(k): str(v) for k, v in dict(request.headers).items()}
    return base_path(headers, context, get_base_path_settings().base_path)


def cookie_path(prefix: str) -> str:
    """The `Path` of a cookie for pages under `prefix` (`/` at the root)."""
    return prefix or "/"
