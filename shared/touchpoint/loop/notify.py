"""Queue the notifications one complete answer calls for (the after-answer hook calls this).

For every enabled rule of the tenant the answer matches and every per-answer destination of it
(Slack, generic webhook), one delivery record is created with a deterministic id (conditional put)
and one SQS message names it; the consumer (`touchpoint.loop.notify_delivery`) sends it. A retried
finish finds the records it made and sends no second message (unless the first send failed
between the put and the message). Digest addresses are not queued: the daily digest reads the
day's matching answers itself. Nothing here waits for a delivery, and nothing raises to the answer.
"""

from __future__ import annotations

import json
import time
import weakref
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from touchpoint.loop.notify_deliveries import NotificationDelivery, NotificationStatus, delivery_id
from touchpoint.loop.notify_rules import QUEUED_DESTINATIONS, Destination, NotificationRule, matches
from touchpoint.observability import logger, metrics
from touchpoint.storage.notifications import delivery_key

if TYPE_CHECKING:
    from touchpoint.models.surveys import StoredResponse, Survey
    from touchpoint.runtime import Runtime

#: How long a container keeps a tenant's rules before reading them again (seconds).
RULES_CACHE_S = 60.0
#: runtime -> tenant -> (expiry, rules): a new runtime (tests, the local stack) starts afresh.
_rules_cache: weakref.WeakKeyDictionary[Runtime, dict[str, tuple[float, list[NotificationRule]]]] = (
    weakref.WeakKeyDictionary()
)


def cached_rules(runtime: Runtime, tenant_id: str) -> list[NotificationRule]:
    """The tenant's rules, read at most once per RULES_CACHE_S in this container."""
    now = time.monotonic()
    cache = _rules_cache.setdefault(runtime, {})
    hit = cache.get(tenant_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    rules = runtime.notifications.list_rules(tenant_id)
    cache[tenant_id] = (now + RULES_CACHE_S, rules)
    return rules


def forget_rules(tenant_id: str | None = None) -> None:
    """Drop the cached rules of one tenant (after a change in this container) or of all."""
    for cache in list(_rules_cache.values()):
        if tenant_id is None:
            cache.clear()
        else:
            cache.pop(tenant_id, None)


def queue_message(delivery: NotificationDelivery) -> str:
    """The SQS message body naming a delivery."""
    return json.dumps(
        {"tenant_id": delivery.tenant_id, "key": delivery_key(delivery.answered_at, delivery.delivery_id)},
        separators=(",", ":"),
    )


def queue_notifications(runtime: Runtime, survey: Survey, response: StoredResponse) -> int:
    """Queue one message per matching (rule, destination) of a complete answer; returns how many.

    Each (rule, destination) is handled on its own: one failing is logged and counted, the others
    still go out; this function never raises.
    """
    if not response.complete:
        return 0
    try:
        rules = [r for r in cached_rules(runtime, response.tenant_id) if matches(r, response)]
    except Exception:
        logger.exception("notification rules could not be read", extra={"tenant_id": response.tenant_id})
        metrics.add_metric(name="NotificationQueueFailures", unit=MetricUnit.Count, value=1)
        return 0
    queued = 0
    for rule in rules:
        for destination in rule.destinations.kinds():
            if destination not in QUEUED_DESTINATIONS:
                continue
            try:
                queued += _queue_one(runtime, rule, destination, response)
            except Exception:
                logger.exception(
                    "notification could not be queued",
                    extra={"rule_id": rule.rule_id, "response_id": response.response_id},
                )
                metrics.add_metric(name="NotificationQueueFailures", unit=MetricUnit.Count, value=1)
    if queued:
        metrics.add_metric(name="NotificationsQueued", unit=MetricUnit.Count, value=queued)
    return queued


def _queue_one(
    runtime: Runtime, rule: NotificationRule, destination: Destination, response: StoredResponse
) -> int:
    delivery = NotificationDelivery(
        tenant_id=response.tenant_id,
        delivery_id=delivery_id(response.response_id, rule.rule_id, destination),
        rule_id=rule.rule_id,
        destination=destination,
        survey_id=response.survey_id,
        response_id=response.response_id,
        location_id=response.location_id,
        answered_at=response.completed_at or response.submitted_at,
        created_at=datetime.now(UTC),
    )
    existing = runtime.notifications.create_delivery(delivery)
    if existing is not None and (existing.enqueued or existing.status is not NotificationStatus.QUEUED):
        return 0  # a retried finish: this answer was queued for this destination before
    runtime.notification_queue.send(queue_message(existing or delivery))
    runtime.notifications.mark_enqueued(existing or delivery)
    return 1
