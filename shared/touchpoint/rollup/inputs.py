"""Load a tenant-day's inputs from the lake into a local folder, many objects at once.

The lake keeps raw events under `raw/events/tenant=<t>/dt=<UTC date>/` and copies of survey
responses under `responses/tenant=<t>/dt=<UTC date>/` (gzip JSON lines). Ingest partitions an event by the
UTC date of its (skew-corrected) time and a response by the UTC date it was submitted. For
tenant-local day `D` the engine needs the events from the start of `D - 365` (CLV looks back a
year) to the end of `D + 1` (a session that starts on `D` may run past midnight) and the responses
from the start of `D - 365` to the end of `D`, so every partition of those windows is downloaded;
listing the tenant's partitions is one request per area.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from touchpoint.engine.calendar import local_midnight_utc
from touchpoint.engine.inputs import EngineInputs
from touchpoint.storage.lake import LakeRepository, partition_prefix

EVENTS_AREA = "raw/events"
RESPONSES_AREA = "responses"
LOOKBACK_DAYS = 365
#: boto3's default connection pool holds 10 connections; stay below it.
DEFAULT_WORKERS = 8


@dataclass(frozen=True)
class InputWindow:
    """The UTC partition dates (inclusive) that hold a tenant-day's inputs."""

    first: date
    last: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


@dataclass(frozen=True)
class InputWindows:
    """The partition windows of the events and of the responses."""

    events: InputWindow
    responses: InputWindow


def _utc_dates(first_day: date, last_day: date, timezone: str) -> InputWindow:
    start = local_midnight_utc(first_day, timezone)
    end = local_midnight_utc(last_day + timedelta(days=1), timezone)  # exclusive
    return InputWindow(first=start.date(), last=(end - timedelta(microseconds=1)).date())


def input_windows(day: date, timezone: str, lookback_days: int = LOOKBACK_DAYS) -> InputWindows:
    """Events: local days `D - lookback_days` to `D + 1`; responses: `D - lookback_days` to `D`."""
    first = day - timedelta(days=lookback_days)
    return InputWindows(
        events=_utc_dates(first, day + timedelta(days=1), timezone),
        responses=_utc_dates(first, day, timezone),
    )


def partition_date(prefix: str) -> date | None:
    """The date of a `.../dt=YYYY-MM-DD/` prefix (None for anything else)."""
    name = prefix.rstrip("/").rsplit("/", 1)[-1]
    if not name.startswith("dt="):
        return None
    try:
        return date.fromisoformat(name[3:])
    except ValueError:
        return None


@dataclass(frozen=True)
class LoadedInputs:
    """The engine's inputs on local disk and what loading them took."""

    inputs: EngineInputs
    objects: int
    bytes: int


class LakeInputLoader:
    """Lists a window's partitions and downloads their objects with a thread pool."""

    def __init__(self, lake: LakeRepository, max_workers: int = DEFAULT_WORKERS) -> None:
        self._lake = lake
        self._workers = max_workers

    def object_keys(
        self, pool: ThreadPoolExecutor, area: str, tenant_id: str, window: InputWindow
    ) -> list[str]:
        """Every `.gz` object of the tenant's partitions of `area` inside the window, in key order."""
        partitions = [
            p
            for p in self._lake.list_partitions(partition_prefix(area, tenant_id))
            if partition_date(p) in window
        ]
        listed = pool.map(lambda prefix: list(self._lake.list_keys(prefix)), partitions)
        return sorted(key for keys in listed for key in keys if key.endswith(".gz"))

    def load(
        self,
        tenant_id: str,
        windows: InputWindows,
        dest: Path,
        identity_links: list[tuple[str, str]],
    ) -> LoadedInputs:
        """Download the windows' event and response objects into `dest` and describe them."""
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="rollup-load") as pool:
            event_keys = self.object_keys(pool, EVENTS_AREA, tenant_id, windows.events)
            response_keys = self.object_keys(pool, RESPONSES_AREA, tenant_id, windows.responses)
            jobs: list[tuple[str, Path]] = []
            for folder, keys in (("events", event_keys), ("responses", response_keys)):
                (dest / folder).mkdir(parents=True, exist_ok=True)
                jobs.extend((key, dest / folder / f"{i:07d}.jsonl.gz") for i, key in enumerate(keys))
            sizes = list(pool.map(lambda job: self._lake.download_to(*job), jobs))
        event_files = [path for _, path in jobs[: len(event_keys)]]
        response_files = [path for _, path in jobs[len(event_keys) :]]
        inputs = EngineInputs(
            event_files=event_files, response_files=response_files, identity_links=list(identity_links)
        )
        return LoadedInputs(inputs=inputs, objects=len(jobs), bytes=sum(sizes))
