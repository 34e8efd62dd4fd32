"""Each day's rollup state as people see it, and asking for days to be computed again.

States (`GET /v1/rollups`, the console's rollups page), from the state table
(`touchpoint.storage.rollup_state`):

* `never`: the day has no state item (never rolled up, nor asked for);
* `running`: a run started after the last finished one (or none finished), less than
  `STALE_RUN_AFTER` ago;
* `failed`: such a run started longer ago than that and never finished (it crashed or timed
  out; the dispatcher retries it within the hour);
* `dirty`: results may be stale (late events, a changed case, a backfill or a re-run asked for):
  the dispatcher's next hour recomputes the day;
* `done`: the day's results are current.

A backfill or a re-run marks days dirty (`RollupStateRepository.mark_dirty`, also days never
rolled up); the hourly dispatcher (`touchpoint.rollup.schedule`) then runs them with the tenant's
current config, as it runs late-event days (the local stack: a thread of `touchpoint dev`, every
minute, `touchpoint_cli.rollup_poller`). Only days that have begun in the tenant's time zone
can be asked for, at most `MAX_DAYS` at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from touchpoint.models.inputs import InputError, query_date
from touchpoint.rollup.schedule import STALE_RUN_AFTER
from touchpoint.storage.rollup_state import DIRTY, DayState
from touchpoint.web.errors import bad_request, not_found

if TYPE_CHECKING:
    from touchpoint.runtime import Runtime
    from touchpoint.web.auth import Principal

#: The most days one listing or one backfill covers.
MAX_DAYS = 400
#: Days a listing covers when `from` is not given.
DEFAULT_DAYS = 30

NEVER = "never"
RUNNING = "running"
FAILED = "failed"
DONE = "done"
STATES: tuple[str, ...] = (DONE, DIRTY, RUNNING, FAILED, NEVER)


@dataclass(frozen=True)
class DayStatus:
    """One day's state and the times behind it."""

    day: date
    state: str
    rolled_up_at: str | None = None
    started_at: str | None = None
    dirtied_at: str | None = None

    @classmethod
    def of(cls, day: date, stored: DayState | None, now: datetime) -> DayStatus:
        """The status of `day` from its stored state (None: never rolled up)."""
        if stored is None:
            return cls(day=day, state=NEVER)
        return cls(
            day=day,
            state=state_of(stored, now),
            rolled_up_at=stored.rolled_up_at,
            started_at=stored.started_at,
            dirtied_at=stored.dirtied_at,
        )

    def as_json(self) -> dict[str, Any]:
        """The day as the API returns it."""
        return {
            "date": self.day.isoformat(),
            "state": self.state,
            "rolled_up_at": self.rolled_up_at,
            "started_at": self.started_at,
            "dirtied_at": self.dirtied_at,
        }


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def state_of(stored: DayState | None, now: datetime) -> str:
    """The state a day is shown with (see the module doc)."""
    if stored is None:
        return NEVER
    started, finished = _moment(stored.started_at), _moment(stored.rolled_up_at)
    if started is not None and (finished is None or started > finished):
        return FAILED if started < now - STALE_RUN_AFTER else RUNNING
    if stored.status == DIRTY:
        return DIRTY
    return DONE if finished is not None else RUNNING


def local_today(runtime: Runtime, tenant_id: str, now: datetime) -> date:
    """Today in the tenant's time zone."""
    tenant = runtime.tenants.get_tenant(tenant_id)
    if tenant is None:
        raise not_found("tenant")
    return now.astimezone(ZoneInfo(tenant.config.timezone)).date()


def day_range(
    raw_from: str | None, raw_to: str | None, today: date, *, default_days: int | None = DEFAULT_DAYS
) -> tuple[date, date]:
    """`from`..`to` (inclusive): dates, `from` <= `to` <= today, at most `MAX_DAYS` days.

    Without `default_days` both are required; else `to` defaults to today and `from` to
    `default_days - 1` days before `to`.
    """
    if default_days is None:
        for name, raw in (("from", raw_from), ("to", raw_to)):
            if not raw:
                raise InputError(f"{name} is required (YYYY-MM-DD)", name)
    last = query_date(raw_to, "to") if raw_to else today
    first = query_date(raw_from, "from") if raw_from else last - timedelta(days=(default_days or 1) - 1)
    if first > last:
        raise InputError(f"from ({first}) must not be after to ({last})", "from")
    if last > today:
        raise InputError(f"to ({last}) has not begun yet in the tenant's time zone (today is {today})", "to")
    if (last - first).days + 1 > MAX_DAYS:
        raise InputError(f"at most {MAX_DAYS} days at once, got {(last - first).days + 1}", "from")
    return first, last


def day_statuses(runtime: Runtime, tenant_id: str, first: date, last: date, now: datetime) -> list[DayStatus]:
    """Every day from `first` to `last`, newest first, with its state."""
    stored = {s.day: s for s in runtime.rollup_state.states_between(tenant_id, first, last)}
    days = [last - timedelta(days=offset) for offset in range((last - first).days + 1)]
    return [DayStatus.of(day, stored.get(day), now) for day in days]


def list_rollups(runtime: Runtime, tenant_id: str, query: Mapping[str, str], now: datetime) -> dict[str, Any]:
    """`GET /v1/rollups?from=&to=`: the days' states (default: the last 30 days), newest first."""
    first, last = day_range(query.get("from"), query.get("to"), local_today(runtime, tenant_id, now))
    days = day_statuses(runtime, tenant_id, first, last, now)
    counts = {state: sum(1 for d in days if d.state == state) for state in STATES}
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "counts": counts,
        "days": [d.as_json() for d in days],
    }


def backfill(
    runtime: Runtime, principal: Principal, body: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """`POST /v1/rollups/backfill` `{from, to}`: mark those days dirty for the dispatcher."""
    unknown = sorted(set(body) - {"from", "to"})
    if unknown:
        raise bad_request(f"unknown field {unknown[0]!r}: the body is {{from, to}}", field=unknown[0])
    raw = {name: body.get(name) for name in ("from", "to")}
    for name, value in raw.items():
        if not isinstance(value, str):
            raise bad_request(f"{name} is required as a date YYYY-MM-DD", field=name)
    first, last = day_range(
        raw["from"], raw["to"], local_today(runtime, principal.tenant_id, now), default_days=None
    )
    marked = runtime.rollup_state.mark_dirty(
        principal.tenant_id, [first + timedelta(days=n) for n in range((last - first).days + 1)]
    )
    runtime.audit.record(
        principal,
        "rollups.backfill",
        f"tenant:{principal.tenant_id}",
        {"from": first.isoformat(), "to": last.isoformat(), "days": len(marked)},
    )
    return {"from": first.isoformat(), "to": last.isoformat(), "days_marked": len(marked), "state": DIRTY}


def rerun(runtime: Runtime, principal: Principal, raw_day: str, now: datetime) -> dict[str, Any]:
    """`POST /v1/rollups/{date}/rerun`: mark one day dirty; its state afterwards."""
    day = query_date(raw_day, "date")
    today = local_today(runtime, principal.tenant_id, now)
    if day > today:
        raise InputError(f"{day} has not begun yet in the tenant's time zone (today is {today})", "date")
    runtime.rollup_state.mark_dirty(principal.tenant_id, [day])
    runtime.audit.record(principal, "rollups.rerun", f"day:{day.isoformat()}", {})
    return DayStatus.of(day, runtime.rollup_state.day_state(principal.tenant_id, day), now).as_json()
