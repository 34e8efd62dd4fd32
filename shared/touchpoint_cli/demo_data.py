"""The demo month: deterministic, realistic events and survey answers of a brand with two stores.

What it contains, per tenant-local day: a few hundred people (70 % known users) visiting the
web shop, the app and the two stores (closed on Sundays), with page and screen views, product
views, online and in-store orders, loyalty points (`Loyalty Points Earned`, `Loyalty Reward
Redeemed`), staff consultations, product try-ons, social likes and support tickets (email, chat,
phone; chat tickets jump in the last days), door-counter readings per store and door (Berlin has
two doors, each with its `sensor_id`), a Saturday workshop per store with registrations in the
week before (`event_date`) and check-ins on the day, referral codes sent and some redeemed days
later under the same `code`, and survey answers: in-store CSAT by store, e-mail and in-app CSAT, and an
NPS survey. The Hamburg store has three bad days (one checkout open) with low CSAT and comments
about the long wait at the till. Before the month, `history_days` of lighter activity give the
30-day retention metrics a cohort to compare with.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

CSAT_SURVEY = "store-csat"
NPS_SURVEY = "nps-relationship"
STORES: tuple[tuple[str, str], ...] = (
    ("berlin-mitte", "Demo Store Berlin Mitte"),
    ("hamburg-altona", "Demo Store Hamburg Altona"),
)
BAD_STORE = "hamburg-altona"
#: The door counters (`sensor_id`) of each store and each door's share of the store's visitors.
DOORS: dict[str, tuple[tuple[str, float], ...]] = {
    "berlin-mitte": (("entrance-main", 0.6), ("entrance-courtyard", 0.4)),
    "hamburg-altona": (("entrance", 1.0),),
}

SURVEYS: dict[str, dict[str, Any]] = {
    CSAT_SURVEY: {
        "surveyId": CSAT_SURVEY,
        "name": "Zufriedenheit",
        "defaultLanguage": "de",
        "title": {"de": "Wie war es heute?", "en": "How was it today?"},
        "questions": [
            {
                "id": "csat",
                "kind": "csat",
                "required": True,
                "text": {"de": "Wie zufrieden waren Sie?", "en": "How satisfied were you?"},
            },
            {
                "id": "comment",
                "kind": "text",
                "text": {"de": "Was können wir besser machen?", "en": "What could we do better?"},
            },
        ],
    },
    NPS_SURVEY: {
        "surveyId": NPS_SURVEY,
        "name": "Weiterempfehlung",
        "defaultLanguage": "de",
        "questions": [
            {
                "id": "nps",
                "kind": "nps",
                "required": True,
                "text": {
                    "de": "Wie wahrscheinlich empfehlen Sie uns weiter?",
                    "en": "How likely are you to recommend us?",
                },
            },
            {"id": "why", "kind": "text", "text": {"de": "Warum?", "en": "Why?"}},
        ],
    },
}

ALERT_RULES: tuple[dict[str, Any], ...] = (
    {
        "rule_id": "csat-hamburg-drop",
        "name": "CSAT Hamburg fällt um 25 % gegen den 28-Tage-Schnitt",
        "metric": "csat",
        "breakdown": {"location": BAD_STORE},
        "condition": "drops_by",
        "threshold": 25,
        "baseline_days": 28,
        "min_samples": 4,
    },
    {
        "rule_id": "nps-7d-low",
        "name": "NPS (7 Tage) unter 20",
        "metric": "nps",
        "condition": "below",
        "threshold": 20,
        "window_days": 7,
        "min_samples": 15,
    },
    {
        "rule_id": "chat-tickets-double",
        "name": "Chat-Tickets verdoppeln sich",
        "metric": "ticket_volume",
        "breakdown": {"channel": "chat"},
        "condition": "rises_by",
        "threshold": 100,
        "baseline_days": 28,
        "min_samples": 4,
    },
)

_POSITIVE = (
    "Super Beratung, sehr freundliches Personal",
    "Schöner Laden, tolle Auswahl",
    "Kasse war schnell, danke",
    "Alles bestens, gerne wieder",
    "Sehr kompetente Beratung bei den Laufschuhen",
)
_NEUTRAL = ("Parkplätze sind immer voll", "Ganz okay", "Öffnungszeiten könnten länger sein")
_NEGATIVE = (
    "Leider war meine Größe nicht vorrätig",
    "Umkleidekabinen waren schmutzig",
    "Personal unfreundlich",
)
_WAITING = (
    "Viel zu lange Wartezeit an der Kasse!",
    "Lange Wartezeit an der Kasse, nur eine Kasse offen",
    "Die Wartezeit an der Kasse war eine Frechheit",
    "Lange Wartezeit an der Kasse, das Personal war überfordert",
)
_ONLINE_GOOD = ("Schneller Versand, alles bestens", "Tolle Produkte", "Die App ist super praktisch")
_ONLINE_BAD = ("Lieferung kam zu spät", "Die App stürzt beim Bezahlen ab", "Preise sind zu hoch")
_CSAT_WEIGHTS = ((5, 45), (4, 35), (3, 12), (2, 5), (1, 3))
_BAD_CSAT_WEIGHTS = ((5, 5), (4, 10), (3, 15), (2, 35), (1, 35))
_NPS_WEIGHTS = ((10, 22), (9, 24), (8, 18), (7, 12), (6, 8), (5, 6), (4, 4), (3, 3), (2, 2), (1, 1))


@dataclass(frozen=True)
class DemoSize:
    """How much data: `days` rolled-up days ending today, `people`, and earlier event-only days."""

    days: int = 30
    people: int = 240
    history_days: int = 30
    store_responses: int = 4  # CSAT answers per store and open day (about)
    online_responses: int = 2  # e-mail / in-app CSAT answers per day (about)
    nps_responses: int = 3  # NPS answers per day (about)


@dataclass(frozen=True)
class DemoResponse:
    """One survey answer to send."""

    survey_id: str
    response_id: str
    submitted_at: datetime  # aware, UTC
    answers: dict[str, Any]
    channel: str
    location_id: str | None = None
    user_id: str | None = None

    def submission(self) -> dict[str, Any]:
        """The JSON body of `POST /v1/surveys/{id}/responses`."""
        body: dict[str, Any] = {"answers": self.answers, "channel": self.channel, "language": "de"}
        if self.location_id:
            body["locationId"] = self.location_id
        if self.user_id:
            body["userId"] = self.user_id
        return body


@dataclass
class DemoDay:
    """One tenant-local day: its events and survey answers; `rolled_up` days get metrics."""

    day: date
    rolled_up: bool
    events: list[dict[str, Any]] = field(default_factory=list)
    responses: list[DemoResponse] = field(default_factory=list)


@dataclass(frozen=True)
class _Person:
    index: int
    user_id: str | None
    anonymous_id: str
    store: str
    channel: str
    propensity: float
    os_name: str


def _weighted(rng: random.Random, weights: Sequence[tuple[Any, int]]) -> Any:
    total = sum(w for _, w in weights)
    pick = rng.uniform(0, total)
    for value, weight in weights:
        pick -= weight
        if pick <= 0:
            return value
    return weights[-1][0]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def bad_days(days: Sequence[date]) -> list[date]:
    """The Hamburg store's bad days: two in a row about nine days before the end and one three days before."""
    if len(days) < 12:
        return [days[-2]] if len(days) >= 2 else list(days)
    chosen = []
    for offset in (9, 8, 3):
        day = days[-1] - timedelta(days=offset)
        if day.weekday() == 6:  # stores are closed on Sundays
            day -= timedelta(days=1)
        chosen.append(day)
    return sorted(set(chosen))


class _Builder:
    def __init__(self, size: DemoSize, timezone: str, seed: int, now: datetime) -> None:
        self.size = size
        self.zone = ZoneInfo(timezone)
        self.rng = random.Random(seed)
        self.now = now
        self.counter = 0
        self.identified: set[str] = set()
        self.people = [self._person(i) for i in range(size.people)]
        self.known = [p for p in self.people if p.user_id]
        self.csat_pool = self.rng.sample(self.known, len(self.known))
        self.nps_pool = self.rng.sample(self.known, len(self.known))
        # A second generator for workshops and referrals, so the rest of the story stays as it was.
        self.side = random.Random(seed + 1)
        self.registrants: dict[str, list[_Person]] = {}
        self.later: dict[date, list[dict[str, Any]]] = {}

    def _person(self, i: int) -> _Person:
        rng = self.rng
        return _Person(
            index=i,
            user_id=f"user-{i:04d}" if rng.random() < 0.7 else None,
            anonymous_id=f"anon-{i:04d}-{rng.randrange(16**6):06x}",
            store=STORES[0][0] if rng.random() < 0.55 else STORES[1][0],
            channel=_weighted(rng, (("web", 45), ("mobile", 35), ("in_store", 20))),
            propensity=rng.choice((0.04, 0.08, 0.15, 0.25, 0.4)),
            os_name=rng.choice(("iOS", "Android")),
        )

    def _at(self, day: date, hour: int, minute: int, second: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute, second), tzinfo=self.zone).astimezone(UTC)

    def _event(self, kind: str, person: _Person, moment: datetime, **fields: Any) -> dict[str, Any]:
        self.counter += 1
        event: dict[str, Any] = {
            "type": kind,
            "messageId": f"demo-{moment:%Y%m%d}-{self.counter:06d}",
            "anonymousId": person.anonymous_id,
            "timestamp": _iso(moment),
        }
        if person.user_id:
            event["userId"] = person.user_id
        event.update(fields)
        return event

    def _track(
        self, person: _Person, moment: datetime, name: str, source: str, **properties: Any
    ) -> dict[str, Any]:
        context: dict[str, Any] = {"channel": source}
        if source == "mobile":
            context["os"] = {"name": person.os_name}
        return self._event("track", person, moment, event=name, properties=properties, context=context)

    def _order(
        self, person: _Person, moment: datetime, channel: str, location: str | None
    ) -> list[dict[str, Any]]:
        rng = self.rng
        products: list[dict[str, Any]] = [
            {
                "product_id": f"sku-{rng.randrange(120):04d}",
                "price": round(rng.uniform(15, 90), 2),
                "quantity": 1,
            }
            for _ in range(rng.choice((1, 1, 2, 3)))
        ]
        revenue = round(sum(float(p["price"]) for p in products), 2)
        props: dict[str, Any] = {
            "order_id": f"o-{self.counter + 1:07d}",
            "revenue": revenue,
            "products": products,
        }
        if location:
            props["location_id"] = location
        events = [self._track(person, moment, "Order Completed", channel, **props)]
        if rng.random() < 0.6:
            points = int(revenue)
            extra = {"location_id": location} if location else {}
            events.append(
                self._track(person, moment, "Loyalty Points Earned", channel, points=points, **extra)
            )
        return events

    def session(
        self, person: _Person, day: date, open_store: bool, chat_boost: float
    ) -> list[dict[str, Any]]:
        rng = self.rng
        channel = person.channel if rng.random() < 0.8 else rng.choice(("web", "mobile", "in_store"))
        if channel == "in_store" and not open_store:
            channel = "web"
        hour = (
            rng.randrange(9, 20) if channel == "in_store" else rng.choice((7, 8, 12, 13, 18, 19, 20, 21, 22))
        )
        moment = self._at(day, hour, rng.randrange(60), rng.randrange(60))
        if moment > self.now:
            return []
        events: list[dict[str, Any]] = []
        if person.user_id and person.user_id not in self.identified:
            self.identified.add(person.user_id)
            events.append(
                self._event(
                    "identify", person, moment, traits={"loyalty_tier": rng.choice(("bronze", "silver"))}
                )
            )
        step = timedelta(seconds=rng.randrange(20, 90))
        if channel == "in_store":
            store = person.store
            events.append(self._track(person, moment, "Store Visited", "in_store", location_id=store))
            moment += timedelta(minutes=rng.randrange(3, 15))
            if rng.random() < 0.45:
                kind = rng.choice(("consultation", "demo", "service"))
                events.append(
                    self._track(
                        person, moment, "Staff Interaction Logged", "in_store", kind=kind, location_id=store
                    )
                )
            if rng.random() < 0.3:
                events.append(
                    self._track(
                        person,
                        moment,
                        "Product Interacted",
                        "in_store",
                        product_id=f"sku-{rng.randrange(120):04d}",
                        location_id=store,
                    )
                )
            if rng.random() < 0.5:
                events += self._order(person, moment + step, "in_store", store)
            if rng.random() < 0.05:
                events.append(
                    self._track(
                        person, moment, "Loyalty Reward Redeemed", "in_store", points=200, location_id=store
                    )
                )
        else:
            kind = "page" if channel == "web" else "screen"
            for n in range(rng.randrange(1, 7)):
                at = moment + step * n
                name = rng.choice(("Home", "Category", "Product", "Search", "Cart"))
                fields: dict[str, Any] = {"name": name, "properties": {}}
                if kind == "page":
                    fields["context"] = {"page": {"url": f"https://shop.example/{name.lower()}"}}
                else:
                    fields["context"] = {"channel": "mobile", "os": {"name": person.os_name}}
                events.append(self._event(kind, person, at, **fields))
                if name == "Product" and rng.random() < 0.5:
                    events.append(
                        self._track(
                            person, at, "Product Viewed", channel, product_id=f"sku-{rng.randrange(120):04d}"
                        )
                    )
            moment += step * 6
            if rng.random() < 0.08:
                events += self._order(person, moment, channel, None)
        if rng.random() < 0.05:
            events.append(
                self._track(
                    person, moment, "Post Liked", channel, platform=rng.choice(("instagram", "tiktok"))
                )
            )
        if rng.random() < 0.01:
            events.append(self._track(person, moment, "Loyalty Program Joined", channel))
        events += self._referral(person, day, moment, channel)
        ticket_channel = _weighted(rng, (("email", 40), ("chat", int(40 * chat_boost)), ("phone", 20)))
        if rng.random() < 0.04 * (1 + (chat_boost - 1) * 0.5):
            events.append(
                self._track(person, moment, "Support Ticket Created", channel, channel=ticket_channel)
            )
        return [e for e in events if e["timestamp"] <= _iso(self.now)]

    def chat_outage(self, day: date) -> list[dict[str, Any]]:
        """The app's payment page fails: people open chat tickets (the ticket alert's breach)."""
        events = []
        for person in self.rng.sample(self.known, 6):
            moment = self._at(day, self.rng.randrange(10, 21), self.rng.randrange(60))
            if moment <= self.now:
                events.append(self._track(person, moment, "Support Ticket Created", "mobile", channel="chat"))
        return events

    def door_counts(self, day: date, visits: dict[str, int]) -> list[dict[str, Any]]:
        """One reading per door of each store for the opening hours; the doors split the store's count."""
        events = []
        for store, _name in STORES:
            start, end = self._at(day, 9, 0), self._at(day, 20, 0)
            if end > self.now:
                continue
            count = visits.get(store, 0) * 3 + self.rng.randrange(20, 60)
            doors = DOORS[store]
            for index, (sensor_id, share) in enumerate(doors):
                counted = (
                    round(count * share)
                    if index < len(doors) - 1
                    else count - sum(round(count * s) for _, s in doors[:-1])
                )
                sensor = _Person(-1, None, f"door-counter-{store}-{sensor_id}", store, "in_store", 0, "")
                events.append(
                    self._event(
                        "track",
                        sensor,
                        end,
                        event="Foot Traffic Counted",
                        properties={
                            "location_id": store,
                            "sensor_id": sensor_id,
                            "count": counted,
                            "period_start": _iso(start),
                            "period_end": _iso(end),
                        },
                        context={"channel": "in_store"},
                    )
                )
        return events

    def _referral(self, person: _Person, day: date, moment: datetime, channel: str) -> list[dict[str, Any]]:
        """Now and then a known person shares a code; a third of the codes are redeemed 1-12 days later."""
        side = self.side
        if not person.user_id or side.random() >= 0.03:
            return []
        code = f"REF-{person.index:04d}-{day:%m%d}"
        where = {"location_id": person.store} if channel == "in_store" else {}
        sent = self._track(person, moment, "Referral Sent", channel, code=code, **where)
        if side.random() < 0.35:
            later = day + timedelta(days=side.randrange(1, 13))
            newcomer = _Person(-1, None, f"referred-{code.lower()}", person.store, "web", 0, "")
            at = self._at(later, side.randrange(9, 21), side.randrange(60))
            converted = self._event(
                "track",
                newcomer,
                at,
                event="Referral Converted",
                properties={"code": code},
                context={"channel": "web"},
            )
            self.later.setdefault(later, []).append(converted)
        return [sent]

    def workshops(self, day: date) -> list[dict[str, Any]]:
        """Registrations for each store's next Saturday workshop (`event_date`); check-ins on the day."""
        side = self.side
        events: list[dict[str, Any]] = []
        saturday = day + timedelta(days=(5 - day.weekday()) % 7)
        for store, _name in STORES:
            event_id = f"workshop-{store}-{saturday.isoformat()}"
            registrants = self.registrants.setdefault(event_id, [])
            if saturday > day:  # the week before: a few of the store's regulars sign up
                for person in self.known:
                    if person.store == store and person not in registrants and side.random() < 0.01:
                        at = self._at(day, side.randrange(8, 22), side.randrange(60))
                        registrants.append(person)
                        events.append(
                            self._track(
                                person,
                                at,
                                "Event Registered",
                                "web",
                                event_id=event_id,
                                event_date=saturday.isoformat(),
                                location_id=store,
                            )
                        )
                continue
            for person in registrants:  # the day itself: about seven in ten come
                if side.random() < 0.7:
                    at = self._at(day, 18, side.randrange(0, 30))
                    events.append(
                        self._track(
                            person,
                            at,
                            "Event Attended",
                            "in_store",
                            event_id=event_id,
                            event_date=saturday.isoformat(),
                            location_id=store,
                        )
                    )
        return [e for e in events if e["timestamp"] <= _iso(self.now)]

    def _comment(self, score: int, bad: bool) -> str | None:
        rng = self.rng
        if bad and score <= 3 and rng.random() < 0.85:
            return rng.choice(_WAITING)
        if rng.random() > 0.55:
            return None
        if score >= 4:
            return rng.choice(_POSITIVE)
        if score == 3:
            return rng.choice(_NEUTRAL)
        return rng.choice(_NEGATIVE)

    def responses(self, day: date, open_store: bool, bad: bool) -> list[DemoResponse]:
        rng = self.rng
        found: list[DemoResponse] = []

        def add(survey: str, answers: dict[str, Any], channel: str, moment: datetime, **who: Any) -> None:
            if moment > self.now:
                return
            rid = f"demo{day:%Y%m%d}{survey[:3]}{len(found):04d}"
            found.append(DemoResponse(survey, rid, moment, answers, channel, **who))

        if open_store:
            for store, _name in STORES:
                hit = bad and store == BAD_STORE
                count = max(1, self.size.store_responses + rng.randrange(-2, 3) + (2 if hit else 0))
                for _ in range(count):
                    score = _weighted(rng, _BAD_CSAT_WEIGHTS if hit else _CSAT_WEIGHTS)
                    answers: dict[str, Any] = {"csat": score}
                    text = self._comment(score, hit)
                    if text:
                        answers["comment"] = text
                    add(
                        CSAT_SURVEY,
                        answers,
                        "in_store",
                        self._at(day, rng.randrange(10, 20), rng.randrange(60)),
                        location_id=store,
                    )
        for _ in range(max(0, self.size.online_responses + rng.randrange(-1, 2))):
            score = _weighted(rng, _CSAT_WEIGHTS)
            answers = {"csat": score}
            if rng.random() < 0.5:
                answers["comment"] = rng.choice(_ONLINE_GOOD if score >= 4 else _ONLINE_BAD)
            user = self.csat_pool.pop().user_id if self.csat_pool else None
            channel = rng.choice(("email", "in_app"))
            add(
                CSAT_SURVEY,
                answers,
                channel,
                self._at(day, rng.randrange(8, 22), rng.randrange(60)),
                user_id=user,
            )
        for _ in range(max(0, self.size.nps_responses + rng.randrange(-1, 2))):
            score = _weighted(rng, _NPS_WEIGHTS)
            answers = {"nps": score}
            if rng.random() < 0.5:
                answers["why"] = rng.choice(
                    _ONLINE_GOOD if score >= 9 else _ONLINE_BAD if score <= 6 else _NEUTRAL
                )
            user = self.nps_pool.pop().user_id if self.nps_pool else None
            channel = rng.choice(("email", "in_app"))
            add(
                NPS_SURVEY,
                answers,
                channel,
                self._at(day, rng.randrange(8, 22), rng.randrange(60)),
                user_id=user,
            )
        return found


def generate(
    size: DemoSize, last_day: date, timezone: str, *, seed: int = 7, now: datetime | None = None
) -> list[DemoDay]:
    """Every demo day, oldest first: `history_days` of events only, then `days` with survey answers.

    Nothing lies after `now` (default: the current time), so today's day is partial.
    """
    moment = now or datetime.now(UTC)
    builder = _Builder(size, timezone, seed, moment)
    total = size.history_days + size.days
    days = [last_day - timedelta(days=total - 1 - i) for i in range(total)]
    rolled = days[size.history_days :]
    bad = set(bad_days(rolled)) if rolled else set()
    result: list[DemoDay] = []
    for day in days:
        is_rolled = day in rolled
        open_store = day.weekday() != 6
        demo_day = DemoDay(day=day, rolled_up=is_rolled)
        chat_boost = 2.0 if is_rolled and 1 <= (last_day - day).days <= 2 else 1.0
        activity = 1.0 if is_rolled else 0.6
        visits: dict[str, int] = {}
        for person in builder.people:
            if builder.rng.random() < person.propensity * activity * (1.2 if day.weekday() == 5 else 1.0):
                events = builder.session(person, day, open_store, chat_boost)
                if any(e.get("event") == "Store Visited" for e in events):
                    visits[person.store] = visits.get(person.store, 0) + 1
                demo_day.events += events
        if open_store:
            demo_day.events += builder.door_counts(day, visits)
        demo_day.events += builder.workshops(day)
        demo_day.events += [e for e in builder.later.pop(day, []) if e["timestamp"] <= _iso(moment)]
        if chat_boost > 1:
            demo_day.events += builder.chat_outage(day)
        if is_rolled:
            demo_day.responses = builder.responses(day, open_store, day in bad)
        result.append(demo_day)
    return result
