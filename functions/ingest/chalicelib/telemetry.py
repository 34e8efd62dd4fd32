"""EMF metrics of one request, published once when the request ends.

Counts (namespace `Touchpoint`, dimension `service`): `EventsReceived`, `EventsAccepted` (newly
stored), `EventsDuplicate` (already stored by an earlier attempt, or repeated in the request),
`EventsQuarantined`, `EventsConsentDenied`, `EventsSuppressed`, `SchemaWarnings`,
`RequestsRejected` (unreadable or too large), `RequestsRateLimited`, `RequestsFailed` (storage
failed, 503); sizes: `BytesReceived` (decoded body) and `BytesStored` (the JSON lines put into the landing stream).
The tenant id travels as metadata, not as a dimension, to keep metric cardinality flat.
"""

from __future__ import annotations

from collections import Counter

from aws_lambda_powertools.metrics import MetricUnit

from touchpoint.observability import publish_metrics

_BYTES = frozenset({"BytesReceived", "BytesStored"})


class RequestMetrics:
    """Counters of one request."""

    def __init__(self, tenant_id: str, kind: str) -> None:
        self.tenant_id = tenant_id
        self.kind = kind
        self.counts: Counter[str] = Counter()

    def add(self, name: str, value: int = 1) -> None:
        """Add to a counter (zero is recorded too, so dashboards see the request)."""
        self.counts[name] += value

    def flush(self) -> None:
        """Publish the counters as one EMF document."""
        publish_metrics(
            [
                (name, MetricUnit.Bytes if name in _BYTES else MetricUnit.Count, value)
                for name, value in sorted(self.counts.items())
            ],
            {"tenant_id": self.tenant_id, "endpoint": self.kind},
        )
