"""History: what the rolling windows need from earlier days, from raw events or from day digests.

Metrics of day D look back up to a year (retention and DAU/MAU 30-59 days, the engagement score
119 days, CLV 364 days). Reading a year of raw events for every run does not scale, so each run
also writes a *digest* of its own day D: a handful of small Parquet tables that hold exactly what
later runs' windows read, at person-day grain (`write_digest`). A run is then given the digests
of earlier days and the raw events of only a few days (`EngineInputs.raw_from`); a run without
digests reads everything from raw events, as before, and gets the same answers.

The history tables every window query reads (all with `person` stitched by today's identity map):

* `h_days(person, day, last_ts, channels, kinds, cp)`: one row per person and tenant-local day
  with activity: the last activity time, the distinct channels, the distinct kinds (track event
  name, `page`, `screen`) and the distinct (channel, platform) pairs;
* `h_sessions(person, day, channel, platform, n)`: sessions started per person, day and the
  channel/platform of their first event;
* `orders`: every distinct order (the digest rows carry no `products`; top products are of D);
* `plan_hist(person, message_id, ts, event, event_id, prop_platform, followers, location,
  event_date, code)`: the tracking-plan events windows count (event registrations with the day
  the event is held, loyalty, referral codes, follower readings), with their location;
* `person_feedback(person, ts, feedback)`: every feedback signal mapped to [0, 1];
* `tracked(event)`: event names the tenant has tracked.

Rows of days before `raw_from` come from digests, rows of `raw_from` and later from the raw
events. A digest keeps the person as stitched on its day and is re-stitched when read, so an
anonymous id linked later counts as its user. One thing a digest cannot redo: two sessions of an
anonymous id and of its user that would merge only under a link learned after the day stay two.

Digests written before a column was added to a table lack it: it reads as NULL.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path

from touchpoint.engine.context import EngineContext

#: Parquet tables of a day's digest and their columns.
DIGEST_TABLES: dict[str, str] = {
    "person_days": (
        "person VARCHAR, day DATE, last_ts TIMESTAMP, channels VARCHAR[], kinds VARCHAR[], "
        "cp STRUCT(channel VARCHAR, platform VARCHAR)[]"
    ),
    "session_days": "person VARCHAR, day DATE, channel VARCHAR, platform VARCHAR, n BIGINT",
    "order_rows": (
        "order_key VARCHAR, person VARCHAR, ts TIMESTAMP, revenue DOUBLE, channel VARCHAR, location VARCHAR"
    ),
    "plan_rows": (
        "person VARCHAR, message_id VARCHAR, ts TIMESTAMP, event VARCHAR, event_id VARCHAR, "
        "prop_platform VARCHAR, followers DOUBLE, location VARCHAR, event_date DATE, code VARCHAR"
    ),
    "feedback_rows": "person VARCHAR, ts TIMESTAMP, feedback DOUBLE",
    "tracked": "event VARCHAR",
}

#: Tracking-plan events that rolling windows read (`plan_hist`).
HISTORY_PLAN_EVENTS: tuple[str, ...] = (
    "Event Registered",
    "Loyalty Program Joined",
    "Loyalty Points Earned",
    "Loyalty Reward Redeemed",
    "Referral Sent",
    "Referral Converted",
    "Follower Count Reported",
)

#: Days of activity history the windows read (the score on D-30 looks back 90 days from there).
ACTIVITY_DAYS = 120
#: Days of order history (CLV's trailing year).
ORDER_DAYS = 365

# Calendar rows far enough back for every loaded event and forward past D + 1.
_CALENDAR_BACK = ORDER_DAYS + 400
_CALENDAR_FORWARD = 2

_DAY_COLUMNS = "day, last_ts, channels, kinds, cp"
_SESSION_COLUMNS = "day, channel, platform, n"
_PLAN_COLUMNS = "message_id, ts, event, event_id, prop_platform, followers, location, event_date, code"
_PLAN_COLUMNS_RAW = f"person, {_PLAN_COLUMNS}"

# Activity is first reduced to its distinct (person, day, channel, platform, kind) combinations
# with their last time (a few per person-day), then folded into one row per person-day.
# `{day}` is the tenant-local day of `ts`: the constant D when raw events cover D only (the usual
# run), else a calendar lookup.
_DAYS_FROM_RAW = """
CREATE TABLE raw_days AS
SELECT person, day, max(last_ts) AS last_ts,
    list(DISTINCT channel) FILTER (WHERE channel IS NOT NULL) AS channels,
    list(DISTINCT kind) AS kinds,
    list(DISTINCT {{'channel': channel, 'platform': platform}}) AS cp
FROM (
    SELECT a.person, {day} AS day, a.channel, a.platform, coalesce(a.event, a.type) AS kind, max(a.ts) AS last_ts
    FROM act AS a {join}
    WHERE a.ts >= $raw_start AND a.ts < $d_end
    GROUP BY ALL
)
GROUP BY person, day
"""

_SESSIONS_FROM_RAW = """
CREATE TABLE raw_sessions AS
SELECT s.person, {day} AS day, s.channel, s.platform, count(*) AS n
FROM sess AS s {join}
WHERE s.start_ts >= $raw_start AND s.start_ts < $d_end
GROUP BY ALL
"""


def _day_of(alias: str, column: str, single_day: bool) -> dict[str, str]:
    """SQL pieces giving the tenant-local day of `<alias>.<column>` (see `_DAYS_FROM_RAW`)."""
    if single_day:
        return {"day": "$d_day", "join": ""}
    return {
        "day": "c.day",
        "join": f"JOIN calendar AS c ON {alias}.{column} >= c.start_ts AND {alias}.{column} < c.end_ts",
    }


def _digest_files(inputs: Mapping[date, Path], table: str, first: date | None = None) -> list[str]:
    return [
        str(folder / f"{table}.parquet")
        for day, folder in sorted(inputs.items())
        if (first is None or day >= first) and (folder / f"{table}.parquet").exists()
    ]


def _load_digest(ctx: EngineContext, table: str, files: list[str]) -> None:
    """Create `d_<table>` from the digest files (empty with the right columns when there are none).

    Columns an older digest lacks are added as NULL.
    """
    ctx.backend.execute(f"CREATE TABLE d_{table} ({DIGEST_TABLES[table]})", {})
    if files:
        source, params = ctx.backend.parquet_source(files)
        ctx.backend.execute(f"INSERT INTO d_{table} BY NAME SELECT * FROM {source}", params)  # noqa: S608


def _calendar(ctx: EngineContext) -> None:
    window = ctx.window
    offsets = range(-_CALENDAR_BACK, _CALENDAR_FORWARD + 1)
    ctx.backend.rows_table(
        "calendar",
        (("day", "DATE"), ("start_ts", "TIMESTAMP"), ("end_ts", "TIMESTAMP")),
        [(window.day + timedelta(days=o), window.start(o), window.end(o)) for o in offsets],
    )


def _stitched(table: str, columns: str) -> str:
    """SQL: digest table rows with `person` re-stitched through today's identity map."""
    return (
        f"SELECT coalesce(m.person, d.person) AS person, {columns} "  # noqa: S608 - internal names
        f"FROM d_{table} AS d LEFT JOIN idmap AS m ON m.from_id = d.person"
    )


def raw_start(ctx: EngineContext, raw_from: date | None) -> datetime:
    """The UTC instant from which history rows come from raw events (the far past without digests)."""
    if raw_from is None:
        return ctx.window.start(-_CALENDAR_BACK)
    return ctx.window.start((raw_from - ctx.day).days)


def build_history(ctx: EngineContext, digests: Mapping[date, Path], raw_from: date | None) -> None:
    """Create the history tables (see module doc) after identity, sessions, orders and feedback."""
    activity_first = ctx.day - timedelta(days=ACTIVITY_DAYS)
    before = {day: folder for day, folder in digests.items() if raw_from is not None and day < raw_from}
    for table in DIGEST_TABLES:
        first = activity_first if table in ("person_days", "session_days", "plan_rows", "tracked") else None
        _load_digest(ctx, table, _digest_files(before, table, first))
    _calendar(ctx)
    params = {"raw_start": raw_start(ctx, raw_from)}
    single_day = params["raw_start"] >= ctx.window.start(0)
    ctx.execute(_DAYS_FROM_RAW.format(**_day_of("a", "ts", single_day)), **params)
    ctx.execute(_SESSIONS_FROM_RAW.format(**_day_of("s", "start_ts", single_day)), **params)
    ctx.execute(
        f"CREATE TABLE h_days AS SELECT * FROM raw_days UNION ALL {_stitched('person_days', _DAY_COLUMNS)}"  # noqa: S608
    )
    ctx.execute(
        f"CREATE TABLE h_sessions AS SELECT * FROM raw_sessions UNION ALL {_stitched('session_days', _SESSION_COLUMNS)}"  # noqa: S608
    )
    ctx.execute(
        f"""CREATE TABLE orders_all AS
        SELECT DISTINCT ON (order_key) order_key, person, ts, revenue, channel, location, products FROM (
            SELECT order_key, person, ts, revenue, channel, location, products FROM orders
            WHERE ts >= $raw_start
            UNION ALL
            SELECT order_key, person, ts, revenue, channel, location, NULL AS products FROM (
                {_stitched("order_rows", "order_key, ts, revenue, channel, location")}
            )
        )
        ORDER BY order_key, ts""",  # noqa: S608 - internal SQL
        **params,
    )
    ctx.execute("DROP TABLE orders")
    ctx.execute("ALTER TABLE orders_all RENAME TO orders")
    ctx.execute(
        f"""CREATE TABLE plan_hist AS
        SELECT {_PLAN_COLUMNS_RAW} FROM plan_ev
        WHERE list_contains($history_events, event) AND ts >= $raw_start AND ts < $d_end
        UNION ALL
        {_stitched("plan_rows", _PLAN_COLUMNS)}""",  # noqa: S608
        history_events=list(HISTORY_PLAN_EVENTS),
        **params,
    )
    ctx.execute(
        f"""CREATE TABLE feedback_all AS
        SELECT person, ts, feedback FROM person_feedback WHERE ts >= $raw_start
        UNION ALL
        SELECT * FROM ({_stitched("feedback_rows", "ts, feedback")}) WHERE person IS NOT NULL""",  # noqa: S608
        **params,
    )
    ctx.execute("DROP TABLE person_feedback")
    ctx.execute("ALTER TABLE feedback_all RENAME TO person_feedback")
    ctx.execute(
        "CREATE TABLE tracked AS SELECT DISTINCT event FROM ("
        "SELECT event FROM ev WHERE type = 'track' AND event IS NOT NULL "
        "UNION ALL SELECT event FROM d_tracked WHERE event IS NOT NULL "
        "UNION ALL (SELECT 'Order Completed' AS event FROM d_order_rows LIMIT 1))"
    )


_DIGEST_QUERIES: dict[str, str] = {
    "person_days": "SELECT person, day, last_ts, channels, kinds, cp FROM h_days WHERE day = $dd",
    "session_days": "SELECT person, day, channel, platform, n FROM h_sessions WHERE day = $dd",
    "order_rows": (
        "SELECT order_key, person, ts, revenue, channel, location FROM orders WHERE ts >= $ds AND ts < $de"
    ),
    "plan_rows": f"SELECT {_PLAN_COLUMNS_RAW} FROM plan_hist WHERE ts >= $ds AND ts < $de",  # noqa: S608
    "feedback_rows": "SELECT person, ts, feedback FROM person_feedback WHERE ts >= $ds AND ts < $de",
    "tracked": (
        "SELECT DISTINCT event FROM ev WHERE type = 'track' AND event IS NOT NULL AND ts >= $ds AND ts < $de"
    ),
}


def digest_days(day: date, raw_from: date | None) -> list[date]:
    """The days a run writes digests of: D, and every day it read from raw events (at most a year)."""
    if raw_from is None:
        return [day]
    first = max(raw_from, day - timedelta(days=ORDER_DAYS))
    return [first + timedelta(days=i) for i in range((day - first).days + 1)]


def write_digest(ctx: EngineContext, folder: Path, day: date | None = None) -> list[Path]:
    """Write the digest of `day` (default D; one Parquet file per table) into `folder`.

    A day other than D must be one this run read from raw events (see `digest_days`): its rows
    are then the same as its own run would write, so a run that had to fall back to raw events
    heals the missing digests for the runs after it.
    """
    target = day or ctx.day
    offset = (target - ctx.day).days
    # COPY takes no bound parameters: the bounds are inlined as literals made from date/datetime
    # objects (never from input data).
    literals = {
        "$dd": f"DATE '{target.isoformat()}'",
        "$ds": f"TIMESTAMP '{ctx.window.start(offset).isoformat(sep=' ')}'",
        "$de": f"TIMESTAMP '{ctx.window.end(offset).isoformat(sep=' ')}'",
    }
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for table, query in _DIGEST_QUERIES.items():
        path = folder / f"{table}.parquet"
        for name, literal in literals.items():
            query = query.replace(name, literal)
        ctx.backend.copy_to(query, path, "parquet")
        written.append(path)
    return written
