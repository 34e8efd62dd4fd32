"""Abuse checks of the public form: client address, rate limits, and counting what is refused.

Every refused submission is counted twice: as the Powertools metric `FeedbackRejected` with a
`reason` dimension (CloudWatch, through the embedded metric format) and in `REJECTED`, this
process's own tally (what tests and the local stack read). Refused submissions are never stored
as answers.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections import Counter
from collections.abc import Mapping
from typing import Literal

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from chalicelib.policy import FeedbackPolicy
from touchpoint.observability import METRICS_NAMESPACE, logger
from touchpoint.storage.form_state import FormStateRepository

RejectReason = Literal[
    "bad_token",
    "revoked_token",
    "rate_limited_client",
    "rate_limited_token",
    "honeypot",
    "bad_form_token",
    "expired_form",
    "too_fast",
    "invalid_answer",
    "double_submit",
    "survey_closed",
]
REJECTED: Counter[str] = Counter()


def count_rejection(reason: RejectReason) -> None:
    """Count one refused submission (metric, log line and the in-process tally)."""
    REJECTED[reason] += 1
    logger.info("feedback submission rejected", extra={"reason": reason})
    with single_metric(
        name="FeedbackRejected", unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE
    ) as metric:
        metric.add_dimension(name="reason", value=reason)


def _ip(candidate: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((candidate or "").strip()))
    except ValueError:
        return None


def client_address(headers: Mapping[str, str], source_ip: str | None) -> str:
    """The client's IP address, as far as it can be trusted.

    Deployed, API Gateway's `requestContext.identity.sourceIp` is the address that connected to
    it, and `X-Forwarded-For` (which the client writes) is ignored. Only when the source is a
    loopback address (the local dev server and the test client report 127.0.0.1) is the last
    hop of `X-Forwarded-For` used: the address the local server itself saw.
    """
    source = _ip(source_ip)
    if source is not None and not ipaddress.ip_address(source).is_loopback:
        return source
    forwarded = next((v for k, v in headers.items() if k.lower() == "x-forwarded-for"), "")
    return _ip(forwarded.rsplit(",", 1)[-1]) or source or "unknown"


def client_pseudonym(address: str, tenant_id: str, pepper: str) -> str:
    """The stored stand-in for a client address: an HMAC keyed with the deployment's pepper and tenant.

    Without the pepper the 2^32 IPv4 addresses cannot be tried against stored keys, and the same
    client has unrelated keys at different tenants.
    """
    mac = hmac.new(
        f"{pepper}\x00{tenant_id}".encode(), f"touchpoint-form-client\x00{address}".encode(), "sha256"
    )
    return mac.hexdigest()[:32]


def within_limits(
    state: FormStateRepository,
    policy: FeedbackPolicy,
    scope: Literal["client", "token"],
    key: str,
    now: float,
) -> bool:
    """Count one submission in the current fixed window of `scope`; False when over the limit.

    `key` is stored as given: for `client`, pass `client_pseudonym(...)`, never the address.
    """
    window = int(now // policy.window_seconds) * policy.window_seconds
    limit = policy.client_limit if scope == "client" else policy.token_limit
    return state.hit(scope, key, window, limit, expires_at=window + 2 * policy.window_seconds)


def honeypot_filled(fields: Mapping[str, list[str]], name: str) -> bool:
    """True when the field hidden from people was filled in (a bot)."""
    return any(v.strip() for v in fields.get(name, []))
