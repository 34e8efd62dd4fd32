"""`docs/METRICS.md`, generated from the registry: `python -m touchpoint.metrics.docs [--check]`.

The same command is `touchpoint docs metrics`. `--check` writes nothing and exits 1 when the file
differs from what the registry renders (a test runs it too).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from touchpoint.metrics.definitions import METRICS
from touchpoint.metrics.model import (
    AGGREGATION_TEXT,
    UNIT_TEXT,
    Comments,
    Display,
    Group,
    Kind,
    Metric,
)

#: docs/METRICS.md of the checkout this module lives in (shared/touchpoint/metrics/docs.py).
DOC_PATH = Path(__file__).resolve().parents[3] / "docs" / "METRICS.md"
_PLAN_FILE = Path(__file__).resolve().parents[1] / "tracking-plan.json"

GROUP_TITLES: dict[Group, str] = {
    Group.DIGITAL: "Digital engagement",
    Group.FEEDBACK: "Feedback",
    Group.COMMERCE: "Customers and commerce",
    Group.RETENTION: "Retention",
    Group.IN_STORE: "In store",
    Group.COMPOSITE: "Composite",
}

_HEADER = """\
# Touchpoint: metric catalog

<!-- Generated from shared/touchpoint/metrics/definitions.py by `touchpoint docs metrics`
     (or `python -m touchpoint.metrics.docs`). Do not edit by hand: a test fails when this file is stale. -->

Every metric below is computed per tenant and per tenant-local calendar day `D` (the tenant's IANA
time zone, default `UTC`), with the breakdowns listed. Keys are the names used in the metrics API,
the exports, the alert rules and the dashboard. A metric with no data for a day is absent (or
`null`), never `0` by accident. Ratios are reported as fractions in [0, 1] (the dashboard shows
percent); money is in the tenant's currency.

Each metric's record (in `touchpoint.metrics`) also says how its daily values combine over several
days: alert windows and the summary's periods use that rule (`touchpoint.alerts.aggregate`). Where
this catalog leaves a detail open, the docstring of the engine module that computes the metric
(`touchpoint/engine/`) states the rule.

## Inputs
- Events follow the Segment spec: `track`, `page`, `screen`, `identify`, `group`, `alias`, each
  with `messageId`, `timestamp` (when it happened; fall back to `receivedAt`), `userId` and/or
  `anonymousId`, `context` (`channel`, `page.referrer`, `campaign` = UTM fields, `app`, `device`,
  `location` ...), `properties` / `traits`.
- Duplicates: events with the same `messageId` for a tenant count once.
- Activity: `track`, `page` and `screen` events are a person's activity. `identify`, `group` and
  `alias` only describe people: they never start or extend a session and never count as
  activity. Device readings with no person (Foot Traffic Counted, and any event the tenant lists
  as a system event) are not activity either.
- Identity: a person is `userId` when known; an `anonymousId` that was ever linked to a `userId`
  (by an `identify` or `alias`, or by an event carrying both) counts as that user, also for its
  events from before the link.
- Channel of an event: `context.channel` if set, else `properties.channel`, else `web` for `page`,
  `mobile` for `screen`, else `unknown`. Location (store) of an event: `properties.location_id` or
  `context.location_id`.
- Conversions: Order Completed, Signed Up, Newsletter Subscribed and Trial Started (the list is
  per-tenant config).
"""


def _code_list(names: Sequence[str]) -> str:
    return ", ".join(f"`{name}`" for name in names) if names else "none (tenant total only)"


def _display(metric: Metric) -> str:
    if metric.display is Display.PERCENT:
        return f"percent, {metric.decimals} decimal(s)"
    if metric.display is Display.MONEY:
        return "money, the currency's decimals"
    if metric.display is Display.FIXED:
        return f"{metric.decimals} decimal(s)"
    return f"whole numbers, else {metric.decimals} decimal(s)"


def _combines(metric: Metric) -> str:
    if metric.kind is Kind.RANKING:
        return "not combined (a ranking, no alert can watch it)"
    return AGGREGATION_TEXT[metric.aggregation].format(weight=metric.weight_field)


def _comments(metric: Metric) -> str:
    if metric.comments is None:
        return "none"
    if metric.comments is Comments.ANY:
        return "every comment of the responses"
    return f"comments of responses with an answer of kind {metric.comments.value.upper()}"


def _window(metric: Metric) -> str:
    return "D" if metric.window_days == 1 else f"D-{metric.window_days - 1}..D"


def render_metric(metric: Metric) -> str:
    """One metric's section."""
    lines = [
        f"### `{metric.name}`",
        "",
        metric.definition,
        "",
        f"- label: {metric.label_de} (de) / {metric.label_en} (en)",
        f"- unit: {UNIT_TEXT[metric.unit]}; dashboard: {_display(metric)}",
        f"- breakdowns: {_code_list(metric.breakdowns)}",
        f"- a value on D covers: {_window(metric)}",
        f"- over several days: {_combines(metric)}",
        f"- lower is better: {'yes' if metric.lower_is_better else 'no'}",
        f"- comments behind it: {_comments(metric)}",
    ]
    if metric.extra:
        lines.append(f"- `extra`: {_code_list(metric.extra)}")
    return "\n".join(lines) + "\n"


def _index() -> str:
    rows = ["| metric | group | unit | breakdowns |", "|---|---|---|---|"]
    for metric in METRICS:
        rows.append(
            f"| `{metric.name}` | {metric.group.value} | {UNIT_TEXT[metric.unit]} | "
            f"{', '.join(metric.breakdowns) or '-'} |"
        )
    return "## All metrics\n\n" + "\n".join(rows) + "\n"


def _plan_events(plan: dict[str, Any]) -> str:
    rows = ["| event | meaning | properties |", "|---|---|---|"]
    for name, spec in plan["events"].items():
        properties = ", ".join(spec.get("properties", {}))
        rows.append(f"| {name} | {spec.get('description', '')} | {properties} |")
    return (
        "## Standard events (tracking plan)\n\n"
        "From `events/tracking-plan.json`, which ingest checks events against.\n\n" + "\n".join(rows) + "\n"
    )


def render(plan: dict[str, Any] | None = None) -> str:
    """The whole of docs/METRICS.md."""
    if plan is None:
        plan = json.loads(_PLAN_FILE.read_text(encoding="utf-8"))
    parts = [_HEADER, _plan_events(plan), _index()]
    for group, title in GROUP_TITLES.items():
        parts.append(f"## {title}\n")
        parts.extend(render_metric(m) for m in METRICS if m.group is group)
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Write docs/METRICS.md (or with `--check`, report whether it is current); the exit code."""
    parser = argparse.ArgumentParser(prog="python -m touchpoint.metrics.docs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale, write nothing")
    parser.add_argument("--out", type=Path, default=DOC_PATH, help=f"the file (default {DOC_PATH})")
    args = parser.parse_args(argv)
    text = render()
    current = args.out.read_text(encoding="utf-8") if args.out.exists() else None
    if args.check:
        if current != text:
            print(f"{args.out} is stale: run `touchpoint docs metrics`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
