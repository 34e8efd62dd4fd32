"""The benchmark's reference: one plain DuckDB query for a handful of core metrics.

`reference_metrics` computes sessions, pages per session, bounce rate, conversion rate, DAU,
revenue and NPS of one day with a single straightforward query (messageId dedup, no identity
stitching, no breakdowns). The engine's speed requirement is stated against it: `compute_day`
on the same files must take at most 3x its time. Its numbers match the engine's where the rules
coincide (no anonymous-to-known stitching in the data, default config).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from touchpoint.engine.calendar import local_day_bounds
from touchpoint.models.tenants import DEFAULT_CONVERSION_EVENTS

_QUERY = """
WITH raw AS (
    SELECT messageId, type, event, coalesce(userId, anonymousId) AS person,
        coalesce(make_timestamp(epoch_us(TRY_CAST(timestamp AS TIMESTAMPTZ))),
                 make_timestamp(epoch_us(TRY_CAST(receivedAt AS TIMESTAMPTZ)))) AS ts,
        TRY_CAST(properties.revenue AS DOUBLE) AS revenue
    FROM read_json($events, format = 'newline_delimited', compression = 'gzip', ignore_errors = true,
        columns = {messageId: 'VARCHAR', type: 'VARCHAR', event: 'VARCHAR', userId: 'VARCHAR',
                   anonymousId: 'VARCHAR', timestamp: 'VARCHAR', receivedAt: 'VARCHAR',
                   properties: 'STRUCT(revenue VARCHAR)'})
), ev AS (
    SELECT DISTINCT ON (messageId) * FROM raw WHERE ts IS NOT NULL
), act AS (
    SELECT * FROM ev
    WHERE type IN ('track', 'page', 'screen') AND person IS NOT NULL
        AND coalesce(event, '') NOT IN ('Foot Traffic Counted', 'Follower Count Reported')
), marked AS (
    SELECT *, CASE WHEN ts - lag(ts) OVER w <= INTERVAL 30 MINUTE THEN 0 ELSE 1 END AS is_first
    FROM act WINDOW w AS (PARTITION BY person ORDER BY ts)
), numbered AS (
    SELECT *, sum(is_first) OVER (PARTITION BY person ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sn FROM marked
), sess AS (
    SELECT person, sn, min(ts) AS start_ts, epoch(max(ts) - min(ts)) AS duration_s,
        count(*) FILTER (WHERE type IN ('page', 'screen')) AS views,
        bool_or(list_contains($conversion, event)) AS converted
    FROM numbered GROUP BY person, sn
), day_sess AS (
    SELECT * FROM sess WHERE start_ts >= $d_start AND start_ts < $d_end
), responses AS (
    {responses}
)
SELECT
    (SELECT count(*) FROM day_sess) AS sessions,
    (SELECT sum(views) / count(*) FROM day_sess) AS pages_per_session,
    (SELECT 1 - count(*) FILTER (WHERE duration_s >= 10 OR views >= 2 OR converted) / count(*) FROM day_sess)
        AS bounce_rate,
    (SELECT count(*) FILTER (WHERE converted) / count(*) FROM day_sess) AS conversion_rate,
    (SELECT count(DISTINCT person) FROM act WHERE ts >= $d_start AND ts < $d_end) AS dau,
    (SELECT sum(revenue) FROM ev WHERE event = 'Order Completed' AND ts >= $d_start AND ts < $d_end) AS revenue,
    (SELECT 100.0 * (count(*) FILTER (WHERE s.value >= 9) - count(*) FILTER (WHERE s.value <= 6)) / count(*)
        FROM (SELECT unnest(scores) AS s FROM responses WHERE complete AND ts >= $d_start AND ts < $d_end)
        WHERE s.kind = 'nps') AS nps
"""


_RESPONSES = """
    SELECT DISTINCT ON (responseId) responseId, complete, scores,
        make_timestamp(epoch_us(TRY_CAST(submittedAt AS TIMESTAMPTZ))) AS ts
    FROM read_json($responses, format = 'newline_delimited', compression = 'gzip', ignore_errors = true,
        columns = {responseId: 'VARCHAR', submittedAt: 'VARCHAR', complete: 'BOOLEAN',
                   scores: 'STRUCT(kind VARCHAR, value DOUBLE)[]'})
    ORDER BY responseId, ts DESC
"""
_NO_RESPONSES = (
    "SELECT NULL::VARCHAR AS responseId, NULL::BOOLEAN AS complete, "
    "NULL::STRUCT(kind VARCHAR, value DOUBLE)[] AS scores, NULL::TIMESTAMP AS ts WHERE false"
)


def reference_metrics(
    event_files: Sequence[Path],
    response_files: Sequence[Path],
    day: date,
    timezone: str = "UTC",
    *,
    duckdb_config: Mapping[str, str | bool | int | float] | None = None,
) -> dict[str, float | None]:
    """Run the reference query for `day` and return its seven metrics by name."""
    if not event_files:
        raise ValueError("the reference query needs at least one event file")
    import duckdb  # lazily: only the engine needs duckdb

    start, end = local_day_bounds(day, timezone)
    config: dict[str, str | bool | int | float | list[str]] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    config.update(duckdb_config or {})
    con = duckdb.connect(":memory:", config=config)
    try:
        con.execute("SET TimeZone = 'UTC'")
        params: dict[str, object] = {
            "events": [str(p) for p in event_files],
            "d_start": start,
            "d_end": end,
            "conversion": list(DEFAULT_CONVERSION_EVENTS),
        }
        if response_files:
            params["responses"] = [str(p) for p in response_files]
        sql = _QUERY.replace("{responses}", _RESPONSES if response_files else _NO_RESPONSES)
        cursor = con.execute(sql, params)
        row = cursor.fetchone()
        names = [str(col[0]) for col in cursor.description or []]
    finally:
        con.close()
    if row is None:
        return {}
    return {name: (None if value is None else float(value)) for name, value in zip(names, row, strict=True)}
