"""Sending one alert to a tenant's webhook over HTTP(S), and checking the URL first.

The URL is set by a tenant admin, so it is treated as untrusted: outside the `local` and `test`
stages it must be `https` and its host must resolve to public addresses only (no loopback,
private, link-local or metadata addresses), and redirects are never followed. Locally and in
tests `http://127.0.0.1:<port>/...` is allowed so a test can serve the webhook itself.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from touchpoint.models.inputs import InputError, parse_url

USER_AGENT = "Touchpoint-Alerts/1"
TIMEOUT_S = 5.0
_RETRYABLE_STATUS = frozenset({408, 425, 429})


class UnsafeWebhookUrlError(ValueError):
    """The webhook URL may not be called (scheme, host or address not allowed)."""


class DeliveryError(Exception):
    """One delivery attempt failed; `retryable` says whether trying again may help."""

    def __init__(self, message: str, *, status_code: int | None = None, retryable: bool = True) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retryable = retryable


Resolver = Callable[[str], list[str]]


def resolve_host(host: str) -> list[str]:
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def check_webhook_url(url: str, *, allow_private: bool, resolve: Resolver = resolve_host) -> None:
    """Raise UnsafeWebhookUrlError unless `url` may receive alerts.

    `allow_private` (local and test stages) permits `http` and loopback/private hosts.
    """
    if len(url) > 2048:
        raise UnsafeWebhookUrlError("the webhook URL is longer than 2048 characters")
    try:
        parts = parse_url(url)
    except InputError as error:
        raise UnsafeWebhookUrlError(error.message) from None
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeWebhookUrlError(f"the webhook URL must use {' or '.join(allowed)}")
    if not parts.hostname:
        raise UnsafeWebhookUrlError("the webhook URL has no host")
    if parts.username or parts.password:
        raise UnsafeWebhookUrlError("the webhook URL must not contain credentials")
    if allow_private:
        return
    try:
        addresses = resolve(parts.hostname)
    except OSError as error:
        raise UnsafeWebhookUrlError(f"the webhook host does not resolve: {error}") from None
    if not addresses:
        raise UnsafeWebhookUrlError("the webhook host does not resolve")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            raise UnsafeWebhookUrlError("the webhook host resolves to a non-public address")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class WebhookResponse:
    """What the receiver answered."""

    status_code: int
    duration_ms: int


def post_json(url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT_S) -> WebhookResponse:
    """POST `body` as JSON; 2xx returns, anything else raises DeliveryError."""
    request = urllib.request.Request(  # noqa: S310 - scheme checked by check_webhook_url
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
    )
    started = time.monotonic()
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        status = int(error.code)
        error.close()
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryError(f"connection failed: {reason}") from None
    if 200 <= status < 300:
        return WebhookResponse(status, int((time.monotonic() - started) * 1000))
    retryable = status >= 500 or status in _RETRYABLE_STATUS
    raise DeliveryError(f"the webhook answered HTTP {status}", status_code=status, retryable=retryable)
