"""Delivery with retries (no real sleeping), webhook signatures and webhook URL safety."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from touchpoint.alerts.delivery import RetryPolicy, deliver_with_retry, overall_status
from touchpoint.alerts.models import (
    DeliveryAttempt,
    DeliveryStatus,
    Outlet,
    OutletState,
    alert_id,
    parse_alert_id,
)
from touchpoint.alerts.signing import new_secret, sign, verify_signature
from touchpoint.alerts.webhook import DeliveryError, UnsafeWebhookUrlError, check_webhook_url


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2024, 6, 1, tzinfo=UTC)
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def failing(times: int, error: Exception) -> tuple[list[int], object]:
    calls: list[int] = []

    def send() -> int:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return 200

    return calls, send


def test_retries_with_exponential_backoff_until_delivered() -> None:
    clock = FakeClock()
    attempts: list[DeliveryAttempt] = []
    _calls, send = failing(3, DeliveryError("HTTP 503", status_code=503))
    state = deliver_with_retry(
        Outlet.WEBHOOK,
        send,  # type: ignore[arg-type]
        policy=RetryPolicy(max_attempts=5, base_delay_s=1, factor=2),
        on_attempt=attempts.append,
        sleep=clock.sleep,
        clock=clock,
    )
    assert state.status is DeliveryStatus.DELIVERED and state.attempts == 4
    assert clock.slept == [1, 2, 4]
    assert [a.ok for a in attempts] == [False, False, False, True]
    assert [a.attempt for a in attempts] == [1, 2, 3, 4]
    assert attempts[0].status_code == 503 and attempts[0].error == "HTTP 503"
    assert attempts[-1].at == datetime(2024, 6, 1, tzinfo=UTC) + timedelta(seconds=7)


def test_gives_up_after_max_attempts_and_keeps_every_attempt() -> None:
    clock = FakeClock()
    attempts: list[DeliveryAttempt] = []
    _, send = failing(99, OSError("connection refused"))
    state = deliver_with_retry(
        Outlet.SNS,
        send,  # type: ignore[arg-type]
        policy=RetryPolicy(max_attempts=3, base_delay_s=10, factor=3, max_delay_s=20),
        on_attempt=attempts.append,
        sleep=clock.sleep,
        clock=clock,
    )
    assert state.status is DeliveryStatus.FAILED and state.attempts == 3
    assert state.last_error == "OSError: connection refused"
    assert clock.slept == [10, 20]  # capped, and no sleep after the last attempt
    assert len(attempts) == 3 and not any(a.ok for a in attempts)


def test_a_permanent_error_stops_at_once_and_redelivery_continues_the_numbering() -> None:
    clock = FakeClock()
    attempts: list[DeliveryAttempt] = []
    calls, send = failing(99, DeliveryError("HTTP 404", status_code=404, retryable=False))
    state = deliver_with_retry(
        Outlet.WEBHOOK,
        send,  # type: ignore[arg-type]
        policy=RetryPolicy(),
        on_attempt=attempts.append,
        sleep=clock.sleep,
        clock=clock,
        first_attempt=4,
    )
    assert len(calls) == 1 and clock.slept == []
    assert state.status is DeliveryStatus.FAILED and state.attempts == 4 and attempts[0].attempt == 4


def test_overall_status_is_the_worst_outlet() -> None:
    delivered = OutletState(status=DeliveryStatus.DELIVERED)
    failed = OutletState(status=DeliveryStatus.FAILED)
    skipped = OutletState(status=DeliveryStatus.SKIPPED)
    assert overall_status({Outlet.WEBHOOK: skipped, Outlet.SNS: delivered}) is DeliveryStatus.DELIVERED
    assert overall_status({Outlet.WEBHOOK: failed, Outlet.SNS: delivered}) is DeliveryStatus.FAILED
    assert overall_status({Outlet.WEBHOOK: skipped}) is DeliveryStatus.SKIPPED


def test_signature_verifies_and_rejects_tampering_wrong_secret_and_replays() -> None:
    secret = new_secret()
    body = b'{"type":"alert.fired"}'
    header = sign(secret, 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=")
    assert verify_signature(secret, header, body, now=1_700_000_010)
    assert not verify_signature(secret, header, body + b" ", now=1_700_000_010)
    assert not verify_signature(new_secret(), header, body, now=1_700_000_010)
    assert not verify_signature(secret, header, body, now=1_700_001_000)
    assert not verify_signature(secret, "garbage", body, now=1_700_000_000)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/x", "must use https"),
        ("ftp://hooks.example.com/x", "must use https"),
        ("https:///nohost", "has no host"),
        ("https://user:pw@hooks.example.com/", "credentials"),
        ("https://internal.example.com/", "non-public address"),
        ("https://metadata.example.com/", "non-public address"),
    ],
)
def test_unsafe_webhook_urls_are_refused_outside_local_and_test(url: str, message: str) -> None:
    addresses = {"internal.example.com": ["10.0.0.7"], "metadata.example.com": ["169.254.169.254"]}
    with pytest.raises(UnsafeWebhookUrlError, match=message):
        check_webhook_url(
            url, allow_private=False, resolve=lambda host: addresses.get(host, ["93.184.216.34"])
        )


def test_public_https_webhooks_and_local_test_hooks_are_allowed() -> None:
    check_webhook_url(
        "https://hooks.example.com/x", allow_private=False, resolve=lambda _h: ["93.184.216.34"]
    )
    check_webhook_url("http://127.0.0.1:8123/hook", allow_private=True)


def test_alert_ids_round_trip() -> None:
    day = datetime(2024, 6, 1, tzinfo=UTC).date()
    assert parse_alert_id(alert_id(day, "nps-low")) == (day, "nps-low")
    assert parse_alert_id("nonsense") is None and parse_alert_id("2024-13-01_x") is None
