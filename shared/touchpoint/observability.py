"""Powertools Logger, Metrics and Tracer, configured in one place.

Each function sets `POWERTOOLS_SERVICE_NAME` (in its `.chalice/config.json`); the namespace of
all EMF metrics is `Touchpoint`. Tracing is off unless `POWERTOOLS_TRACE_DISABLED=false` is set
by the deployment, so local runs and tests need no X-Ray daemon.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

METRICS_NAMESPACE = "Touchpoint"

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", METRICS_NAMESPACE)

logger = Logger()
metrics = Metrics(namespace=METRICS_NAMESPACE)
tracer = Tracer()
