"""The SQS queue notification deliveries wait in (`NotificationsQueue` in infra/template.yaml).

The queue URL comes from `TOUCHPOINT_NOTIFICATIONS_QUEUE_URL`; when it is not set (tests, the
local stack) it is looked up once by the queue's name, `<prefix>-notifications`.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Protocol


class SqsClient(Protocol):
    """The SQS calls the queue makes (boto3's client has them)."""

    def get_queue_url(self, *, QueueName: str) -> dict[str, Any]: ...  # noqa: N803 - boto3 names

    def send_message(self, *, QueueUrl: str, MessageBody: str) -> dict[str, Any]: ...  # noqa: N803

    def receive_message(self, **kwargs: Any) -> dict[str, Any]: ...

    def delete_message(self, *, QueueUrl: str, ReceiptHandle: str) -> dict[str, Any]: ...  # noqa: N803

    def change_message_visibility(self, **kwargs: Any) -> dict[str, Any]: ...


class NotificationQueue:
    """Send, receive and delay messages of the notifications queue."""

    def __init__(self, sqs: SqsClient, queue_url: str, queue_name: str) -> None:
        self._sqs = sqs
        self._url = queue_url
        self._name = queue_name

    @cached_property
    def url(self) -> str:
        """The queue URL (the setting, else looked up by name)."""
        if self._url:
            return self._url
        return str(self._sqs.get_queue_url(QueueName=self._name)["QueueUrl"])

    def send(self, body: str) -> None:
        """Send one message."""
        self._sqs.send_message(QueueUrl=self.url, MessageBody=body)

    def receive(self, max_messages: int = 10, wait_s: int = 0) -> list[dict[str, Any]]:
        """Up to `max_messages` visible messages, with their receive count (the local poller)."""
        response = self._sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=wait_s,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages

    def delete(self, receipt_handle: str) -> None:
        """Remove a handled message."""
        self._sqs.delete_message(QueueUrl=self.url, ReceiptHandle=receipt_handle)

    def delay(self, receipt_handle: str, seconds: int) -> None:
        """Make a received message reappear after `seconds` (retry with backoff)."""
        self._sqs.change_message_visibility(
            QueueUrl=self.url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )
