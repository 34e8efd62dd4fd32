"""Powertools Logger, Metrics and Tracer, configured in one place.

Each function sets `POWERTOOLS_SERVICE_NAME` (in its `.chalice/config.json`); the namespace of
all EMF metrics is `Touchpoint`. Tracing is off unless `POWERTOOLS_TRACE_DISABLED=false` is set
by the deployment, so local runs and tests need no X-Ray daemon; while it is off the X-Ray SDK is
not even imported (it costs about 0.1 s of a cold start); with it on, the Powertools Tracer is made
on the first traced call, not while a function's modules are imported.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

METRICS_NAMESPACE = "Touchpoint"

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", METRICS_NAMESPACE)

F = TypeVar("F", bound=Callable[..., Any])
# Powertools keeps metrics in shared state; the local server handles requests in threads.
_FLUSH_LOCK = threading.Lock()


def tracing_enabled() -> bool:
    """True when the deployment turned tracing on (`POWERTOOLS_TRACE_DISABLED=false`)."""
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "true").strip().lower() in ("false", "0", "no", "off")


class LazyTracer:
    """The Powertools Tracer's handler and method decorators, annotations and subsegments.

    With tracing off every call is a no-op and the X-Ray SDK is never imported; with it on, the
    Powertools Tracer (patching boto3) is made on first use.
    """

    @cached_property
    def powertools(self) -> Tracer:
        """The Powertools Tracer (imports the X-Ray SDK)."""
        from aws_lambda_powertools import Tracer

        return Tracer()

    def capture_lambda_handler(self, handler: F) -> F:
        """Trace a Lambda handler (cold start annotation, response and errors) when tracing is on."""
        return self._lazily(handler, lambda: self.powertools.capture_lambda_handler(handler))

    def capture_method(self, *, capture_response: bool = True) -> Callable[[F], F]:
        """Trace a function as a subsegment when tracing is on."""

        def decorate(method: F) -> F:
            return self._lazily(
                method, lambda: self.powertools.capture_method(capture_response=capture_response)(method)
            )

        return decorate

    @staticmethod
    def _lazily(function: F, traced: Callable[[], Callable[..., Any]]) -> F:
        """`function`, or its traced version (made on the first call with tracing on, not at import)."""
        made: list[Callable[..., Any]] = []

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            if not tracing_enabled():
                return function(*args, **kwargs)
            if not made:
                made.append(traced())
            return made[0](*args, **kwargs)

        return cast(F, call)

    def put_annotation(self, key: str, value: str) -> None:
        """Annotate the current segment (searchable in X-Ray) when tracing is on."""
        if tracing_enabled():
            self.powertools.put_annotation(key=key, value=value)

    @contextmanager
    def subsegment(self, name: str) -> Iterator[None]:
        """A named subsegment around a block when tracing is on."""
        if not tracing_enabled():
            yield
            return
        with self.powertools.provider.in_subsegment(name):
            yield


def publish_metrics(
    values: Iterable[tuple[str, MetricUnit, float]] = (), metadata: Mapping[str, str] | None = None
) -> None:
    """Add `values` and `metadata`, then publish every metric added so far as one EMF document.

    Nothing is printed when no metric was added; the metrics are cleared either way.
    """
    with _FLUSH_LOCK:
        for name, unit, value in values:
            metrics.add_metric(name=name, unit=unit, value=value)
        for key, text in (metadata or {}).items():
            metrics.add_metadata(key=key, value=text)
        if metrics.metric_set:
            metrics.flush_metrics(raise_on_empty_metrics=False)
        # with POWERTOOLS_METRICS_DISABLED the flush keeps the values; Powertools would then
        # print them anyway once a metric holds 100 values, and the set would keep growing
        metrics.clear_metrics()


logger = Logger()
metrics = Metrics(namespace=METRICS_NAMESPACE)
tracer = LazyTracer()
