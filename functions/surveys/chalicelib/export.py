"""Response exports as CSV or JSON lines.

Decision (Lambda answers at most 6 MB): the export is streamed page by page into a spooled
temporary file. If it stays within `INLINE_LIMIT` bytes (1 MiB) it is returned in the response
body; otherwise the file is uploaded to `exports/responses/tenant=<t>/dt=<day>/<name>` in the lake
and the answer is `303 See Other` to a presigned download URL valid for 15 minutes (with the URL,
row count and size in a JSON body too). HTTP clients that follow redirects (browsers, curl -L,
requests) get the file either way.

CSV columns: the response's metadata, then one column per question (multi-choice answers joined
with `|`, each text question followed by `<id>_sentiment`), then `hidden` (JSON). Cells a
spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) are prefixed
with `'`.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Literal

from chalice.app import Response

from chalicelib.errors import service_errors
from chalicelib.presenters import response_view
from chalicelib.requests import response_filter
from touchpoint.models.surveys import QuestionKind, StoredResponse, Survey, iso_utc
from touchpoint.runtime import Runtime
from touchpoint.storage.lake_layout import response_export_key
from touchpoint.surveys import service as survey_service
from touchpoint.surveys.service import SurveyService
from touchpoint.web.errors import bad_request
from touchpoint.web.routing import json_response

Format = Literal["csv", "jsonl"]
INLINE_LIMIT = 1024 * 1024
URL_EXPIRES_IN = 15 * 60
_CONTENT_TYPES: dict[str, str] = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
_META_COLUMNS = [
    "responseId",
    "surveyId",
    "submittedAt",
    "startedAt",
    "complete",
    "channel",
    "locationId",
    "touchpointId",
    "userId",
    "anonymousId",
    "language",
    "couponIssued",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FLUSH_EVERY = 500


def export_format(params: dict[str, str]) -> Format:
    """`format` (csv or jsonl, default csv)."""
    raw = params.get("format") or "csv"
    if raw not in ("csv", "jsonl"):
        raise bad_request(f"format must be csv or jsonl, got {raw!r}", field="format")
    return "csv" if raw == "csv" else "jsonl"


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_header(survey: Survey) -> list[str]:
    """The CSV header of a survey's export."""
    columns = list(_META_COLUMNS)
    for question in survey.questions:
        columns.append(question.id)
        if question.kind is QuestionKind.TEXT:
            columns.append(f"{question.id}_sentiment")
    return [*columns, "hidden"]


def csv_row(survey: Survey, response: StoredResponse) -> list[Any]:
    """One response as a CSV row matching `csv_header`."""
    row: list[Any] = [
        response.response_id,
        response.survey_id,
        iso_utc(response.submitted_at),
        iso_utc(response.started_at),
        "true" if response.complete else "false",
        response.channel,
        response.location_id or "",
        response.touchpoint_id or "",
        response.user_id or "",
        response.anonymous_id or "",
        response.language,
        "true" if response.coupon_code else "false",
    ]
    sentiments = {c.question_id: c.sentiment for c in response.comments}
    for question in survey.questions:
        value = response.answers.get(question.id)
        if isinstance(value, list):
            value = "|".join(str(v) for v in value)
        row.append("" if value is None else value)
        if question.kind is QuestionKind.TEXT:
            row.append(sentiments.get(question.id, ""))
    row.append(json.dumps(response.hidden, sort_keys=True, ensure_ascii=False) if response.hidden else "")
    return [_safe(v) for v in row]


@dataclass(frozen=True)
class WrittenExport:
    """Rows and bytes written to an export file."""

    rows: int
    size: int


def write_export(
    survey: Survey, responses: Iterable[StoredResponse], fmt: Format, out: IO[bytes]
) -> WrittenExport:
    """Write the export to a binary file, a few hundred rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if fmt == "csv":
        writer.writerow(csv_header(survey))
    rows = 0
    for response in responses:
        if fmt == "csv":
            writer.writerow(csv_row(survey, response))
        else:
            buffer.write(
                json.dumps(response_view(response), ensure_ascii=False, separators=(",", ":")) + "\n"
            )
        rows += 1
        if rows % _FLUSH_EVERY == 0:
            out.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
    out.write(buffer.getvalue().encode("utf-8"))
    return WrittenExport(rows=rows, size=out.tell())


def export_responses(
    runtime: Runtime,
    tenant_id: str,
    survey: Survey,
    responses: Iterable[StoredResponse],
    fmt: Format,
    now: datetime,
) -> Response:
    """The export inline (small) or as a 303 to a presigned lake URL (large); see the module doc."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    filename = f"responses-{survey.survey_id}-{stamp}.{fmt}"
    content_type = _CONTENT_TYPES[fmt]
    with tempfile.SpooledTemporaryFile(max_size=INLINE_LIMIT * 2) as spool:
        written = write_export(survey, responses, fmt, spool)
        spool.seek(0)
        if written.size <= INLINE_LIMIT:
            return Response(
                body=spool.read().decode("utf-8"),
                status_code=200,
                headers={
                    "Content-Type": content_type,
                    "Content-Disposition": f'attachment; filename="{filename}"',
                    "X-Export-Rows": str(written.rows),
                },
            )
        key = response_export_key(
            tenant_id, now.date(), f"{survey.survey_id}-{stamp}-{secrets.token_hex(4)}.{fmt}"
        )
        runtime.response_exports.upload(key, spool, content_type)
    url = runtime.response_exports.download_url(key, filename, content_type, URL_EXPIRES_IN)
    body = {"url": url, "key": key, "rows": written.rows, "bytes": written.size, "expiresIn": URL_EXPIRES_IN}
    return json_response(303, body, headers={"Location": url})


def export_request(runtime: Runtime, tenant_id: str, params: dict[str, str]) -> Response:
    """`GET /v1/responses/export?survey_id=...&format=csv|jsonl` with the listing filters."""
    survey_id = params.get("survey_id")
    if not survey_id:
        raise bad_request("survey_id is required", field="survey_id")
    fmt = export_format(params)
    with service_errors():
        survey = SurveyService(runtime).require_survey(tenant_id, survey_id)
    now = survey_service.utc_now()
    window = response_filter(params, survey, now)
    responses = runtime.responses.iterate(tenant_id, survey_id, window)
    return export_responses(runtime, tenant_id, survey, responses, fmt, now)
