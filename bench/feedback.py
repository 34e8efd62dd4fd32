"""Benchmark: the QR feedback form's render and submit through the handler, against the bare storage work.

    .venv/bin/python bench/feedback.py [--requests 300]

Everything runs in-process against moto (the resources of `infra/`), through the feedback
function's Chalice app exactly as API Gateway would call it (`chalice.test.Client`):

1. render: `GET /f/{token}` (verify the QR token, read tenant secret, touchpoint, store and
   survey, sign a form token, render the HTML); reference: the same four DynamoDB reads made
   directly through the repositories, so the ratio is the handler's own overhead on top of the
   reads it cannot avoid;
2. submit: `POST /f/{token}` of a rating and a comment (rate-limit counters, token checks, nonce,
   then the survey service's validation, comment analysis, transaction, lake copy); reference:
   `SurveyService.submit_response` called directly with the same answers;
3. the HTML rendering alone (no I/O), for scale.

Printed per phase: median and p95 in milliseconds, and the ratio handler / reference (medians).
Handler and reference calls alternate, so both see the same moto (which slows as its tables
grow). Both sides use moto, so absolute times are moto's; the ratios are what carries over.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
        "TOUCHPOINT_STAGE": "test",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "TOUCHPOINT_FEEDBACK_MIN_FILL_SECONDS": "0",
        "TOUCHPOINT_FEEDBACK_CLIENT_LIMIT": "1000000",
        "TOUCHPOINT_FEEDBACK_TOKEN_LIMIT": "1000000",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3
from chalice.test import Client
from moto import mock_aws

from touchpoint.models.locations import TouchpointKind
from touchpoint.models.surveys import ResponseSubmission
from touchpoint.models.tenants import TenantConfig
from touchpoint.qr.tokens import token_for
from touchpoint.respondent_form import render
from touchpoint.runtime import Runtime, get_runtime, reset_runtime
from touchpoint.surveys import DEFAULT_IN_STORE_SURVEY_ID
from touchpoint.surveys.service import SurveyService
from touchpoint_cli.apps import load_app
from touchpoint_cli.resources import deploy_stack

TENANT = "bench"
GET_HEADERS = {"Accept-Language": "de-DE,de;q=0.9"}
FORM_HEADERS = {**GET_HEADERS, "Content-Type": "application/x-www-form-urlencoded"}
ANSWER = {"q_csat": "4", "q_comment": "Freundliche Beratung, aber die Schlange an der Kasse war lang."}


def timed(action: Callable[[], Any], count: int) -> list[float]:
    """Milliseconds of each of `count` calls."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def interleaved(
    first: Callable[[], Any], second: Callable[[], Any], count: int
) -> tuple[list[float], list[float]]:
    """Milliseconds of `count` calls of each, alternating (moto slows as its tables grow)."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(count):
        a.extend(timed(first, 1))
        b.extend(timed(second, 1))
    return a, b


def summary(times: list[float]) -> tuple[float, float]:
    """Median and 95th percentile."""
    ordered = sorted(times)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def report(name: str, handler: list[float], reference: list[float] | None, reference_name: str = "") -> None:
    """One line per phase."""
    h_med, h_p95 = summary(handler)
    who = "handler" if reference else "alone  "
    line = f"{name:<8} {who} median {h_med:7.2f} ms  p95 {h_p95:7.2f} ms"
    if reference:
        r_med, r_p95 = summary(reference)
        line += (
            f" | {reference_name} median {r_med:7.2f} ms  p95 {r_p95:7.2f} ms | ratio {h_med / r_med:5.2f}"
        )
    print(line, flush=True)


def setup(runtime: Runtime) -> str:
    """A tenant, a store, a touchpoint with the default survey; returns the form path."""
    runtime.tenants.create_tenant(TENANT, "Bench", TenantConfig(timezone="Europe/Berlin"))
    runtime.locations.create_location(TENANT, "berlin", "Bench Store Berlin")
    SurveyService(runtime).ensure_default_in_store_survey(TENANT)
    touchpoint = runtime.locations.create_touchpoint(
        TENANT, "berlin", "till-1", TouchpointKind.TILL, "Kasse 1"
    )
    return "/f/" + token_for(runtime.tenants.get_form_secret(TENANT), touchpoint)


def main(argv: list[str] | None = None) -> int:
    """Run the three phases and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per phase")
    args = parser.parse_args(argv)
    count: int = args.requests
    with mock_aws():
        reset_runtime()
        deploy_stack(boto3.client("cloudformation", region_name="eu-central-1"), "test")
        runtime = get_runtime()
        path = setup(runtime)
        service = SurveyService(runtime)
        survey = service.require_survey(TENANT, DEFAULT_IN_STORE_SURVEY_ID)
        with Client(load_app("feedback")) as client:
            first = client.http.get(path, headers=GET_HEADERS)
            assert first.status_code == 200, first.body
            print(f"form page: {len(first.body)} bytes; {count} requests per phase\n", flush=True)
            timed(lambda: client.http.get(path, headers=GET_HEADERS), 20)  # warm up

            def reads() -> None:
                runtime.tenants.get_form_secret(TENANT)
                runtime.locations.get_touchpoint(TENANT, "berlin", "till-1")
                runtime.locations.get_location(TENANT, "berlin")
                service.get_survey(TENANT, DEFAULT_IN_STORE_SURVEY_ID)

            report(
                "render",
                timed(lambda: client.http.get(path, headers=GET_HEADERS), count),
                timed(reads, count),
                "4 reads",
            )

            tokens = []
            for _ in range(count):
                html = client.http.get(path, headers=GET_HEADERS).body.decode()
                match = re.search(r'name="form_token" value="([^"]+)"', html)
                assert match is not None
                tokens.append(match.group(1))
            bodies = iter(urlencode({**ANSWER, "form_token": t, "lang": "de"}).encode() for t in tokens)

            def post() -> None:
                response = client.http.post(path, headers=FORM_HEADERS, body=next(bodies))
                assert response.status_code == 200, response.body

            submission = ResponseSubmission(
                answers={"csat": 4, "comment": ANSWER["q_comment"]},
                channel="in_store",
                location_id="berlin",
                touchpoint_id="till-1",
                language="de",
            )

            def direct() -> None:
                service.submit_response(TENANT, DEFAULT_IN_STORE_SURVEY_ID, submission)

            post_times, direct_times = interleaved(post, direct, count)
            report("submit", post_times, direct_times, "submit_response")
        ctx = render.PageContext("de", "Bench Store Berlin")
        report("html", timed(lambda: render.form_page(ctx, survey, "t" * 80), count * 10), None)
        reset_runtime()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
