"""Benchmark: taking a survey response and exporting responses, against the bare work they must do.

    .venv/bin/python bench/surveys.py [--requests 300] [--export-rows 10000]

1. submit: `POST /v1/surveys/{id}/responses` through the surveys function's Chalice app
   (`chalice.test.Client`, in-process moto): key check, survey and tenant reads, validation, PII
   masking, comment analysis, the DynamoDB transaction with the repeat-window guard, the lake copy,
   the `Survey Responded` event and the finishing update. Reference: the storage writes any
   implementation needs for one response: one DynamoDB put of the same item and the two S3 puts
   of the same lake objects. Calls alternate (moto slows as its tables grow).
2. comment analysis alone (mask + sentiment + key phrases) for the same comment, for scale.
3. export formatting: CSV of `--export-rows` stored responses into memory (`write_export`), no
   I/O. Reference: `csv.writer` writing the same cells from ready-made lists.

Printed: median and p95 in milliseconds, and the ratio (medians). Both sides of the submit run
on moto, so absolute times are moto's; the ratio is what carries over.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
        "TOUCHPOINT_STAGE": "test",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3
from chalice.test import Client
from moto import mock_aws

from touchpoint.models.surveys import Comment, Score, StoredResponse, SurveyDefinition
from touchpoint.models.tenants import KeyKind, TenantConfig
from touchpoint.runtime import Runtime, get_runtime, reset_runtime
from touchpoint.storage.dynamo import to_item
from touchpoint.storage.lake import encode_jsonl_gz
from touchpoint.storage.responses import response_item
from touchpoint.surveys.lake_copy import lake_record, response_lake_key, survey_event, survey_event_key
from touchpoint.surveys.service import SurveyService
from touchpoint.text import analyze_comment, mask_pii
from touchpoint_cli.apps import function_module, load_app
from touchpoint_cli.resources import deploy_stack

TENANT = "bench"
COMMENT = "Die Beratung war freundlich, aber die Lieferung kam zu spät. Bitte rufen Sie mich an: 0171 2345678"
DEFINITION = {
    "name": "Bench NPS",
    "questions": [
        {
            "id": "nps",
            "kind": "nps",
            "required": True,
            "text": {"de": "Weiterempfehlen?", "en": "Recommend?"},
        },
        {"id": "csat", "kind": "csat", "text": {"de": "Zufrieden?", "en": "Satisfied?"}},
        {"id": "comment", "kind": "text", "text": {"de": "Kommentar", "en": "Comment"}},
    ],
}


def timed(action: Callable[[], Any], count: int) -> list[float]:
    """Milliseconds of each of `count` calls."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    """Median and 95th percentile."""
    ordered = sorted(times)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def report(
    name: str, measured: list[float], reference: list[float] | None = None, reference_name: str = ""
) -> None:
    """One line per phase."""
    m_med, m_p95 = summary(measured)
    line = f"{name:<10} median {m_med:8.2f} ms  p95 {m_p95:8.2f} ms"
    if reference:
        r_med, r_p95 = summary(reference)
        line += (
            f" | {reference_name} median {r_med:8.2f} ms  p95 {r_p95:8.2f} ms | ratio {m_med / r_med:5.2f}"
        )
    print(line, flush=True)


def stored(i: int, at: datetime) -> StoredResponse:
    """A complete response with two scores and a comment."""
    return StoredResponse(
        tenant_id=TENANT,
        survey_id="bench-survey",
        response_id=f"r-bench-{i:07d}",
        complete=True,
        channel="email",
        user_id=f"user-{i}",
        language="de",
        answers={"nps": i % 11, "csat": 1 + i % 5, "comment": COMMENT},
        scores=[
            Score(question_id="nps", kind="nps", value=i % 11),
            Score(question_id="csat", kind="csat", value=1 + i % 5),
        ],
        comments=[
            Comment(question_id="comment", text=COMMENT, language="de", sentiment="negative", score=-0.3)
        ],
        hidden={"orderId": f"O-{i}"},
        started_at=at,
        submitted_at=at,
        completed_at=at,
        lake_written=True,
    )


def bare_writes(runtime: Runtime) -> Callable[[], None]:
    """The reference: the storage writes of one response, straight through boto3."""
    counter = {"i": 0}

    def write() -> None:
        counter["i"] += 1
        response = stored(counter["i"], datetime.now(UTC))
        runtime.clients.dynamodb.put_item(
            TableName=runtime.settings.responses_table, Item=to_item(response_item(response, 2_000_000_000))
        )
        runtime.lake.put_bytes(
            response_lake_key(response),
            encode_jsonl_gz([lake_record(response)]),
            content_type="application/x-ndjson",
        )
        runtime.lake.put_bytes(
            survey_event_key(response),
            encode_jsonl_gz([survey_event(response)]),
            content_type="application/x-ndjson",
        )

    return write


def main(argv: list[str] | None = None) -> int:
    """Run the three phases and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=300, help="timed submissions")
    parser.add_argument("--export-rows", type=int, default=10_000, help="rows of the export phase")
    args = parser.parse_args(argv)
    with mock_aws():
        reset_runtime()
        deploy_stack(boto3.client("cloudformation", region_name="eu-central-1"), "test")
        runtime = get_runtime()
        runtime.tenants.create_tenant(TENANT, "Bench", TenantConfig(survey_repeat_window_days=0))
        write_key, _ = runtime.tenants.issue_key(TENANT, KeyKind.WRITE)
        service = SurveyService(runtime)
        survey = service.create_survey(TENANT, SurveyDefinition.model_validate(DEFINITION))
        service.activate(TENANT, survey.survey_id)
        path = f"/v1/surveys/{survey.survey_id}/responses"
        headers = {"Authorization": f"Bearer {write_key}", "Content-Type": "application/json"}
        counter = {"i": 0}

        def post() -> None:
            counter["i"] += 1
            answers = {"nps": 6, "csat": 3, "comment": COMMENT}
            body = json.dumps({"answers": answers, "channel": "email", "userId": f"u-{counter['i']}"})
            response = client.http.post(path, headers=headers, body=body)
            assert response.status_code == 201, response.body

        reference = bare_writes(runtime)
        with Client(load_app("surveys")) as client:
            timed(post, 10)
            timed(reference, 10)
            submit: list[float] = []
            bare: list[float] = []
            for _ in range(args.requests):
                submit.extend(timed(post, 1))
                bare.extend(timed(reference, 1))
        print(f"{args.requests} submissions, {args.export_rows} export rows\n", flush=True)
        report("submit", submit, bare, "bare writes")
        report(
            "analysis", timed(lambda: analyze_comment(mask_pii(COMMENT).text, language="de"), args.requests)
        )

        export = function_module("surveys", "chalicelib.export")
        full = service.require_survey(TENANT, survey.survey_id)
        start = datetime.now(UTC)
        rows = [stored(i, start + timedelta(milliseconds=i)) for i in range(args.export_rows)]
        cells = [export.csv_row(full, r) for r in rows]

        def formatted() -> None:
            export.write_export(full, rows, "csv", io.BytesIO())

        def plain() -> None:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(export.csv_header(full))
            writer.writerows(cells)
            out.getvalue().encode("utf-8")

        report("export", timed(formatted, 5), timed(plain, 5), "csv.writer")
    reset_runtime()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
