"""Deliver queued notifications: the SQS consumer of `NotificationsQueue` (rollup `notifications`).

One message names one delivery record (`touchpoint.loop.notify.queue_message`). The handler
loads it, the rule (its current URL and secret) and the answer, sends once, and records the
attempt on the delivery. A retryable failure makes the message reappear after
`retry_delay_s(attempt)` (30 s x 2^(n-1), at most 15 min; ChangeMessageVisibility) and reports it as
a failed batch item so SQS keeps it; after MAX_ATTEMPTS the delivery is `failed` and the message
goes on to the dead-letter queue. A delivered or failed delivery is never sent again (a duplicate
message is dropped). The same handler serves the Lambda (Powertools partial batch responses) and
the local stack's poller.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from touchpoint.alerts import standard_webhooks
from touchpoint.alerts.webhook import (
    DeliveryError,
    UnsafeWebhookUrlError,
    WebhookResponse,
    check_webhook_url,
    post_json,
)
from touchpoint.loop.notify_deliveries import (
    MAX_ATTEMPTS,
    NotificationAttempt,
    NotificationDelivery,
    NotificationStatus,
    retry_delay_s,
)
from touchpoint.loop.notify_messages import AnswerNotice, build_notice, slack_payload, webhook_payload
from touchpoint.loop.notify_rules import Destination, NotificationRule
from touchpoint.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from touchpoint.runtime import Runtime

Post = Callable[[str, bytes, dict[str, str]], WebhookResponse]
#: Stages whose webhook URLs may be http and on this machine (tests serve the webhook themselves).
LOCAL_STAGES = ("local", "test")


class RetryLaterError(Exception):
    """The delivery failed and will be tried again when its message reappears."""


@dataclass(frozen=True)
class Sent:
    """What one send returned."""

    status_code: int
    duration_ms: int


def _encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def send(
    runtime: Runtime,
    rule: NotificationRule,
    destination: Destination,
    notice: AnswerNotice,
    message_id: str,
    *,
    post: Post = post_json,
    now: datetime | None = None,
) -> Sent:
    """Send `notice` to one destination of `rule` once (DeliveryError on failure)."""
    moment = now or datetime.now(UTC)
    if destination is Destination.SLACK:
        url = rule.destinations.slack_url
        body = _encode(slack_payload(notice, rule.language))
        headers: dict[str, str] = {}
    elif destination is Destination.WEBHOOK:
        url = rule.destinations.webhook_url
        body = _encode(webhook_payload(notice, moment))
        if not rule.webhook_secret:
            raise DeliveryError("the rule has no webhook secret", retryable=False)
        headers = standard_webhooks.headers(rule.webhook_secret, message_id, int(moment.timestamp()), body)
    else:
        raise DeliveryError(f"{destination.value} is not sent per answer", retryable=False)
    if not url:
        raise DeliveryError(f"the rule has no {destination.value} URL any more", retryable=False)
    try:
        check_webhook_url(url, allow_private=runtime.settings.stage in LOCAL_STAGES)
    except UnsafeWebhookUrlError as error:
        raise DeliveryError(str(error), retryable=False) from None
    response = post(url, body, headers)
    return Sent(response.status_code, response.duration_ms)


def deliver(
    runtime: Runtime,
    delivery: NotificationDelivery,
    *,
    receive_count: int = 1,
    post: Post = post_json,
    now: datetime | None = None,
) -> tuple[NotificationDelivery, int | None]:
    """Try a queued delivery once and record the attempt.

    Returns the updated delivery and, when it should be tried again, the seconds until then
    (None: done, delivered or failed for good).
    """
    moment = now or datetime.now(UTC)
    number = len(delivery.attempts) + 1
    started = time.monotonic()
    rule = runtime.notifications.get_rule(delivery.tenant_id, delivery.rule_id)
    try:
        if rule is None or not rule.enabled:
            raise DeliveryError("the rule was deleted or disabled", retryable=False)
        response = runtime.responses.get(delivery.tenant_id, delivery.survey_id, delivery.response_id)
        if response is None:
            raise DeliveryError("the answer no longer exists (erased)", retryable=False)
        survey = runtime.surveys.get(delivery.tenant_id, delivery.survey_id)
        notice = build_notice(runtime, rule, survey, response)
        sent = send(runtime, rule, delivery.destination, notice, delivery.delivery_id, post=post, now=moment)
    except DeliveryError as error:
        attempt = NotificationAttempt(
            attempt=number,
            at=moment,
            ok=False,
            status_code=error.status_code,
            error=str(error)[:500],
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        retryable = error.retryable
    except Exception as error:
        attempt = NotificationAttempt(
            attempt=number, at=moment, ok=False, error=f"{type(error).__name__}: {error}"[:500]
        )
        retryable = True
    else:
        attempt = NotificationAttempt(
            attempt=number, at=moment, ok=True, status_code=sent.status_code, duration_ms=sent.duration_ms
        )
        updated = runtime.notifications.record_attempt(delivery, attempt, NotificationStatus.DELIVERED, None)
        metrics.add_metric(name="NotificationsDelivered", unit=MetricUnit.Count, value=1)
        return updated, None
    last = max(number, receive_count) >= MAX_ATTEMPTS
    if retryable and not last:
        delay = retry_delay_s(number)
        updated = runtime.notifications.record_attempt(
            delivery, attempt, NotificationStatus.QUEUED, moment + timedelta(seconds=delay)
        )
        metrics.add_metric(name="NotificationRetries", unit=MetricUnit.Count, value=1)
        return updated, delay
    updated = runtime.notifications.record_attempt(delivery, attempt, NotificationStatus.FAILED, None)
    logger.warning(
        "notification failed for good",
        extra={"delivery_id": delivery.delivery_id, "attempts": number, "error": attempt.error},
    )
    metrics.add_metric(name="NotificationsFailed", unit=MetricUnit.Count, value=1)
    return updated, None


@dataclass(frozen=True)
class QueueMessage:
    """One received message: its body, receive count and receipt handle."""

    body: str
    receive_count: int
    receipt_handle: str


def handle_message(runtime: Runtime, message: QueueMessage, *, post: Post = post_json) -> bool:
    """Handle one message; True when it is done (delete it), False when it reappears later.

    A retry sets the message's visibility to the backoff delay. A delivery that failed for good
    on a retryable error keeps its message (visible again at once) so SQS moves it to the
    dead-letter queue after its last receive.
    """
    try:
        document = json.loads(message.body)
        tenant_id, key = str(document["tenant_id"]), str(document["key"])
    except (ValueError, KeyError, TypeError):
        logger.error("notification message is not readable; dropped", extra={"body": message.body[:200]})
        return True
    delivery = runtime.notifications.get_delivery(tenant_id, key)
    if delivery is None or delivery.status is not NotificationStatus.QUEUED:
        return True  # erased, expired, or a duplicate message of a finished delivery
    updated, delay = deliver(runtime, delivery, receive_count=message.receive_count, post=post)
    if delay is not None:
        runtime.notification_queue.delay(message.receipt_handle, delay)
        return False
    if updated.status is NotificationStatus.FAILED and message.receive_count >= MAX_ATTEMPTS:
        runtime.notification_queue.delay(message.receipt_handle, 0)
        return False  # the last receive: SQS moves it to the dead-letter queue
    return True


def process_batch(
    runtime: Runtime, event: dict[str, Any], context: LambdaContext | None = None
) -> PartialItemFailureResponse:
    """The Lambda handler's logic: each record handled, failures reported as partial batch items."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    def record_handler(record: SQSRecord) -> None:
        message = QueueMessage(
            body=record.body,
            receive_count=int(record.attributes.approximate_receive_count or 1),
            receipt_handle=record.receipt_handle,
        )
        if not handle_message(runtime, message):
            raise RetryLaterError(message.body[:200])

    return process_partial_response(
        event=event,
        record_handler=record_handler,
        processor=BatchProcessor(EventType.SQS, raise_on_entire_batch_failure=False),
        context=context,
    )


def drain_once(runtime: Runtime, *, max_messages: int = 10, post: Post = post_json) -> int:
    """Receive and handle the messages visible now (the local stack's poller); returns how many."""
    messages = runtime.notification_queue.receive(max_messages)
    for raw in messages:
        message = QueueMessage(
            body=str(raw["Body"]),
            receive_count=int(raw.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
            receipt_handle=str(raw["ReceiptHandle"]),
        )
        try:
            done = handle_message(runtime, message, post=post)
        except Exception:
            logger.exception("notification message failed; it reappears after its visibility timeout")
            continue
        if done:
            runtime.notification_queue.delete(message.receipt_handle)
    return len(messages)
