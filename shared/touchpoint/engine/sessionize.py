"""Activity and sessions.

Activity (table `act`): `track`, `page` and `screen` events with a person, except system events
(`TenantConfig.system_events` plus `Foot Traffic Counted` and `Follower Count Reported`, which the
tracking plan defines as device readings). `identify`, `group` and `alias` are never activity.

Sessions (table `sess`): a person's activity split where the gap between two consecutive events
exceeds 30 minutes (a gap of exactly 30 minutes continues the session). A session belongs to the
day of its first event, including its events after midnight. Its channel, platform and referral
source are those of its first event (ties in time are broken by the messageId, so the
answer never depends on the order the files were read). Sessions are built
over all loaded activity (from `D - 120` to the end of `D + 1`), so a session that started before a
window or runs past midnight is never cut in two.

Referral source of a session (`src`): the first event's `context.campaign.source`, else the host
of its `context.page.referrer` (without a leading `www.`) when that differs from the host of its
own `context.page.url` (a referrer is external when the event has no `page.url`). Hosts are
compared exactly, so a link from `blog.brand.com` to `shop.brand.com` counts as a referral.
"""

from __future__ import annotations

from touchpoint.engine.context import EngineContext

_ACT = """
CREATE TABLE act AS
SELECT person, ts, eid, message_id AS tie, type, event, channel, platform,
    type = 'track' AND coalesce(list_contains($conversion_events, event), false) AS is_conv
FROM evp
WHERE type IN ('track', 'page', 'screen') AND person IS NOT NULL
    AND NOT (type = 'track' AND coalesce(list_contains($system_events, event), false))
"""


def _host(expr: str) -> str:
    """SQL: lower-case host of a URL without a leading `www.` (NULL when there is none)."""
    extracted = f"lower(regexp_extract({expr}, '^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^@/?#]*@)?([^/:?#]+)', 1))"
    return f"nullif(regexp_replace({extracted}, '^www\\.', ''), '')"


#: SQL for the referral source of an event (used for the first event of each session).
REFERRAL_SOURCE_SQL = (
    f"coalesce(campaign_source, CASE WHEN {_host('referrer')} IS DISTINCT FROM {_host('page_url')} "
    f"THEN {_host('referrer')} END)"
)

# The window functions run over three narrow columns only (much cheaper than carrying every
# column of `act` through the sort); the session number is then joined back by `eid`.
_SESS = f"""
CREATE TABLE sess AS
WITH marked AS (
    SELECT person, ts, tie, eid,
        CASE WHEN lag(ts) OVER w IS NULL OR ts - lag(ts) OVER w > INTERVAL 30 MINUTE THEN 1 ELSE 0 END
            AS is_first
    FROM act
    WINDOW w AS (PARTITION BY person ORDER BY ts, tie, eid)
), numbered AS (
    SELECT eid, is_first,
        sum(is_first) OVER (PARTITION BY person ORDER BY ts, tie, eid ROWS UNBOUNDED PRECEDING) AS sn
    FROM marked
), agg AS (
    SELECT a.person, n.sn,
        min(a.ts) AS start_ts,
        max(a.ts) AS end_ts,
        epoch(max(a.ts) - min(a.ts)) AS duration_s,
        count(*) FILTER (WHERE a.type IN ('page', 'screen')) AS views,
        count(*) FILTER (WHERE a.type = 'track') AS tracks,
        bool_or(a.is_conv) AS converted,
        max(a.channel) FILTER (WHERE n.is_first = 1) AS channel,
        max(a.platform) FILTER (WHERE n.is_first = 1) AS platform,
        max(a.eid) FILTER (WHERE n.is_first = 1) AS first_eid
    FROM act AS a JOIN numbered AS n USING (eid)
    GROUP BY a.person, n.sn
)
SELECT agg.*, {REFERRAL_SOURCE_SQL} AS src
FROM agg
JOIN (SELECT rowid AS eid, campaign_source, referrer, page_url FROM ev) AS first ON first.eid = agg.first_eid
"""  # noqa: S608 - composed from constants


def build_sessions(ctx: EngineContext) -> None:
    """Create the `act` and `sess` tables (see module doc)."""
    ctx.execute(_ACT)
    ctx.execute(_SESS)
