"""Reading the gzip JSON-lines inputs into DuckDB tables, once per `compute_day`.

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
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

_CONTEXT_TYPE = (
    "STRUCT(channel VARCHAR, location_id VARCHAR, campaign STRUCT(source VARCHAR), "
    "page STRUCT(referrer VARCHAR, url VARCHAR), device STRUCT(type VARCHAR), os STRUCT(name VARCHAR))"
)
_PROPERTIES_TYPE = (
    "STRUCT(channel VARCHAR, location_id VARCHAR, revenue VARCHAR, total VARCHAR, order_id VARCHAR, "
    "products STRUCT(product_id VARCHAR, sku VARCHAR, name VARCHAR, price VARCHAR, quantity VARCHAR)[], "
    "platform VARCHAR, count VARCHAR, period_start VARCHAR, period_end VARCHAR, points VARCHAR, "
    "event_id VARCHAR, kind VARCHAR, code VARCHAR, rating VARCHAR, followers VARCHAR, product_id VARCHAR)"
)

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

_READ = "read_json($files, format = 'newline_delimited', compression = 'gzip', columns = $columns, ignore_errors = true)"


def _utc(expr: str) -> str:
    """SQL turning an ISO-8601 string into a naive UTC TIMESTAMP (NULL when unparseable)."""
    return f"make_timestamp(epoch_us(TRY_CAST({expr} AS TIMESTAMPTZ)))"


def _text(expr: str) -> str:
    """SQL: the string, NULL when empty."""
    return f"nullif({expr}, '')"


def _ident(expr: str) -> str:
    """SQL: an id, NULL when blank (as the event models treat blank ids)."""
    return f"nullif(trim({expr}), '')"


_EVENT_SELECT = f"""
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
    CASE WHEN event = 'Order Completed' THEN properties.products END AS products,
    CASE WHEN event = 'Order Completed' THEN coalesce(
        TRY_CAST(properties.revenue AS DOUBLE), TRY_CAST(properties.total AS DOUBLE),
        list_sum(list_transform(properties.products,
            lambda p: TRY_CAST(p.price AS DOUBLE) * coalesce(TRY_CAST(p.quantity AS DOUBLE), 1.0))),
        0.0) END AS revenue,
    TRY_CAST(properties.count AS DOUBLE) AS counted,
    {_utc("properties.period_start")} AS period_start,
    {_utc("properties.period_end")} AS period_end,
    TRY_CAST(properties.points AS DOUBLE) AS points,
    {_text("properties.event_id")} AS event_id,
    TRY_CAST(properties.rating AS DOUBLE) AS rating,
    TRY_CAST(properties.followers AS DOUBLE) AS followers,
    {_text("properties.product_id")} AS product_id,
    {_text("properties.code")} AS code
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
            {_utc("timestamp")} AS ts0,
            {_utc("receivedAt")} AS rcv,
            context,
            properties
        FROM {_READ}
        WHERE type IS NOT NULL
    )
)
WHERE ts IS NOT NULL AND ts < $horizon_end
    AND (ts >= $horizon_start OR event = 'Order Completed' OR type = 'alias'
         OR (user_id IS NOT NULL AND anon_id IS NOT NULL))
"""  # noqa: S608 - composed from constants; every value is a bound parameter

_EMPTY_EVENTS = """
CREATE TABLE ev (
    message_id VARCHAR, type VARCHAR, event VARCHAR, user_id VARCHAR, anon_id VARCHAR,
    previous_id VARCHAR, ts TIMESTAMP, rcv TIMESTAMP, channel VARCHAR, platform VARCHAR,
    location VARCHAR, campaign_source VARCHAR, referrer VARCHAR, page_url VARCHAR,
    prop_platform VARCHAR, prop_channel VARCHAR, kind VARCHAR, order_id VARCHAR,
    products STRUCT(product_id VARCHAR, sku VARCHAR, name VARCHAR, price VARCHAR, quantity VARCHAR)[],
    revenue DOUBLE, counted DOUBLE, period_start TIMESTAMP, period_end TIMESTAMP, points DOUBLE,
    event_id VARCHAR, rating DOUBLE, followers DOUBLE, product_id VARCHAR, code VARCHAR
)
"""

_RESPONSE_SELECT = f"""
SELECT response_id, survey, ts, complete, channel, location, user_id, anon_id, scores, comments
FROM (
    SELECT
        {_ident("responseId")} AS response_id,
        {_text("surveyId")} AS survey,
        {_utc("submittedAt")} AS ts,
        coalesce(complete, false) AS complete,
        lower({_text("channel")}) AS channel,
        {_text("locationId")} AS location,
        {_ident("userId")} AS user_id,
        {_ident("anonymousId")} AS anon_id,
        scores,
        comments
    FROM {_READ}
)
WHERE ts IS NOT NULL AND ts < $responses_end
QUALIFY response_id IS NULL
    OR row_number() OVER (PARTITION BY response_id ORDER BY ts DESC, complete DESC) = 1
"""  # noqa: S608 - composed from constants; every value is a bound parameter

_EMPTY_RESPONSES = """
CREATE TABLE resp_raw (
    response_id VARCHAR, survey VARCHAR, ts TIMESTAMP, complete BOOLEAN, channel VARCHAR,
    location VARCHAR, user_id VARCHAR, anon_id VARCHAR,
    scores STRUCT(questionId VARCHAR, kind VARCHAR, value VARCHAR)[],
    comments STRUCT(questionId VARCHAR, text VARCHAR, sentiment VARCHAR)[]
)
"""


def _paths(files: list[Path]) -> list[str]:
    return [str(path) for path in files]


def load_events(
    con: DuckDBPyConnection, files: list[Path], horizon_start: datetime, horizon_end: datetime
) -> None:
    """Create table `ev`: distinct, cleaned events in `[horizon_start, horizon_end)` (see module doc).

    Rows older than `horizon_start` are kept only when they can link identities or are orders;
    `prune_old_events` drops the linking ones once the identity links are known.
    """
    if not files:
        con.execute(_EMPTY_EVENTS)
        return
    params: dict[str, Any] = {
        "files": _paths(files),
        "columns": EVENT_COLUMNS,
        "horizon_start": horizon_start,
        "horizon_end": horizon_end,
    }
    con.execute(f"CREATE TABLE ev AS {_EVENT_SELECT}", params)
    # Same messageId in several files: keep one row, the earliest received (then earliest time,
    # then by content, so the choice never depends on the order DuckDB read the files). Only the
    # few duplicated ids are sorted; rows without a messageId stay.
    con.execute(
        """DELETE FROM ev WHERE rowid IN (
            SELECT rid FROM (
                SELECT rowid AS rid,
                    row_number() OVER (
                        PARTITION BY message_id
                        ORDER BY rcv NULLS LAST, ts,
                            hash(type, event, user_id, anon_id, previous_id, channel, platform, location,
                                revenue, counted, points, event_id, rating, followers, product_id, code, kind),
                            rowid
                    ) AS rn
                FROM ev
                WHERE message_id IN (
                    SELECT message_id FROM ev WHERE message_id IS NOT NULL GROUP BY message_id HAVING count(*) > 1
                )
            ) WHERE rn > 1
        )"""
    )


def prune_old_events(con: DuckDBPyConnection, horizon_start: datetime) -> None:
    """Drop rows older than the activity horizon that only served identity linking."""
    con.execute(
        "DELETE FROM ev WHERE ts < $horizon_start AND event IS DISTINCT FROM 'Order Completed'",
        {"horizon_start": horizon_start},
    )


def load_responses(con: DuckDBPyConnection, files: list[Path], responses_end: datetime) -> None:
    """Create table `resp_raw`: the latest version of each response submitted before `responses_end`."""
    if not files:
        con.execute(_EMPTY_RESPONSES)
        return
    con.execute(
        f"CREATE TABLE resp_raw AS {_RESPONSE_SELECT}",
        {"files": _paths(files), "columns": RESPONSE_COLUMNS, "responses_end": responses_end},
    )
