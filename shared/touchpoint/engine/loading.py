"""Reading the gzip JSON-lines inputs (and compacted Parquet event files) into DuckDB tables, once per `compute_day`.

Event inputs are gzip JSON-lines files as landed, and Parquet files written by the compaction
(`touchpoint.rollup.compaction`), whose `record` column holds each event's JSON line: both are
read with the same column spec, so a compacted event is the same row as the landed one.

Tables created (all timestamps are naive `TIMESTAMP`s in UTC):

* `ev`: one row per distinct event (`messageId`; rows without one are all kept) with the fields
  the metrics read already derived (`channel`, `platform`, `location`, order `revenue`, ...).
  Events after the end of `D + 1` are dropped (a session started on D may run past midnight).
  Events older than the activity horizon (`D - 120`) are dropped except `Order Completed` (CLV
  needs a year); those that can link identities stay until `prune_old_events`.
* `resp_raw`: one row per distinct survey response (`responseId`; the latest `submittedAt`
  wins; `identity` keeps those whose latest version has `complete: true`) submitted up to the
  end of `D`.

Rules for an event's time (`ts`): the client `timestamp`, falling back to `receivedAt`. A
`timestamp` more than 1 day after `receivedAt` or more than 365 days before it comes from a broken
client clock and is replaced by `receivedAt`. Events with neither a usable `timestamp` nor a
`receivedAt` are dropped, as are malformed lines and lines without a `type`.

Derived fields (lower-cased where they are breakdown values):

* `channel`: `context.channel`, else `properties.channel`, else `web` for `page`, `mobile` for
  `screen`, else `unknown`.
* `platform` (device platform, the `platform` breakdown of session metrics): `context.os.name`,
  else `context.device.type`, else `web` for `page`, else `unknown`.
* `prop_platform`: `properties.platform` (social network or review site).
* `location`: `properties.location_id`, else `context.location_id`.
* `campaign_source`, `referrer`, `page_url`: raw inputs of a session's referral source (see
  `sessions`).
* `revenue` of an `Order Completed`: `properties.revenue`, else `properties.total`, else the sum
  of `price x quantity` (quantity 1 when missing) over `products[]`, else 0.
* `sensor_id` (door counter of a `Foot Traffic Counted`), `event_date` (tenant-local day an
  in-store event is held, `YYYY-MM-DD`), `code` (referral code).

Numbers (the accepted ranges are `touchpoint.models.limits`, shared with ingest): a value the
metrics cannot use is treated as absent and counted in the row's `skipped`, so one bad value in
the lake never fails a tenant-day. Unusable means neither a JSON number nor a string that reads as
one ("12.5" counts; "n/a", a boolean, an object do not), NaN or infinite, a literal too large for a double (400 digits), or out of
range: money (`revenue`, `total`, product `price`) beyond +-MAX_MONEY; `count`, `points`,
`followers` and product `quantity` not a whole number in MIN_COUNT..MAX_COUNT; `rating` outside
MIN_RATING..MAX_RATING; an `event_date` that is not a
`YYYY-MM-DD` date. A product line with an unusable price or quantity is dropped from `products`
(and from the revenue fallback); an unusable `revenue` falls back to `total`, then the products.
Only the numbers of the events whose metrics read them are checked (`count` of Foot Traffic
Counted, `points` of the loyalty events, ...).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from touchpoint.models.limits import MAX_COUNT, MAX_MONEY, MAX_RATING, MIN_COUNT, MIN_RATING

if TYPE_CHECKING:
    from touchpoint.engine.backend import SqlBackend

_CONTEXT_TYPE = (
    "STRUCT(channel VARCHAR, location_id VARCHAR, campaign STRUCT(source VARCHAR), "
    "page STRUCT(referrer VARCHAR, url VARCHAR), device STRUCT(type VARCHAR), os STRUCT(name VARCHAR))"
)
# Numbers are read as JSON so that a boolean, an object or a text that is no number, where a
# number is expected, can be told from a number or a numeric string (see `_number`).
_PROPERTIES_TYPE = (
    "STRUCT(channel VARCHAR, location_id VARCHAR, revenue JSON, total JSON, order_id VARCHAR, "
    "products STRUCT(product_id VARCHAR, sku VARCHAR, name VARCHAR, price JSON, quantity JSON)[], "
    "platform VARCHAR, count JSON, period_start VARCHAR, period_end VARCHAR, sensor_id VARCHAR, points JSON, "
    "event_id VARCHAR, event_date VARCHAR, kind VARCHAR, code VARCHAR, rating JSON, followers JSON, "
    "product_id VARCHAR)"
)
#: The type of `ev.products`: product lines with usable numbers only.
PRODUCTS_TYPE = "STRUCT(product_id VARCHAR, sku VARCHAR, name VARCHAR, price DOUBLE, quantity DOUBLE)[]"

#: The explicit column spec of event lines (only what the metrics read is parsed).
EVENT_COLUMNS: dict[str, str] = {
    "messageId": "VARCHAR",
    "type": "VARCHAR",
    "event": "VARCHAR",
    "userId": "VARCHAR",
    "anonymousId": "VARCHAR",
    "previousId": "VARCHAR",
    "timestamp": "VARCHAR",
    "receivedAt": "VARCHAR",
    "context": _CONTEXT_TYPE,
    "properties": _PROPERTIES_TYPE,
}

#: The explicit column spec of survey response lines.
RESPONSE_COLUMNS: dict[str, str] = {
    "responseId": "VARCHAR",
    "surveyId": "VARCHAR",
    "submittedAt": "VARCHAR",
    "complete": "BOOLEAN",
    "channel": "VARCHAR",
    "locationId": "VARCHAR",
    "userId": "VARCHAR",
    "anonymousId": "VARCHAR",
    "scores": "STRUCT(questionId VARCHAR, kind VARCHAR, value VARCHAR)[]",
    "comments": "STRUCT(questionId VARCHAR, text VARCHAR, sentiment VARCHAR)[]",
}


def _utc(expr: str, dialect: str) -> str:
    """SQL turning an ISO-8601 string into a naive UTC TIMESTAMP (NULL when unparseable).

    Both engines run in UTC (DuckDB's TimeZone, Spark's session time zone), so Spark's cast of
    an ISO string with an offset gives the same instant as DuckDB's TIMESTAMPTZ.
    """
    if dialect == "spark":
        return f"CAST(TRY_CAST({expr} AS TIMESTAMPTZ) AS TIMESTAMP)"
    return f"make_timestamp(epoch_us(TRY_CAST({expr} AS TIMESTAMPTZ)))"


def _text(expr: str) -> str:
    """SQL: the string, NULL when empty."""
    return f"nullif({expr}, '')"


def _ident(expr: str) -> str:
    """SQL: an id, NULL when blank (as the event models treat blank ids)."""
    return f"nullif(trim({expr}), '')"


def _number(expr: str, low: float, high: float, dialect: str, *, whole: bool = False) -> str:
    """SQL: the JSON value `expr` as a DOUBLE when it is a number in [low, high], else NULL.

    A JSON number or a string that reads as one (`"12.50"`, as ingest accepts it: see
    `touchpoint.models.event_numbers`) counts; another string, a boolean, an object, NaN, infinity
    (or a literal too large for a double) gives NULL; with `whole`, so does a number with a fraction.
    DuckDB reads the value as JSON and asks its type; Spark's JSON reader hands a number or a
    string as its text, a boolean as `true`/`false` and an object as its JSON, which the cast
    to DOUBLE rejects (NaN and infinity fail the range test there: NaN sorts above every number).
    """
    if dialect == "spark":
        value = f"TRY_CAST(trim({expr}) AS DOUBLE)"
        range_sql = f"{value} BETWEEN {low!r} AND {high!r}"
    else:
        value = (
            f"TRY_CAST(CASE WHEN json_type({expr}) = 'VARCHAR' THEN trim({expr} ->> '$') "
            f"WHEN json_type({expr}) IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN {expr}::VARCHAR END AS DOUBLE)"
        )
        range_sql = f"isfinite({value}) AND {value} BETWEEN {low!r} AND {high!r}"
    whole_sql = f" AND {value} = floor({value})" if whole else ""
    return f"CASE WHEN {range_sql}{whole_sql} THEN {value} END"


def _money(expr: str, dialect: str) -> str:
    """SQL: a money amount (`limits.MAX_MONEY`), NULL when unusable."""
    return _number(expr, -MAX_MONEY, MAX_MONEY, dialect)


def _count(expr: str, dialect: str) -> str:
    """SQL: a count or points (`limits.MIN_COUNT..MAX_COUNT`, whole), NULL when unusable."""
    return _number(expr, float(MIN_COUNT), float(MAX_COUNT), dialect, whole=True)


def _bad(expr: str, usable: str) -> str:
    """SQL: 1 when the JSON value `expr` is present but `usable` (its cleaned form) is NULL, else 0."""
    return f"CASE WHEN {expr} IS NOT NULL AND {usable} IS NULL THEN 1 ELSE 0 END"


def _is_date(expr: str, dialect: str) -> str:
    if dialect == "spark":
        return f"regexp_matches({expr}, '^\\d{{4}}-\\d{{2}}-\\d{{2}}$')"
    return f"regexp_full_match({expr}, '\\d{{4}}-\\d{{2}}-\\d{{2}}')"


@functools.cache
def _statements(dialect: str) -> tuple[str, str]:
    """The event and the response SELECTs in `dialect`'s primitives (`{source}`: the lines read)."""
    price = _money("p.price", dialect)
    quantity = _count("p.quantity", dialect)
    line_ok = f"(p.price IS NULL OR {price} IS NOT NULL) AND (p.quantity IS NULL OR {quantity} IS NOT NULL)"
    products = (
        f"list_transform(list_filter(properties.products, lambda p: {line_ok}), lambda p: {{"
        "'product_id': p.product_id, 'sku': p.sku, 'name': p.name, "
        f"'price': {price}, 'quantity': {quantity}}})"
    )
    loyalty = "('Loyalty Program Joined', 'Loyalty Points Earned', 'Loyalty Reward Redeemed')"
    # Per event: how many of the numbers the metrics read were present but unusable (`skipped`).
    skipped = " + ".join(
        [
            f"CASE WHEN event = 'Order Completed' THEN {_bad('properties.revenue', _money('properties.revenue', dialect))}"
            f" + {_bad('properties.total', _money('properties.total', dialect))}"
            f" + coalesce(array_length(list_filter(properties.products, lambda p: NOT ({line_ok}))), 0) ELSE 0 END",
            f"CASE WHEN event = 'Foot Traffic Counted' THEN {_bad('properties.count', _count('properties.count', dialect))} "
            "ELSE 0 END",
            f"CASE WHEN event IN {loyalty} THEN {_bad('properties.points', _count('properties.points', dialect))} ELSE 0 END",
            f"CASE WHEN event = 'Review Posted' THEN "
            f"{_bad('properties.rating', _number('properties.rating', MIN_RATING, MAX_RATING, dialect))} ELSE 0 END",
            f"CASE WHEN event = 'Follower Count Reported' THEN "
            f"{_bad('properties.followers', _count('properties.followers', dialect))} ELSE 0 END",
            f"CASE WHEN event IN ('Event Registered', 'Event Attended') AND {_text('properties.event_date')} "
            f"IS NOT NULL AND TRY_CAST(CASE WHEN {_is_date('properties.event_date', dialect)} THEN properties.event_date END "
            "AS DATE) IS NULL THEN 1 ELSE 0 END",
        ]
    )

    event_select = f"""
    SELECT
        message_id, type, event, user_id, anon_id, previous_id, ts, rcv,
        lower(coalesce({_text("context.channel")}, {_text("properties.channel")},
            CASE type WHEN 'page' THEN 'web' WHEN 'screen' THEN 'mobile' ELSE 'unknown' END)) AS channel,
        lower(coalesce({_text("context.os.name")}, {_text("context.device.type")},
            CASE WHEN type = 'page' THEN 'web' ELSE 'unknown' END)) AS platform,
        coalesce({_text("properties.location_id")}, {_text("context.location_id")}) AS location,
        lower({_text("context.campaign.source")}) AS campaign_source,
        {_text("context.page.referrer")} AS referrer,
        {_text("context.page.url")} AS page_url,
        lower({_text("properties.platform")}) AS prop_platform,
        lower({_text("properties.channel")}) AS prop_channel,
        {_text("properties.kind")} AS kind,
        {_text("properties.order_id")} AS order_id,
        CASE WHEN event = 'Order Completed' THEN {products} END AS products,
        CASE WHEN event = 'Order Completed' THEN coalesce(
            {_money("properties.revenue", dialect)}, {_money("properties.total", dialect)},
            list_sum(list_transform({products}, lambda p: p.price * coalesce(p.quantity, 1.0))),
            0.0) END AS revenue,
        CASE WHEN event = 'Foot Traffic Counted' THEN {_count("properties.count", dialect)} END AS counted,
        {_utc("properties.period_start", dialect)} AS period_start,
        {_utc("properties.period_end", dialect)} AS period_end,
        {_ident("properties.sensor_id")} AS sensor_id,
        CASE WHEN event IN {loyalty} THEN {_count("properties.points", dialect)} END AS points,
        {_text("properties.event_id")} AS event_id,
        TRY_CAST(CASE WHEN {_is_date("properties.event_date", dialect)} THEN properties.event_date END AS DATE) AS event_date,
        CASE WHEN event = 'Review Posted' THEN {_number("properties.rating", MIN_RATING, MAX_RATING, dialect)} END AS rating,
        CASE WHEN event = 'Follower Count Reported' THEN {_count("properties.followers", dialect)} END AS followers,
        {_text("properties.product_id")} AS product_id,
        {_ident("properties.code")} AS code,
        {skipped} AS skipped
    FROM (
        SELECT *,
            CASE
                WHEN ts0 IS NULL THEN rcv
                WHEN rcv IS NULL THEN ts0
                WHEN ts0 > rcv + INTERVAL 1 DAY OR ts0 < rcv - INTERVAL 365 DAY THEN rcv
                ELSE ts0
            END AS ts
        FROM (
            SELECT
                {_ident("messageId")} AS message_id,
                lower(trim(type)) AS type,
                {_text("event")} AS event,
                {_ident("userId")} AS user_id,
                {_ident("anonymousId")} AS anon_id,
                {_ident("previousId")} AS previous_id,
                {_utc("timestamp", dialect)} AS ts0,
                {_utc("receivedAt", dialect)} AS rcv,
                context,
                properties
            FROM {{source}}
            WHERE type IS NOT NULL
        )
    )
    WHERE ts IS NOT NULL AND ts < $horizon_end
        AND (ts >= $horizon_start OR event = 'Order Completed' OR type = 'alias'
             OR (user_id IS NOT NULL AND anon_id IS NOT NULL))
    """  # noqa: S608 - composed from constants; every value is a bound parameter

    response_select = f"""
    SELECT response_id, survey, ts, complete, channel, location, user_id, anon_id, scores, comments
    FROM (
        SELECT
            {_ident("responseId")} AS response_id,
            {_text("surveyId")} AS survey,
            {_utc("submittedAt", dialect)} AS ts,
            coalesce(complete, false) AS complete,
            lower({_text("channel")}) AS channel,
            {_text("locationId")} AS location,
            {_ident("userId")} AS user_id,
            {_ident("anonymousId")} AS anon_id,
            scores,
            comments
        FROM {{source}}
    )
    WHERE ts IS NOT NULL AND ts < $responses_end
    QUALIFY response_id IS NULL
        OR row_number() OVER (PARTITION BY response_id ORDER BY ts DESC, complete DESC) = 1
    """  # noqa: S608 - composed from constants; every value is a bound parameter
    return event_select, response_select


_EMPTY_EVENTS = f"""
CREATE TABLE ev (
    message_id VARCHAR, type VARCHAR, event VARCHAR, user_id VARCHAR, anon_id VARCHAR,
    previous_id VARCHAR, ts TIMESTAMP, rcv TIMESTAMP, channel VARCHAR, platform VARCHAR,
    location VARCHAR, campaign_source VARCHAR, referrer VARCHAR, page_url VARCHAR,
    prop_platform VARCHAR, prop_channel VARCHAR, kind VARCHAR, order_id VARCHAR,
    products {PRODUCTS_TYPE},
    revenue DOUBLE, counted DOUBLE, period_start TIMESTAMP, period_end TIMESTAMP, sensor_id VARCHAR,
    points DOUBLE, event_id VARCHAR, event_date DATE, rating DOUBLE, followers DOUBLE, product_id VARCHAR,
    code VARCHAR, skipped INTEGER
)
"""

_EMPTY_RESPONSES = """
CREATE TABLE resp_raw (
    response_id VARCHAR, survey VARCHAR, ts TIMESTAMP, complete BOOLEAN, channel VARCHAR,
    location VARCHAR, user_id VARCHAR, anon_id VARCHAR,
    scores STRUCT(questionId VARCHAR, kind VARCHAR, value VARCHAR)[],
    comments STRUCT(questionId VARCHAR, text VARCHAR, sentiment VARCHAR)[]
)
"""


#: Which row of one messageId stays when it was stored more than once: the earliest received,
#: then the earliest time, then by content, so the choice never depends on the order an engine
#: read the files (rows without a messageId all stay).
DUPLICATE_ORDER = (
    "rcv ASC NULLS LAST, ts ASC NULLS LAST, "
    + ", ".join(
        f"{column} ASC NULLS FIRST"
        for column in (
            "type", "event", "user_id", "anon_id", "previous_id", "channel", "platform", "location",
            "revenue", "counted", "sensor_id", "points", "event_id", "event_date", "rating", "followers",
            "product_id", "code", "kind", "order_id", "prop_platform", "prop_channel", "campaign_source",
            "referrer", "page_url", "period_start", "period_end",
        )
    )
)  # fmt: skip


def load_events(
    backend: SqlBackend, files: Sequence[str], horizon_start: datetime, horizon_end: datetime
) -> None:
    """Create table `ev`: distinct, cleaned events in `[horizon_start, horizon_end)` (see module doc).

    `files` are gzip JSON-lines and compacted `.parquet` files (local paths, or URIs the backend
    reads). Rows older than `horizon_start` are kept only when they can link identities or are
    orders; `prune_old_events` drops the linking ones once the identity links are known.
    """
    if not files:
        backend.execute(_EMPTY_EVENTS, {})
        return
    lines = [name for name in files if not name.endswith(".parquet")]
    compacted = [name for name in files if name.endswith(".parquet")]
    source, params = backend.json_source(lines, compacted, EVENT_COLUMNS)
    event_select, _ = _statements(backend.name)
    params.update(horizon_start=horizon_start, horizon_end=horizon_end)
    backend.execute(f"CREATE TABLE ev AS {event_select.replace('{source}', source)}", params)
    backend.keep_first("ev", "message_id", DUPLICATE_ORDER)


def prune_old_events(backend: SqlBackend, horizon_start: datetime) -> None:
    """Drop rows older than the activity horizon that only served identity linking."""
    backend.execute(
        "DELETE FROM ev WHERE ts < $horizon_start AND event IS DISTINCT FROM 'Order Completed'",
        {"horizon_start": horizon_start},
    )


def load_responses(backend: SqlBackend, files: Sequence[str], responses_end: datetime) -> None:
    """Create table `resp_raw`: the latest version of each response submitted before `responses_end`."""
    if not files:
        backend.execute(_EMPTY_RESPONSES, {})
        return
    source, params = backend.json_source(list(files), [], RESPONSE_COLUMNS)
    _, response_select = _statements(backend.name)
    params["responses_end"] = responses_end
    backend.execute(f"CREATE TABLE resp_raw AS {response_select.replace('{source}', source)}", params)


def skipped_values(backend: SqlBackend) -> int:
    """How many numbers of the loaded events were unusable and skipped (see module doc)."""
    rows = backend.fetch("SELECT coalesce(sum(skipped), 0) FROM ev", {})
    return int(rows[0][0]) if rows else 0
