"""Abuse checks of the public form: client address, rate limits, and counting what is refused.

Every refused submission is counted twice: as the Powertools metric `FeedbackRejected` with a
`reason` dimension (CloudWatch, through the embedded metric format) and in `REJECTED`, this
process's own tally (what tests and the local stack read). Refused submissions are never stored
as answers.
"""

from __future__ import annotations

import hashlib
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


def client_address(headers: Mapping[str, str], source_ip: str | None) -> str:
    """The client's IP: the first hop of `X-Forwarded-For`, else the connection's source address."""
    forwarded = next((v for k, v in headers.items() if k.lower() == "x-forwarded-for"), "")
    first = forwarded.split(",", 1)[0].strip()
    for candidate in (first, (source_ip or "").strip()):
        if not candidate:
            continue
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return "unknown"


def _pseudonym(value: str) -> str:
    """A short one-way stand-in for an IP address (rate-limit keys store no addresses)."""
    return hashlib.sha256(f"touchpoint-form-client\x00{value}".encode()).hexdigest()[:24]


def within_limits(
    state: FormStateRepository,
    policy: FeedbackPolicy,
    scope: Literal["client", "token"],
    key: str,
    now: float,
) -> bool:
    """Count one submission in the current fixed window of `scope`; False when over the limit."""
    window = int(now // policy.window_seconds) * policy.window_seconds
    limit = policy.client_limit if scope == "client" else policy.token_limit
    stored_key = _pseudonym(key) if scope == "client" else key
    return state.hit(scope, stored_key, window, limit, expires_at=window + 2 * policy.window_seconds)


def honeypot_filled(fields: Mapping[str, list[str]], name: str) -> bool:
    """True when the field hidden from people was filled in (a bot)."""
    return any(v.strip() for v in fields.get(name, []))
