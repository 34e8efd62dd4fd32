"""Load a tenant-day's inputs from the lake into a local folder, many objects at once.

The lake keeps raw events under `raw/events/tenant=<t>/dt=<UTC date>/` (as Firehose landed them;
once a day is settled, compacted into `raw/compacted/tenant=<t>/dt=<UTC date>/*.parquet`, and both
are read) and copies of survey
responses under `responses/tenant=<t>/dt=<UTC date>/` (gzip JSON lines). Ingest partitions an event by the
UTC date of its (skew-corrected) time and a response by the UTC date it was submitted. Each run
also leaves the digest of its tenant-local day, one small Parquet table per area:
`digests/<table>/tenant=<t>/dt=<local date>/<table>.parquet` (see `touchpoint.engine.history`);
they are downloaded into `<dest>/digests/<local date>/<table>.parquet`, the folder the engine reads.
A day counts as digested only when every table of it is there (a run that died while uploading,
or an erasure that stopped half way, leaves the day to be read raw and healed). Digests of the
layout before (`digests/tenant=<t>/dt=<d>/`) are not read: those days count as undigested.

For tenant-local day `D` the engine's windows reach back a year (CLV). The loader reads that
history from the digests of `D - 365 .. D - 1` and raw events only from `raw_from - 1` to the end
of `D + 1` (a session that starts on `D` may run past midnight), responses from
`min(raw_from, D - 29)` (the 30-day NPS) to the end of `D`. `raw_from` is `D` when every earlier
day with raw data has a digest; otherwise it is the first such day without one (never rolled up,
or its digest removed by an erasure), and the run heals those digests for the runs after it.
Listing a tenant's partitions is one request per area (each digest table is an area).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from touchpoint.engine.calendar import local_midnight_utc
from touchpoint.engine.history import ACTIVITY_DAYS, DIGEST_TABLES
from touchpoint.engine.inputs import EngineInputs
from touchpoint.storage.lake import LakeRepository
from touchpoint.storage.lake_layout import (
    COMPACTED_AREA,
    DIGEST_TABLE_AREAS,
    EVENTS_AREA,
    RESPONSES_AREA,
    digest_key,
    partition_date,
    partition_prefix,
)

LOOKBACK_DAYS = 365
#: Days of responses read raw whatever the digests hold (`nps_30d`).
RESPONSE_DAYS = 30
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


def input_windows(
    day: date, timezone: str, lookback_days: int = LOOKBACK_DAYS, raw_from: date | None = None
) -> InputWindows:
    """The UTC partitions to read raw.

    Without `raw_from`: events of local days `D - lookback_days` to `D + 1`, responses of
    `D - lookback_days` to `D`. With it: events of `raw_from - 1` to `D + 1`, responses of
    `min(raw_from, D - 29)` to `D`.
    """
    if raw_from is None:
        first = day - timedelta(days=lookback_days)
        return InputWindows(
            events=_utc_dates(first, day + timedelta(days=1), timezone),
            responses=_utc_dates(first, day, timezone),
        )
    responses_first = min(raw_from, day - timedelta(days=RESPONSE_DAYS - 1))
    return InputWindows(
        events=_utc_dates(raw_from - timedelta(days=1), day + timedelta(days=1), timezone),
        responses=_utc_dates(responses_first, day, timezone),
    )


def local_days_of(utc_day: date, timezone: str) -> set[date]:
    """The tenant-local days that overlap UTC date `utc_day` (one or two)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(utc_day, time(0), tzinfo=UTC)
    return {
        start.astimezone(zone).date(),
        (start + timedelta(days=1, microseconds=-1)).astimezone(zone).date(),
    }


def choose_raw_from(day: date, raw_days: set[date], digest_days: set[date]) -> date:
    """The first local day before `day` (within a year) with raw data but no digest, else `day`."""
    first = day - timedelta(days=LOOKBACK_DAYS)
    missing = [d for d in raw_days - digest_days if first <= d < day]
    return min(missing) if missing else day


@dataclass(frozen=True)
class LoadedInputs:
    """The engine's inputs on local disk and what loading them took."""

    inputs: EngineInputs
    objects: int
    bytes: int
    raw_from: date | None = None
    digest_days: int = 0
    #: Bytes of the raw event objects read (landed and compacted): what the engine choice weighs.
    raw_bytes: int = 0


class LakeInputLoader:
    """Lists a window's partitions and downloads their objects with a thread pool.

    With `remote`, event and response objects are not downloaded: the engine gets their
    `s3://` addresses (the Spark job on EMR Serverless, whose executors read S3 themselves);
    digests are still downloaded (the driver reads them).
    """

    def __init__(
        self, lake: LakeRepository, max_workers: int = DEFAULT_WORKERS, *, remote: bool = False
    ) -> None:
        self._lake = lake
        self._workers = max_workers
        self._remote = remote

    def window_bytes(self, tenant_id: str, day: date, timezone: str) -> int:
        """Bytes of the raw events (landed and compacted) a run of `day` reads: the engine choice's
        measure, from listings only (see `touchpoint.rollup.engine_choice`)."""
        window = input_windows(day, timezone).events
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="rollup-size") as pool:
            return sum(size for _, size in self._event_objects(pool, tenant_id, window))

    def _objects(
        self, pool: ThreadPoolExecutor, area: str, tenant_id: str, window: InputWindow, suffix: str
    ) -> list[tuple[str, int]]:
        """`(key, size)` of every object ending in `suffix` of the window's partitions, in key order."""
        partitions = [
            p
            for p in self._lake.list_partitions(partition_prefix(area, tenant_id))
            if partition_date(p) in window
        ]
        listed = pool.map(lambda prefix: list(self._lake.list_sizes(prefix)), partitions)
        return sorted(item for items in listed for item in items if item[0].endswith(suffix))

    def _event_objects(
        self, pool: ThreadPoolExecutor, tenant_id: str, window: InputWindow
    ) -> list[tuple[str, int]]:
        """The raw event objects a run reads: landed gzip JSON lines, then compacted Parquet."""
        landed = self._objects(pool, EVENTS_AREA, tenant_id, window, ".gz")
        return landed + self._objects(pool, COMPACTED_AREA, tenant_id, window, ".parquet")

    def load(
        self,
        tenant_id: str,
        windows: InputWindows,
        dest: Path,
        identity_links: list[tuple[str, str]],
    ) -> LoadedInputs:
        """Download the windows' event and response objects into `dest` (no digests: everything raw)."""
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="rollup-load") as pool:
            return self._load_raw(pool, tenant_id, windows, dest, identity_links, {}, None)

    def load_day(
        self,
        tenant_id: str,
        day: date,
        timezone: str,
        dest: Path,
        identity_links: list[tuple[str, str]],
    ) -> LoadedInputs:
        """Download what the run of tenant-local `day` needs: digests of earlier days, recent raw objects."""
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="rollup-load") as pool:
            areas = (EVENTS_AREA, COMPACTED_AREA, RESPONSES_AREA, *DIGEST_TABLE_AREAS)
            listed = pool.map(
                lambda area: self._lake.list_partitions(partition_prefix(area, tenant_id)), areas
            )
            landed, compacted, responses, *tables = ([partition_date(p) for p in found] for found in listed)
            events = landed + compacted
            raw_days = {
                local
                for utc_day in events + responses
                if utc_day is not None
                for local in local_days_of(utc_day, timezone)
            }
            digest_days = set.intersection(*({d for d in days if d is not None} for days in tables))
            raw_from = choose_raw_from(day, raw_days, digest_days)
            first = day - timedelta(days=LOOKBACK_DAYS)
            usable = sorted(d for d in digest_days if first <= d < raw_from)
            digest_dirs = self._download_digests(pool, tenant_id, day, usable, dest / "digests")
            windows = input_windows(day, timezone, raw_from=raw_from)
            loaded = self._load_raw(pool, tenant_id, windows, dest, identity_links, digest_dirs, raw_from)
        return loaded

    def _download_digests(
        self, pool: ThreadPoolExecutor, tenant_id: str, day: date, days: list[date], dest: Path
    ) -> dict[date, tuple[Path, int]]:
        activity_first = day - timedelta(days=ACTIVITY_DAYS)
        jobs: list[tuple[date, str, Path]] = []
        for digest_day in days:
            folder = dest / digest_day.isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            for table in DIGEST_TABLES:
                if digest_day < activity_first and table in ("person_days", "session_days", "plan_rows"):
                    continue  # outside every activity window of this run
                jobs.append(
                    (digest_day, digest_key(tenant_id, digest_day, table), folder / f"{table}.parquet")
                )
        sizes = list(pool.map(lambda job: self._download_if_present(job[1], job[2]), jobs))
        result: dict[date, tuple[Path, int]] = {}
        for (digest_day, _, path), size in zip(jobs, sizes, strict=True):
            folder, total = result.get(digest_day, (path.parent, 0))
            result[digest_day] = (folder, total + size)
        return result

    def _download_if_present(self, key: str, path: Path) -> int:
        try:
            return self._lake.download_to(key, path)
        except ClientError as error:  # a digest being replaced or removed meanwhile: the engine skips it
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                path.unlink(missing_ok=True)
                return 0
            raise

    def _load_raw(
        self,
        pool: ThreadPoolExecutor,
        tenant_id: str,
        windows: InputWindows,
        dest: Path,
        identity_links: list[tuple[str, str]],
        digests: dict[date, tuple[Path, int]],
        raw_from: date | None,
    ) -> LoadedInputs:
        event_objects = self._event_objects(pool, tenant_id, windows.events)
        response_objects = self._objects(pool, RESPONSES_AREA, tenant_id, windows.responses, ".gz")
        event_keys = [key for key, _ in event_objects]
        response_keys = [key for key, _ in response_objects]
        if self._remote:  # the listings' sizes: nothing is downloaded
            event_files: list[Path | str] = [self._lake.uri(key) for key in event_keys]
            response_files: list[Path | str] = [self._lake.uri(key) for key in response_keys]
            jobs_count = len(event_keys) + len(response_keys)
            raw_bytes = sum(size for _, size in event_objects)
            fetched = raw_bytes + sum(size for _, size in response_objects)
        else:
            jobs: list[tuple[str, Path]] = []
            for folder, keys in (("events", event_keys), ("responses", response_keys)):
                (dest / folder).mkdir(parents=True, exist_ok=True)
                jobs.extend((key, dest / folder / f"{i:07d}{_suffix(key)}") for i, key in enumerate(keys))
            downloaded = list(pool.map(lambda job: self._lake.download_to(*job), jobs))
            event_files = [path for _, path in jobs[: len(event_keys)]]
            response_files = [path for _, path in jobs[len(event_keys) :]]
            jobs_count = len(jobs)
            raw_bytes = sum(downloaded[: len(event_keys)])
            fetched = sum(downloaded)
        inputs = EngineInputs(
            event_files=event_files,
            response_files=response_files,
            identity_links=list(identity_links),
            digests={d: folder for d, (folder, _) in digests.items()},
            raw_from=raw_from,
        )
        digest_files = sum(len(list(folder.iterdir())) for folder, _ in digests.values())
        return LoadedInputs(
            inputs=inputs,
            objects=jobs_count + digest_files,
            bytes=fetched + sum(size for _, size in digests.values()),
            raw_from=raw_from,
            digest_days=len(digests),
            raw_bytes=raw_bytes,
        )


def _suffix(key: str) -> str:
    return ".parquet" if key.endswith(".parquet") else ".jsonl.gz"
