"""CSV renderings of the API's queries (metrics, summary, comments, alerts).

Text cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or
carriage return) are prefixed with `'`: comments are written by the public. Numbers are written
as numbers. UTF-8 with a byte-order mark so that spreadsheet programs pick the encoding up.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from chalice.app import Response

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A cell value that no spreadsheet runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def render(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text (RFC 4180, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def csv_response(text: str, filename: str) -> Response:
    """A download response for CSV text."""
    return Response(
        body="\ufeff" + text,
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def metrics_csv(series: Sequence[Mapping[str, Any]]) -> str:
    """Rows `date, metric, dimension, dimension_value, value, extra` from metrics API documents."""
    rows: list[list[Any]] = []
    for document in series:
        for point in document["points"]:
            breakdown: Mapping[str, str] = point.get("breakdown") or {}
            dimension = "|".join(sorted(breakdown))
            dimension_value = "|".join(breakdown[k] for k in sorted(breakdown))
            extra = point.get("extra") or {}
            rows.append(
                [
                    point["date"],
                    document["metric"],
                    dimension,
                    dimension_value,
                    point["value"],
                    json.dumps(extra, sort_keys=True, separators=(",", ":")) if extra else "",
                ]
            )
    return render(["date", "metric", "dimension", "dimension_value", "value", "extra"], rows)


def summary_csv(summary: Mapping[str, Any]) -> str:
    """One row per metric of a summary document (the north star first)."""
    star = summary["north_star"]
    rows = [
        [
            m["metric"],
            m["group"],
            m["value"],
            m["previous"],
            m["change"],
            m["change_pct"],
            m["days_with_data"],
        ]
        for m in [star, *summary["metrics"]]
    ]
    rows[0][1] = "north_star"
    return render(["metric", "group", "value", "previous", "change", "change_pct", "days_with_data"], rows)


def comments_csv(document: Mapping[str, Any]) -> str:
    """One row per comment and theme of a comments document."""
    rows: list[list[Any]] = []
    for theme in document["themes"]:
        for comment in theme["comments"]:
            rows.append(
                [
                    theme["phrase"],
                    comment["sentiment"],
                    comment["text"],
                    comment.get("score"),
                    comment.get("channel"),
                    comment.get("location_id"),
                    comment.get("survey_id"),
                    comment.get("submitted_at"),
                ]
            )
    header = ["theme", "sentiment", "text", "score", "channel", "location_id", "survey_id", "submitted_at"]
    return render(header, rows)


def alerts_csv(alerts: Sequence[Mapping[str, Any]]) -> str:
    """One row per fired alert."""
    rows = [
        [
            a["day"],
            a["rule_id"],
            a["rule_name"],
            a["metric"],
            "|".join(f"{k}={v}" for k, v in sorted((a.get("breakdown") or {}).items())),
            a["value"],
            a.get("baseline"),
            a.get("change_pct"),
            a["status"],
            a["message"],
        ]
        for a in alerts
    ]
    header = [
        "day",
        "rule_id",
        "rule_name",
        "metric",
        "breakdown",
        "value",
        "baseline",
        "change_pct",
        "status",
        "message",
    ]
    return render(header, rows)
