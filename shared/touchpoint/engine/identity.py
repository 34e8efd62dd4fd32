"""Identity stitching: every event and response gets a `person`.

A person is the `userId` when the event has one, else the `anonymousId`. An id that was ever
linked to a `userId` counts as that user, for all of its events (also those before the link).
Links come from, in order of precedence:

1. `EngineInputs.identity_links` (`anonymousId -> userId`, known from earlier runs; the first
   pair listed for an id wins);
2. `alias` events (`previousId -> userId`), `identify` events and any other event or survey
   response carrying both an `anonymousId` and a `userId`; when an id was linked to several
   users, the earliest link wins (ties: the smallest userId).

Links are followed up to three hops (`anon -> old userId -> new userId` after an alias).

Tables/views created: `links(from_id, to_id)`, `idmap(from_id, person)`, view `evp` (= `ev` plus
`eid`, its row id, and `person`), table `plan_ev` (the `evp` rows of the tracking-plan events the
metrics read, see `catalog.PLAN_EVENTS`, so those queries scan a fraction of the day), and the
survey tables `resp` (complete responses with `person`), `answers` (one row
per score) and `comments` (one row per non-empty comment).
"""

from __future__ import annotations

from touchpoint.engine.catalog import PLAN_EVENTS
from touchpoint.engine.context import EngineContext

_LINKS = """
CREATE TABLE links AS
SELECT from_id, to_id FROM (
    SELECT from_id, to_id, prio, ord, first_ts FROM link_in
    UNION ALL
    SELECT previous_id, user_id, 1, 0, min(ts) FROM ev
    WHERE type = 'alias' AND previous_id IS NOT NULL AND user_id IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT anon_id, user_id, 1, 0, min(ts) FROM ev
    WHERE anon_id IS NOT NULL AND user_id IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT anon_id, user_id, 1, 0, min(ts) FROM resp_raw
    WHERE anon_id IS NOT NULL AND user_id IS NOT NULL GROUP BY ALL
)
WHERE from_id IS NOT NULL AND to_id IS NOT NULL AND from_id <> to_id
QUALIFY row_number() OVER (PARTITION BY from_id ORDER BY prio, ord, first_ts NULLS FIRST, to_id) = 1
"""

_IDMAP = """
CREATE TABLE idmap AS
SELECT l1.from_id, coalesce(l3.to_id, l2.to_id, l1.to_id) AS person
FROM links AS l1
LEFT JOIN links AS l2 ON l2.from_id = l1.to_id
LEFT JOIN links AS l3 ON l3.from_id = l2.to_id
"""

# One lookup on `coalesce(user_id, anon_id)` equals "the userId's link, else the userId, else the
# anonymousId's link, else the anonymousId" (a userId is looked up, never its anonymousId).
_EVP = """
CREATE VIEW evp AS
SELECT ev.*, ev.rowid AS eid, coalesce(m.person, ev.user_id, ev.anon_id) AS person
FROM ev
LEFT JOIN idmap AS m ON m.from_id = coalesce(ev.user_id, ev.anon_id)
"""

_RESP = """
CREATE TABLE resp AS
SELECT coalesce(r.response_id, 'no-id:' || uuid()::VARCHAR) AS response_id, r.survey, r.ts, r.channel,
    r.location, coalesce(m.person, r.user_id, r.anon_id) AS person, r.scores, r.comments
FROM resp_raw AS r
LEFT JOIN idmap AS m ON m.from_id = coalesce(r.user_id, r.anon_id)
WHERE r.complete
"""

_ANSWERS = """
CREATE TABLE answers AS
SELECT response_id, survey, ts, channel, location, person,
    lower(trim(s.kind)) AS kind, TRY_CAST(s.value AS DOUBLE) AS value
FROM (SELECT *, unnest(scores) AS s FROM resp)
WHERE s.kind IS NOT NULL AND TRY_CAST(s.value AS DOUBLE) IS NOT NULL
"""

_COMMENTS = """
CREATE TABLE comments AS
SELECT response_id, survey, ts, channel, location, person, lower(trim(c.sentiment)) AS sentiment
FROM (SELECT *, unnest(comments) AS c FROM resp)
WHERE nullif(trim(c.text), '') IS NOT NULL
"""


def build_identity(ctx: EngineContext, identity_links: list[tuple[str, str]]) -> None:
    """Create `links`, `idmap`, `evp`, `resp`, `answers` and `comments` (see module doc)."""
    ctx.backend.rows_table(
        "link_pairs",
        (("f", "VARCHAR"), ("t", "VARCHAR"), ("o", "BIGINT")),
        [(str(pair[0]), str(pair[1]), order) for order, pair in enumerate(identity_links)],
    )
    ctx.execute(
        """CREATE TABLE link_in AS
        SELECT nullif(trim(f), '') AS from_id, nullif(trim(t), '') AS to_id, 0 AS prio, o AS ord,
            CAST(NULL AS TIMESTAMP) AS first_ts
        FROM link_pairs"""
    )
    for statement in (_LINKS, _IDMAP, _EVP, _RESP, _ANSWERS, _COMMENTS):
        ctx.execute(statement)


def build_plan_events(ctx: EngineContext) -> None:
    """Create `plan_ev`: the tracking-plan events (with `person`) the metric queries read."""
    ctx.execute(
        "CREATE TABLE plan_ev AS SELECT * FROM evp WHERE type = 'track' AND list_contains($plan, event)",
        plan=list(PLAN_EVENTS),
    )
