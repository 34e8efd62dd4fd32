"""Storage faults injected into the runtime's boto3 clients: fail the first N calls of an operation.

Where the fault is injected matters. The clients use botocore's standard retry mode (4 attempts,
`touchpoint.storage.clients`), which retries throttling, 5xx and connection errors *inside* one API
call. A fault injected below that layer would simply be retried away. These faults are raised from
the `before-call` event, which botocore emits once per API call *above* the retry loop: one injected
fault is exactly what the repository sees when the retry layer has given up (all 4 attempts failed).
`below_retries()` injects HTTP 5xx answers *below* it (at `before-send`) to show the retry layer itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from touchpoint.runtime import Runtime

SERVICES = ("dynamodb", "s3", "firehose")


def throttling(operation: str) -> Exception:
    """DynamoDB/S3 throttling as botocore raises it."""
    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "injected"}}, operation)


def internal_error(operation: str) -> Exception:
    """A 500 from the service."""
    return ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, operation)


def read_timeout(operation: str) -> Exception:
    """The service took the request but did not answer in time (it may have done the work)."""
    return ReadTimeoutError(endpoint_url=f"https://injected/{operation}")


def no_connection(operation: str) -> Exception:
    """The service could not be reached."""
    return EndpointConnectionError(endpoint_url=f"https://injected/{operation}")


ERRORS: tuple[Callable[[str], Exception], ...] = (throttling, internal_error, read_timeout, no_connection)


@dataclass
class Recorder:
    """Every (service, operation) called while it is installed, in order."""

    calls: list[tuple[str, str]] = field(default_factory=list)

    def operations(self) -> list[tuple[str, str]]:
        """The distinct operations, in first-call order."""
        return list(dict.fromkeys(self.calls))


def _client(runtime: Runtime, service: str) -> Any:
    return getattr(runtime.clients, service)


@contextmanager
def recording(runtime: Runtime) -> Iterator[Recorder]:
    """Record the storage operations of a block."""
    recorder = Recorder()
    handlers = []
    for service in SERVICES:
        client = _client(runtime, service)
        name = client.meta.service_model.service_name

        def record(model: Any, _service: str = service, **_: Any) -> None:
            recorder.calls.append((_service, model.name))

        client.meta.events.register(f"before-call.{name}", record)
        handlers.append((client, f"before-call.{name}", record))
    try:
        yield recorder
    finally:
        for client, event, handler in handlers:
            client.meta.events.unregister(event, handler)


@contextmanager
def failing(
    runtime: Runtime, service: str, operation: str, error: Callable[[str], Exception], *, times: int = 1
) -> Iterator[list[int]]:
    """Fail the first `times` calls of `service.operation` above the retry layer; yields [failed]."""
    client = _client(runtime, service)
    failed = [0]

    def fail(**_: Any) -> None:
        if failed[0] < times:
            failed[0] += 1
            raise error(operation)

    event = f"before-call.{client.meta.service_model.service_name}.{operation}"
    client.meta.events.register(event, fail)
    try:
        yield failed
    finally:
        client.meta.events.unregister(event, fail)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


@contextmanager
def below_retries(runtime: Runtime, service: str, operation: str, *, times: int) -> Iterator[list[int]]:
    """Answer the first `times` HTTP attempts of an operation with 503 SlowDown (retried by botocore)."""
    client = _client(runtime, service)
    sent = [0]
    body = b'{"__type":"ThrottlingException","message":"injected"}'
    if service == "s3":
        body = b"<Error><Code>SlowDown</Code><Message>injected</Message></Error>"

    def answer(request: Any, **_: Any) -> AWSResponse | None:
        if sent[0] < times:
            sent[0] += 1
            return AWSResponse(request.url, 503, HTTPHeaders(), _Raw(body))
        return None

    event = f"before-send.{client.meta.service_model.service_name}.{operation}"
    client.meta.events.register_first(event, answer)  # before moto's own before-send handler
    try:
        yield sent
    finally:
        client.meta.events.unregister(event, answer)
