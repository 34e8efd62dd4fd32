"""Test data for the rollup: synthetic days as ingest and the surveys function store them.

`touchpoint_testkit.synthetic.generate_day` numbers messageIds, order ids and responseIds from 1
every day; real SDKs and stores never repeat them, so the ids are made unique per day here.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from touchpoint.runtime import Runtime
from touchpoint.storage.identity import IdentityLink
from touchpoint.storage.lake import encode_jsonl_gz
from touchpoint.storage.lake_layout import partition_prefix
from touchpoint_testkit.synthetic import generate_day

CONVERSIONS = frozenset({"Order Completed", "Signed Up", "Newsletter Subscribed", "Trial Started"})
SYSTEM_EVENTS = frozenset({"Foot Traffic Counted", "Follower Count Reported"})


def _lines(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@dataclass
class Dataset:
    """Events (with duplicates, as sent) and response versions (in submission order)."""

    events: list[dict[str, Any]]
    responses: list[dict[str, Any]]


def synthetic_days(
    out: Path, days: Iterable[date], *, events: int, people: int, seed: int = 7, tag: str = ""
) -> Dataset:
    """Generated days with ids unique across days (see module doc); `tag` sets apart another batch."""
    data = Dataset([], [])
    for day in days:
        generated = generate_day(out, day, events=events, people=people, seed=seed, files=2)
        day_tag = f"{tag}{day.strftime('%Y%m%d')}"
        for path in generated.event_files:
            for event in _lines(path):
                event["messageId"] = f"{day_tag}-{event['messageId']}"
                props = event.get("properties") or {}
                if "order_id" in props:
                    props["order_id"] = f"{day_tag}-{props['order_id']}"
                data.events.append(event)
        for path in generated.response_files:
            for response in _lines(path):
                response["responseId"] = f"{day_tag}-{response['responseId']}"
                data.responses.append(response)
    return data


def _utc_day(text: str) -> date:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).date()


def write_events_like_ingest(
    runtime: Runtime, tenant_id: str, events: list[dict[str, Any]], chunk: int = 500
) -> None:
    """Lake objects as ingest writes them: per request and UTC day of the event time, content-keyed."""
    for start in range(0, len(events), chunk):
        by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
        for event in events[start : start + chunk]:
            by_day[_utc_day(event["timestamp"])].append(event)
        for day, records in by_day.items():
            body = encode_jsonl_gz(records)
            key = (
                f"{partition_prefix('raw/events', tenant_id, day)}{hashlib.sha256(body).hexdigest()}.jsonl.gz"
            )
            runtime.lake.put_bytes(key, body, content_type="application/x-ndjson", encoding="gzip")
    runtime.identity.record_links(tenant_id, _links_of(events))


def _links_of(events: list[dict[str, Any]]) -> list[IdentityLink]:
    """The identity links ingest records: anonymousId (or an alias's previousId) -> userId."""
    links = []
    for event in events:
        user = event.get("userId")
        for source in (event.get("anonymousId"), event.get("previousId")):
            if isinstance(user, str) and isinstance(source, str) and user and source and user != source:
                when = datetime.fromisoformat(str(event["timestamp"]).replace("Z", "+00:00"))
                links.append(IdentityLink(source, user, when))
    return links


def write_responses_like_surveys(runtime: Runtime, tenant_id: str, responses: list[dict[str, Any]]) -> None:
    """One lake object per response id (a later version replaces an earlier one), as surveys does."""
    for response in responses:
        day = _utc_day(response["submittedAt"])
        key = f"{partition_prefix('responses', tenant_id, day)}{response['responseId']}.jsonl.gz"
        runtime.lake.put_jsonl(key, [response])


def load_days(
    runtime: Runtime,
    tenant_id: str,
    out: Path,
    days: Iterable[date],
    *,
    events: int = 250,
    people: int = 40,
    seed: int = 7,
    tag: str = "",
) -> Dataset:
    """Generate days and store them in the lake (events as ingest, responses as surveys)."""
    data = synthetic_days(out, days, events=events, people=people, seed=seed, tag=tag)
    write_events_like_ingest(runtime, tenant_id, data.events)
    write_responses_like_surveys(runtime, tenant_id, data.responses)
    return data


# --- an independent computation of a few metrics, straight from the METRICS.md definitions ---


@dataclass(frozen=True)
class Event:
    message_id: str
    type: str
    event: str | None
    person: str
    ts: datetime
    order_id: str | None
    revenue: float


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class Independent:
    """Sessions, DAU, MAU, orders, revenue, conversion rate and NPS for a UTC tenant, in Python."""

    def __init__(self, events: list[dict[str, Any]], responses: list[dict[str, Any]]) -> None:
        unique: dict[str, dict[str, Any]] = {}
        for raw in events:
            unique.setdefault(raw["messageId"], raw)
        links: dict[str, tuple[datetime, str]] = {}
        for raw in unique.values():
            if raw.get("userId") and raw.get("anonymousId"):
                candidate = (self._effective(raw), raw["userId"])
                links[raw["anonymousId"]] = min(links.get(raw["anonymousId"], candidate), candidate)
        self.events: list[Event] = []
        for raw in unique.values():
            anonymous = raw.get("anonymousId")
            person = str(raw.get("userId") or (links[anonymous][1] if anonymous in links else anonymous))
            props = raw.get("properties") or {}
            self.events.append(
                Event(
                    message_id=raw["messageId"],
                    type=raw["type"],
                    event=raw.get("event"),
                    person=person,
                    ts=self._effective(raw),
                    order_id=props.get("order_id"),
                    revenue=float(props.get("revenue") or 0.0),
                )
            )
        latest: dict[str, dict[str, Any]] = {}
        for response in responses:  # versions in submission order: the last one wins
            previous = latest.get(response["responseId"])
            if previous is None or _time(response["submittedAt"]) >= _time(previous["submittedAt"]):
                latest[response["responseId"]] = response
        self.responses = [r for r in latest.values() if r.get("complete")]
        self.activity = sorted(
            (
                e
                for e in self.events
                if e.type in ("track", "page", "screen") and e.event not in SYSTEM_EVENTS
            ),
            key=lambda e: (e.person, e.ts, e.message_id),
        )
        self.sessions = self._sessions()

    @staticmethod
    def _effective(raw: dict[str, Any]) -> datetime:
        ts, received = _time(raw["timestamp"]), _time(raw["receivedAt"])
        if ts > received + timedelta(days=1) or ts < received - timedelta(days=365):
            return received  # a broken client clock
        return ts

    def _sessions(self) -> list[tuple[datetime, bool]]:
        """(start, converted) of every session."""
        sessions: list[tuple[datetime, bool]] = []
        previous: Event | None = None
        for e in self.activity:
            if previous is None or previous.person != e.person or e.ts - previous.ts > timedelta(minutes=30):
                sessions.append((e.ts, False))
            if e.type == "track" and e.event in CONVERSIONS:
                sessions[-1] = (sessions[-1][0], True)
            previous = e
        return sessions

    def values(self, day: date) -> dict[str, float | None]:
        """The metrics of one UTC day (None where METRICS.md says absent)."""
        on_day = [s for s in self.sessions if s[0].date() == day]
        month = {day - timedelta(days=n) for n in range(30)}
        orders: dict[str, Event] = {}
        for e in sorted(self.events, key=lambda e: (e.ts, e.message_id)):
            if e.event == "Order Completed" and e.ts.date() <= day:
                orders.setdefault(e.order_id or e.message_id, e)
        day_orders = [o for o in orders.values() if o.ts.date() == day]
        answers = [
            s["value"]
            for r in self.responses
            if _time(r["submittedAt"]).date() == day
            for s in r["scores"]
            if s["kind"] == "nps"
        ]
        return {
            "sessions": float(len(on_day)) if on_day else None,
            "conversion_rate": sum(1 for s in on_day if s[1]) / len(on_day) if on_day else None,
            "dau": float(len({e.person for e in self.activity if e.ts.date() == day})) or None,
            "mau": float(len({e.person for e in self.activity if e.ts.date() in month})) or None,
            "orders": float(len(day_orders)),
            "revenue": sum(o.revenue for o in day_orders),
            "nps": 100.0 * (sum(a >= 9 for a in answers) - sum(a <= 6 for a in answers)) / len(answers)
            if answers
            else None,
        }
