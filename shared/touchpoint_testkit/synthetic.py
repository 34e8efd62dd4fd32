"""Deterministic synthetic data: one tenant-day of Segment events and survey responses.

`generate_day` writes gzip JSON-lines files in the formats the ingest and survey functions store,
so the benchmark (`bench/rollup.py`) and tests can run the engine on realistic volumes. The same
arguments (including `seed`) always produce byte-identical files.

What a generated day contains: people with a heavy-tailed activity level (70 % known `userId`s,
the rest anonymous), sessions of page/screen views and track events (product, order, sign-up,
social, support, loyalty, in-store events, staff, referrals and reviews), some known users
logging in mid-session (events before the `identify` carry only the `anonymousId`), hourly
door-counter readings for half of the stores (each with its `sensor_id`; the first store has
two doors), a daily follower reading per social platform, a share of events duplicated into a
second file, a few events with a far-off client clock, and survey
responses (NPS, CSAT, CES, comments) with some resubmitted under the same `responseId`.
"""

from __future__ import annotations

import bisect
import gzip
import io
import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from touchpoint.engine.calendar import local_day_bounds

_SOCIAL = ("Post Liked", "Post Shared", "Post Commented", "Account Followed")
_SOCIAL_PLATFORMS = ("instagram", "tiktok", "facebook")
_REVIEW_PLATFORMS = ("google", "trustpilot", "app_store")
_SURVEYS = ("nps-relationship", "csat-support", "ces-checkout", "qr-store")
_PRODUCTS = tuple(f"sku-{i:04d}" for i in range(400))

# (event, weight): what a person does after the first event of a session.
_TRACK_MIX: tuple[tuple[str, float], ...] = (
    ("<view>", 55.0),
    ("Product Viewed", 14.0),
    ("Product Added", 7.0),
    ("Order Completed", 3.0),
    ("Signed Up", 0.5),
    ("Newsletter Subscribed", 0.5),
    ("Post Liked", 2.0),
    ("Post Shared", 0.7),
    ("Post Commented", 0.6),
    ("Account Followed", 0.4),
    ("Support Ticket Created", 0.5),
    ("Loyalty Program Joined", 0.2),
    ("Loyalty Points Earned", 1.2),
    ("Loyalty Reward Redeemed", 0.4),
    ("Event Registered", 0.4),
    ("Event Attended", 0.2),
    ("Staff Interaction Logged", 1.0),
    ("Product Interacted", 1.0),
    ("Referral Sent", 0.3),
    ("Referral Converted", 0.1),
    ("Review Posted", 0.3),
)
_TRACK_NAMES = tuple(name for name, _ in _TRACK_MIX)
_TRACK_CUM: list[float] = []
_acc = 0.0
for _, _w in _TRACK_MIX:
    _acc += _w
    _TRACK_CUM.append(_acc)

_CHANNELS = (("web", 0.5), ("mobile", 0.3), ("email", 0.1), ("in_store", 0.1))
_OS = {"web": ("Mac OS X", "Windows", "iOS", "Android"), "mobile": ("iOS", "Android")}


@dataclass(frozen=True)
class SyntheticDay:
    """Where `generate_day` wrote its files and how many lines it wrote."""

    day: date
    event_files: list[Path]
    response_files: list[Path]
    event_lines: int
    response_lines: int


@dataclass(frozen=True)
class _Person:
    user_id: str | None
    anonymous_id: str
    channel: str
    os_name: str | None
    location: str


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _open_gzip_text(path: Path, level: int) -> IO[str]:
    """A text handle writing gzip with a fixed header time, so equal content gives equal bytes."""
    binary = gzip.GzipFile(filename=path, mode="wb", compresslevel=level, mtime=0)
    return io.TextIOWrapper(binary, encoding="utf-8")


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":")) + "\n"


class _EventWriter:
    """Streams events round-robin into `files` gzip files, duplicating a share into the next one."""

    def __init__(
        self,
        paths: list[Path],
        rng: random.Random,
        duplicate_share: float,
        skewed_share: float,
        level: int,
        tag: str,
    ) -> None:
        self._handles: list[IO[str]] = [_open_gzip_text(path, level) for path in paths]
        self._rng = rng
        self._dup = duplicate_share
        self._skew = skewed_share
        self.tag = tag  # the day, so that ids never repeat across days
        self.count = 0
        self.lines = 0

    def write(self, event: dict[str, Any], moment: datetime, rng: random.Random | None = None) -> None:
        """Write one event (`rng`: another generator than the day's, e.g. for events added last)."""
        rng = rng or self._rng
        self.count += 1
        event["messageId"] = f"m-{self.tag}-{self.count:09d}"
        received = moment + timedelta(milliseconds=50 + int(rng.random() * 2000))
        stamp = moment
        if rng.random() < self._skew:  # a client with a broken clock: years ahead or behind
            stamp = moment + timedelta(days=rng.choice((3 * 365, -2 * 365)))
        event["timestamp"] = _iso(stamp)
        event["receivedAt"] = _iso(received)
        line = _dump(event)
        index = self.count % len(self._handles)
        self._handles[index].write(line)
        self.lines += 1
        if rng.random() < self._dup:
            self._handles[(index + 1) % len(self._handles)].write(line)
            self.lines += 1

    def close(self) -> None:
        for handle in self._handles:
            handle.close()


def _make_people(rng: random.Random, count: int, locations: int) -> list[_Person]:
    people: list[_Person] = []
    channel_names = [name for name, _ in _CHANNELS]
    channel_weights = [weight for _, weight in _CHANNELS]
    for index in range(count):
        channel = rng.choices(channel_names, channel_weights)[0]
        os_choices = _OS.get(channel)
        people.append(
            _Person(
                user_id=f"user-{index:07d}" if rng.random() < 0.7 else None,
                anonymous_id=f"anon-{index:07d}",
                channel=channel,
                os_name=rng.choice(os_choices) if os_choices else None,
                location=f"store-{rng.randrange(locations):03d}",
            )
        )
    return people


def _properties(rng: random.Random, name: str, person: _Person, order_ref: str, day: date) -> dict[str, Any]:
    """Tracking-plan properties of one track event (`day`: the day being generated)."""
    if name == "Order Completed":
        products: list[dict[str, Any]] = []
        revenue = 0.0
        for _ in range(1 + int(rng.random() * 3)):
            price = round(5 + rng.random() * 95, 2)
            quantity = rng.randint(1, 3)
            revenue += price * quantity
            products.append({"product_id": rng.choice(_PRODUCTS), "price": price, "quantity": quantity})
        revenue = round(revenue, 2)
        props: dict[str, Any] = {"order_id": f"o-{order_ref}", "revenue": revenue, "products": products}
        if person.channel == "in_store":
            props["location_id"] = person.location
        return props
    if name in _SOCIAL:
        return {"platform": rng.choice(_SOCIAL_PLATFORMS)}
    if name == "Support Ticket Created":
        return {"channel": rng.choice(("email", "chat", "phone", "social", "in_store"))}
    if name in ("Loyalty Points Earned", "Loyalty Reward Redeemed"):
        return {"points": rng.choice((10, 20, 50, 100)), "location_id": person.location}
    if name in ("Event Registered", "Event Attended"):
        number = rng.randrange(10)
        # registrations are for an event held today or in the next two days; attendance is today's
        held = day + timedelta(days=number % 3 if name == "Event Registered" else 0)
        return {
            "event_id": f"ev-{number:02d}-{held.isoformat()}",
            "location_id": person.location,
            "event_date": held.isoformat(),
        }
    if name == "Staff Interaction Logged":
        return {
            "kind": rng.choice(("consultation", "demo", "service")),
            "location_id": person.location,
            "staff_id": f"staff-{rng.randrange(50):02d}",
        }
    if name == "Product Interacted":
        return {"product_id": rng.choice(_PRODUCTS), "location_id": person.location}
    if name in ("Referral Sent", "Referral Converted"):
        return {"code": f"ref-{rng.randrange(5000):05d}", "location_id": person.location}
    if name == "Review Posted":
        return {
            "rating": rng.choices((1, 2, 3, 4, 5), (1, 1, 2, 4, 6))[0],
            "text": "ok",
            "platform": rng.choice(_REVIEW_PLATFORMS),
            "location_id": person.location,
        }
    if name in ("Product Viewed", "Product Added"):
        return {"product_id": rng.choice(_PRODUCTS)}
    return {}


def _context(person: _Person, rng: random.Random, first: bool) -> dict[str, Any]:
    ctx: dict[str, Any] = {"channel": person.channel}
    if person.os_name:
        ctx["os"] = {"name": person.os_name}
    if person.channel == "web":
        ctx["page"] = {"url": "https://shop.example.com/p", "referrer": ""}
        if first and rng.random() < 0.3:
            ctx["page"]["referrer"] = rng.choice(("https://www.google.com/", "https://news.example.org/a"))
    if first and person.channel == "email":
        ctx["campaign"] = {"source": "newsletter", "medium": "email", "name": "weekly"}
    if person.channel == "in_store":
        ctx["location_id"] = person.location
    return ctx


def _write_sessions(
    writer: _EventWriter,
    day: date,
    rng: random.Random,
    people: list[_Person],
    events: int,
    start: datetime,
    span_s: float,
) -> None:
    cumulative: list[float] = []
    total = 0.0
    for _ in people:
        total += min(rng.paretovariate(1.3), 200.0)
        cumulative.append(total)
    while writer.count < events:
        person = people[min(bisect.bisect_left(cumulative, rng.random() * total), len(people) - 1)]
        moment = start + timedelta(seconds=rng.random() * span_s)
        length = 1 + min(int(rng.expovariate(1 / 7)), 60)
        login_at = rng.randrange(length) if person.user_id and rng.random() < 0.15 else -1
        logged_in = person.user_id is not None and login_at < 0
        for position in range(length):
            if position == login_at:
                logged_in = True
                writer.write(
                    {
                        "type": "identify",
                        "userId": person.user_id,
                        "anonymousId": person.anonymous_id,
                        "traits": {"plan": "member"},
                        "context": {"channel": person.channel},
                    },
                    moment,
                )
            event: dict[str, Any] = {"anonymousId": person.anonymous_id}
            if logged_in:
                event["userId"] = person.user_id
            first = position == 0
            if first and person.channel == "in_store":
                name = "Store Visited"
            elif first:
                name = "<view>"
            else:
                name = _TRACK_NAMES[bisect.bisect_left(_TRACK_CUM, rng.random() * _TRACK_CUM[-1])]
            if name == "<view>":
                event["type"] = "screen" if person.channel == "mobile" else "page"
                event["name"] = "Home" if first else "Product"
            else:
                event["type"] = "track"
                event["event"] = name
                props = _properties(rng, name, person, f"{writer.tag}-{writer.count:09d}", day)
                if name == "Store Visited":
                    props["location_id"] = person.location
                event["properties"] = props
            event["context"] = _context(person, rng, first)
            writer.write(event, moment)
            moment += timedelta(seconds=3 + rng.random() * 300)
            if writer.count >= events:
                return


def _reading(location: str, sensor: str, count: int, begin: datetime) -> dict[str, Any]:
    props = {
        "location_id": location,
        "sensor_id": sensor,
        "count": count,
        "period_start": _iso(begin),
        "period_end": _iso(begin + timedelta(hours=1)),
    }
    return {
        "type": "track",
        "event": "Foot Traffic Counted",
        "anonymousId": f"counter-{location}",
        "properties": props,
    }


def _write_system(writer: _EventWriter, rng: random.Random, start: datetime, locations: int) -> None:
    for index in range(0, locations, 2):  # every other store has a door counter
        location = f"store-{index:03d}"
        for hour in range(8, 22):
            begin = start + timedelta(hours=hour)
            writer.write(_reading(location, "door-1", rng.randint(5, 60), begin), begin + timedelta(hours=1))
    for platform in _SOCIAL_PLATFORMS:
        writer.write(
            {
                "type": "track",
                "event": "Follower Count Reported",
                "anonymousId": "social-reporter",
                "properties": {"platform": platform, "followers": rng.randint(10_000, 20_000)},
            },
            start + timedelta(hours=23),
        )


def _write_second_door(writer: _EventWriter, rng: random.Random, start: datetime) -> None:
    """The first store's second door (`door-2`), written last with its own generator.

    So the rest of the day is the same as without it.
    """
    for hour in range(8, 22):
        begin = start + timedelta(hours=hour)
        reading = _reading("store-000", "door-2", rng.randint(5, 60), begin)
        writer.write(reading, begin + timedelta(hours=1), rng)


def _write_responses(
    path: Path,
    rng: random.Random,
    people: list[_Person],
    responses: int,
    start: datetime,
    span_s: float,
    level: int,
) -> int:
    lines = 0
    with _open_gzip_text(path, level) as gz:
        for index in range(responses):
            person = rng.choice(people)
            survey = rng.choice(_SURVEYS)
            moment = start + timedelta(seconds=rng.random() * span_s)
            scores: list[dict[str, Any]] = []
            if survey in ("nps-relationship", "qr-store"):
                scores.append(
                    {
                        "questionId": "q-nps",
                        "kind": "nps",
                        "value": rng.choices(range(11), (1,) * 6 + (2, 3, 4, 5, 4))[0],
                    }
                )
            if survey in ("csat-support", "qr-store"):
                scores.append(
                    {
                        "questionId": "q-csat",
                        "kind": "csat",
                        "value": rng.choices(range(1, 6), (1, 1, 2, 4, 4))[0],
                    }
                )
            if survey == "ces-checkout":
                scores.append({"questionId": "q-ces", "kind": "ces", "value": rng.randint(1, 7)})
            comments: list[dict[str, Any]] = []
            if rng.random() < 0.4:
                sentiment = rng.choices(("positive", "neutral", "negative"), (5, 3, 2))[0]
                comments.append(
                    {
                        "questionId": "q-text",
                        "text": "comment",
                        "sentiment": sentiment,
                        "keyPhrases": ["staff"],
                    }
                )
            channel = "in_store" if survey == "qr-store" else rng.choice(("email", "in_app", "web"))
            record: dict[str, Any] = {
                "responseId": f"r-{start:%Y%m%d}-{index:08d}",
                "surveyId": survey,
                "submittedAt": _iso(moment),
                "complete": True,
                "channel": channel,
                "locationId": person.location if channel == "in_store" else None,
                "touchpointId": None,
                "userId": person.user_id,
                "anonymousId": person.anonymous_id,
                "language": rng.choice(("de", "en")),
                "scores": scores,
                "comments": comments,
            }
            if rng.random() < 0.05:  # a partial answer later completed under the same responseId
                partial = dict(record, complete=False, scores=scores[:1], comments=[])
                partial["submittedAt"] = _iso(moment - timedelta(minutes=2))
                gz.write(_dump(partial))
                lines += 1
            elif rng.random() < 0.05:
                record["complete"] = False
            gz.write(_dump(record))
            lines += 1
    return lines


def generate_day(
    out_dir: Path,
    day: date,
    *,
    events: int = 1_000_000,
    people: int = 50_000,
    responses: int | None = None,
    seed: int = 7,
    timezone: str = "UTC",
    files: int = 8,
    duplicate_share: float = 0.01,
    skewed_share: float = 0.001,
    locations: int = 20,
    compresslevel: int = 1,
) -> SyntheticDay:
    """Write one synthetic tenant-day into `out_dir` and return the file paths.

    `events` counts distinct events (duplicates and the 14 readings of the second door written on
    top of it); `responses` defaults to one per ten people. Files are named `events-<day>-<n>.jsonl.gz` and
    `responses-<day>.jsonl.gz`, so several days can share one directory.
    """
    if files < 1:
        raise ValueError("files must be >= 1")
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}:{day.isoformat()}")
    start, end = local_day_bounds(day, timezone)
    span_s = (end - start).total_seconds()
    crowd = _make_people(rng, people, locations)
    event_paths = [out_dir / f"events-{day.isoformat()}-{index:02d}.jsonl.gz" for index in range(files)]
    writer = _EventWriter(event_paths, rng, duplicate_share, skewed_share, compresslevel, f"{day:%Y%m%d}")
    try:
        _write_system(writer, rng, start, locations)
        # Sessions start over the first 23 hours so that most of them end on the same day.
        _write_sessions(writer, day, rng, crowd, events, start, max(span_s - 3600.0, 1.0))
        _write_second_door(writer, random.Random(f"{seed}:{day.isoformat()}:doors"), start)
    finally:
        writer.close()
    response_path = out_dir / f"responses-{day.isoformat()}.jsonl.gz"
    count = people // 10 if responses is None else responses
    response_lines = _write_responses(response_path, rng, crowd, count, start, span_s, compresslevel)
    return SyntheticDay(
        day=day,
        event_files=event_paths,
        response_files=[response_path],
        event_lines=writer.lines,
        response_lines=response_lines,
    )
