"""EMF metrics of a request: one document per request, nothing kept or printed when disabled."""

from __future__ import annotations

import json

import pytest

from tests.unit.ingest.support import module
from touchpoint.observability import metrics

telemetry = module("telemetry")


def test_each_request_prints_one_document_of_its_own_counts(capsys: pytest.CaptureFixture[str]) -> None:
    for tenant in ("acme", "globex"):
        request = telemetry.RequestMetrics(tenant, "batch")
        request.add("EventsReceived", 3)
        request.flush()
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    # one value each (Powertools writes a metric's values as a list): nothing carried over
    assert [(d["tenant_id"], d["EventsReceived"]) for d in documents] == [("acme", [3.0]), ("globex", [3.0])]


def test_with_metrics_disabled_nothing_is_printed_or_kept(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    for _ in range(150):  # Powertools prints a metric once it holds 100 values, disabled or not
        request = telemetry.RequestMetrics("acme", "batch")
        request.add("EventsReceived", 1)
        request.flush()
    assert '"_aws"' not in capsys.readouterr().out
    assert not metrics.metric_set
