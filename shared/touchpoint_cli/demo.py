"""`touchpoint demo`: fill the local stack with a realistic month and print the dashboard URL.

Through the stack's own HTTP APIs, with the demo tenant's keys from `.touchpoint/local.json`:
the second store (`POST /v1/locations`), the surveys (`POST /v1/surveys`, `.../activate`), the
alert rules (`POST /v1/alerts/rules`), every event (`POST /v1/batch`), today's survey answers
(`POST /v1/surveys/{id}/responses`) and a few QR-code form answers (`GET`/`POST /f/{token}`).

Answers of earlier days cannot go through the HTTP API, which stamps every answer with the time
it arrives; they go through the surveys function's own service in this process (the same
validation, masking, comment analysis and lake copy) with its clock set to the answer's time.
Then every day is rolled up in this process, as `touchpoint backfill` does, and the alert rules
are evaluated after each day.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import unescape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import requests

from touchpoint.models.metrics import MetricPoint
from touchpoint.models.surveys import ResponseSubmission
from touchpoint.qr.codes import FORM_PATH
from touchpoint.rollup.service import RollupService
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import Runtime
from touchpoint.storage.lake import LakeRepository
from touchpoint_cli.demo_data import ALERT_RULES, STORES, SURVEYS, DemoDay, DemoResponse, DemoSize, generate
from touchpoint_cli.logs import quiet_logs

MAX_BATCH_EVENTS = 400
_RETRIES = 5
_WORKERS = 6
_ROLLUP_WORKERS = 2
_QR_ANSWERS = (
    (2, "Lange Wartezeit an der Kasse, nur eine Kasse offen"),
    (5, "Super Beratung, sehr freundliches Personal"),
    (4, None),
)


class DemoError(click.ClickException):
    """The demo could not finish (the message says which step failed)."""


@dataclass
class DemoReport:
    """What the demo did."""

    dashboard_url: str
    first_day: date
    last_day: date
    events: int = 0
    responses: int = 0
    qr_answers: int = 0
    rollups: int = 0
    alerts: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


class Api:
    """The local stack's HTTP API with the demo tenant's keys."""

    def __init__(self, info: dict[str, str]) -> None:
        self.base = info["api_url"].rstrip("/")
        self.info = info
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=_WORKERS + 4)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def call(
        self, method: str, path: str, key: str | None, *, ok: tuple[int, ...] = (200, 201), **kwargs: Any
    ) -> requests.Response:
        """One request; retried on 429 / 5xx; DemoError on any other unexpected status."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if key:
            headers["Authorization"] = f"Bearer {key}"
        for attempt in range(_RETRIES):
            response = self.session.request(method, self.base + path, headers=headers, timeout=60, **kwargs)
            if response.status_code in ok:
                return response
            if response.status_code == 429 or response.status_code >= 500:
                time.sleep(min(2.0, 0.2 * 2**attempt))
                continue
            break
        raise DemoError(f"{method} {path} answered {response.status_code}: {response.text[:300]}")


def _setup(api: Api) -> None:
    admin = api.info["admin_key"]
    for location_id, name in STORES:
        api.call(
            "POST",
            "/v1/locations",
            admin,
            json={"location_id": location_id, "name": name, "has_door_counter": True},
            ok=(200, 201, 409),
        )
    for survey_id, definition in SURVEYS.items():
        api.call("POST", "/v1/surveys", admin, json=definition, ok=(200, 201, 409))
        api.call("POST", f"/v1/surveys/{survey_id}/activate", admin)
    for rule in ALERT_RULES:
        api.call("POST", "/v1/alerts/rules", admin, json=rule, ok=(201, 409))


def _batches(days: list[DemoDay]) -> list[list[dict[str, Any]]]:
    batches: list[list[dict[str, Any]]] = []
    for day in days:
        for start in range(0, len(day.events), MAX_BATCH_EVENTS):
            batches.append(day.events[start : start + MAX_BATCH_EVENTS])
    return batches


def _send_events(api: Api, batches: list[list[dict[str, Any]]], tick: Callable[[int], None]) -> int:
    def send(batch: list[dict[str, Any]]) -> int:
        api.call("POST", "/v1/batch", api.info["write_key"], json={"batch": batch})
        return len(batch)

    sent = 0
    with ThreadPoolExecutor(max_workers=4) as pool:
        for count in pool.map(send, batches):
            sent += count
            tick(1)
    return sent


_CLOCK = threading.local()


@contextmanager
def _answer_clock() -> Iterator[None]:
    """Let each thread set the surveys service's clock (its documented test hook) to an answer's time.

    Threads that set nothing (the stack's own request handlers, when it runs in this process)
    keep the real time.
    """
    from touchpoint.surveys import service as survey_service  # the surveys function's shared logic

    original = survey_service.utc_now
    survey_service.utc_now = lambda: getattr(_CLOCK, "moment", None) or original()
    try:
        yield
    finally:
        survey_service.utc_now = original


def _submit_earlier(runtime: Runtime, tenant_id: str, response: DemoResponse) -> bool:
    from touchpoint.surveys.errors import DuplicateResponseError, ResponseCompleteError, ResponseConflictError
    from touchpoint.surveys.service import SurveyService

    submission = ResponseSubmission.model_validate(response.submission())
    _CLOCK.moment = response.submitted_at
    try:
        SurveyService(runtime).submit_response(
            tenant_id, response.survey_id, submission, response_id=response.response_id
        )
    except (ResponseCompleteError, DuplicateResponseError, ResponseConflictError):
        return False  # the demo ran before: this answer is stored already
    finally:
        _CLOCK.moment = None
    return True


class _Answers:
    """Sends one day's survey answers at a time, several at once."""

    def __init__(
        self, api: Api, runtime: Runtime, today: date, zone: ZoneInfo, pool: ThreadPoolExecutor
    ) -> None:
        self.api, self.runtime, self.today, self.zone, self.pool = api, runtime, today, zone, pool

    def _send(self, response: DemoResponse) -> bool:
        if response.submitted_at.astimezone(self.zone).date() == self.today:
            path = f"/v1/surveys/{response.survey_id}/responses"
            self.api.call("POST", path, self.api.info["write_key"], json=response.submission(), ok=(201, 409))
            return True
        return _submit_earlier(self.runtime, self.api.info["tenant_id"], response)

    def day(self, day: DemoDay, tick: Callable[[int], None]) -> int:
        """Store the day's answers (today's through the HTTP API); returns how many were new."""
        stored = 0
        for done in self.pool.map(self._send, day.responses):
            stored += int(done)
            tick(1)
        return stored


@dataclass
class _OpenForm:
    url: str
    fields: dict[str, str]
    shown_at: float


def _open_qr_forms(api: Api) -> list[_OpenForm]:
    """Create a till touchpoint in the bad store and open its form a few times (answered later)."""
    admin = api.info["admin_key"]
    path = f"/v1/locations/{STORES[1][0]}/touchpoints"
    body = {"touchpoint_id": "till-1", "kind": "till", "label": "Kasse 1", "survey_id": "store-csat"}
    created = api.call("POST", path, admin, json=body, ok=(200, 201, 409))
    if created.status_code == 409:
        created = api.call("GET", f"{path}/till-1", admin)
    qr_url = str(created.json()["qr_url"])
    form_path = FORM_PATH + qr_url.rsplit(FORM_PATH, 1)[1]  # the route, whatever base path the stack has
    forms = []
    for _ in _QR_ANSWERS:
        page = api.call("GET", form_path, None).text
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
        forms.append(_OpenForm(form_path, {k: unescape(v) for k, v in fields.items()}, time.monotonic()))
    return forms


def _answer_qr_forms(api: Api, forms: list[_OpenForm], min_fill_seconds: float = 3.2) -> int:
    answered = 0
    for form, (score, comment) in zip(forms, _QR_ANSWERS, strict=True):
        wait = min_fill_seconds - (time.monotonic() - form.shown_at)
        if wait > 0:
            time.sleep(wait)
        data = {**form.fields, "q_csat": str(score), "website": ""}
        if comment:
            data["q_comment"] = comment
        api.call("POST", form.url, None, data=data, ok=(200, 201))
        answered += 1
    return answered


class _CachedLake(LakeRepository):
    """The lake, with each object read once and each partition listed once: every rollup day reads
    the same history again.

    Safe because the demo starts the rollup of day D only when everything up to D + 1 is written
    (a partition a rollup lists never changes afterwards); the list of partitions is not cached.
    """

    def __init__(self, lake: LakeRepository, cache: Path) -> None:
        super().__init__(lake._s3, lake.bucket)  # the same client and bucket
        self._cache = cache
        self._keys: dict[str, list[str]] = {}

    def list_keys(self, prefix: str) -> Iterator[str]:
        if prefix not in self._keys:
            self._keys[prefix] = list(super().list_keys(prefix))
        return iter(self._keys[prefix])

    def download_to(self, key: str, path: Path) -> int:
        cached = self._cache / hashlib.sha256(key.encode("utf-8")).hexdigest()
        if not cached.exists():
            partial = cached.with_suffix(f".{threading.get_ident()}")
            super().download_to(key, partial)
            partial.replace(cached)
        try:
            os.link(cached, path)  # the engine only reads its inputs: a hard link is a free copy
        except OSError:
            shutil.copyfile(cached, path)
        return path.stat().st_size


def _rollup_service(runtime: Runtime, cache: Path) -> RollupService:
    """The rollup exactly as `touchpoint backfill` builds it, over a runtime whose lake caches downloads."""
    cached = Runtime(runtime.settings, runtime.clients)
    cached.__dict__["lake"] = _CachedLake(runtime.lake, cache)  # fills the `lake` cached_property
    return build_service(cached, evaluate_alerts=False)


def _evaluate_alerts(runtime: Runtime, tenant: str, days: list[date]) -> list[str]:
    """The alert rules after each day's rollup, in day order (idempotent: nothing fires twice).

    Each metric's history is read once for the whole month and handed out day by day.
    """
    from touchpoint.alerts import evaluate_after_rollup
    from touchpoint.alerts.service import metric_history

    read = metric_history(runtime)
    loaded: dict[str, tuple[date, list[MetricPoint]]] = {}

    def history(tenant_id: str, metric: str, first: date, last: date) -> list[MetricPoint]:
        if metric not in loaded or loaded[metric][0] > first:
            loaded[metric] = (first, read(tenant_id, metric, first, days[-1]))
        return [p for p in loaded[metric][1] if first <= p.date <= last]

    fired: list[str] = []
    for day in days:
        fired += [a.alert_id for a in evaluate_after_rollup(runtime, tenant, day, history=history)]
    return fired


def run_demo(
    info: dict[str, str],
    runtime: Runtime,
    size: DemoSize | None = None,
    *,
    seed: int = 7,
    now: datetime | None = None,
    qr_forms: bool = True,
    show_progress: bool = True,
) -> DemoReport:
    """Fill the stack behind `info` (its `local.json`) with the demo data; `runtime` points at its moto.

    Order: stores, surveys and rules; every event; then day by day the survey answers, starting
    the rollup of a day (two at a time) as soon as the answers of the day after it are stored;
    the QR answers before today's rollup; finally the alert rules, day by day.
    """
    started = time.monotonic()
    size = size or DemoSize()
    api = Api(info)
    tenant_id = info["tenant_id"]
    tenant = runtime.tenants.get_tenant(tenant_id)
    if tenant is None:
        raise DemoError(f"the demo tenant {tenant_id!r} does not exist on this stack")
    zone = ZoneInfo(tenant.config.timezone)
    moment = now or datetime.now(UTC)
    today = moment.astimezone(zone).date()
    days = generate(size, today, tenant.config.timezone, seed=seed, now=moment)
    rolled = [d for d in days if d.rolled_up]
    batches = _batches(days)
    report = DemoReport(
        dashboard_url=f"{api.base}/dashboard?from={rolled[0].day.isoformat()}&to={rolled[-1].day.isoformat()}",
        first_day=rolled[0].day,
        last_day=rolled[-1].day,
    )
    steps = 1 + len(batches) + sum(len(d.responses) for d in days) + len(rolled)
    output = None if show_progress else io.StringIO()
    with (
        click.progressbar(length=steps, label="touchpoint demo", show_pos=True, file=output) as bar,
        tempfile.TemporaryDirectory(prefix="touchpoint-demo-") as cache,
        _answer_clock(),
        ThreadPoolExecutor(max_workers=_WORKERS) as answer_pool,
        ThreadPoolExecutor(max_workers=_ROLLUP_WORKERS) as rollup_pool,
    ):
        lock = threading.Lock()

        def tick(count: int) -> None:
            with lock:
                bar.update(count)

        _setup(api)
        forms = _open_qr_forms(api) if qr_forms else []
        tick(1)
        report.timings["setup"] = round(time.monotonic() - started, 1)
        report.events = _send_events(api, batches, tick)
        report.timings["events"] = round(time.monotonic() - started, 1)
        answers = _Answers(api, runtime, today, zone, answer_pool)
        service = _rollup_service(runtime, Path(cache))
        rollups = []

        def roll(day: date) -> None:
            service.run_day(tenant_id, day)
            tick(1)

        for index, day in enumerate(rolled):
            report.responses += answers.day(day, tick)
            if index > 0:  # everything up to this day is written: the day before may roll up
                rollups.append(rollup_pool.submit(roll, rolled[index - 1].day))
        report.timings["answers"] = round(time.monotonic() - started, 1)
        report.qr_answers = _answer_qr_forms(api, forms)
        rollups.append(rollup_pool.submit(roll, rolled[-1].day))
        for job in rollups:
            job.result()
        report.rollups = len(rollups)
        report.timings["rollups"] = round(time.monotonic() - started, 1)
    report.alerts = _evaluate_alerts(runtime, tenant_id, [d.day for d in rolled])
    report.timings["alerts"] = round(time.monotonic() - started, 1)
    report.seconds = time.monotonic() - started
    return report


@click.command("demo")
@click.option("--days", default=30, show_default=True, help="Days with metrics, ending today.")
@click.option("--people", default=240, show_default=True, help="How many people the brand has.")
@click.option("--seed", default=7, show_default=True, help="Random seed (the same seed gives the same data).")
@click.option(
    "--no-qr", is_flag=True, help="Skip the QR-code form answers (they wait 3 s for the bot check)."
)
def demo_command(days: int, people: int, seed: int, no_qr: bool) -> None:
    """Fill the running local stack with a realistic month and print the dashboard URL."""
    from touchpoint_cli.target import connect, local_info

    if not 1 <= days <= 90:
        raise click.BadParameter("1 to 90 days", param_hint="--days")
    if not 10 <= people <= 5000:
        raise click.BadParameter("10 to 5000 people", param_hint="--people")
    info = local_info()
    try:
        requests.get(info["api_url"] + "/health", timeout=30)  # a refused connection fails at once
    except requests.RequestException:
        raise click.ClickException(
            f"the local stack at {info['api_url']} is not running: start it with make dev"
        ) from None
    runtime = connect(False)
    quiet_logs()
    report = run_demo(info, runtime, DemoSize(days=days, people=people), seed=seed, qr_forms=not no_qr)
    click.echo(
        "\n".join(
            [
                f"Demo data for {report.first_day} to {report.last_day}: {report.events} events, "
                f"{report.responses} survey answers, {report.qr_answers} QR answers, "
                f"{report.rollups} days rolled up, {len(report.alerts)} alerts fired in {report.seconds:.0f} s "
                f"({', '.join(f'{k} done at {v:.0f} s' for k, v in report.timings.items())}).",
                f"Dashboard: {report.dashboard_url}",
                f"Sign in with the read key: {info['read_key']}",
            ]
        )
    )
