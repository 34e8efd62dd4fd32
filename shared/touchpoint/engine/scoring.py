"""Per-person engagement score, its daily summary (`engagement_score`, `at_risk`).

The people scored on D are those with activity in the trailing 90 days D-89..D. Each person gets
five components in [0, 1]:

* recency: percentile rank of the time since their last activity (most recent = 1);
* frequency: percentile rank of their number of sessions started in the 90 days (0 sessions = 0);
* monetary: percentile rank of their order revenue in the 90 days (no spend = 0; the sum is rounded
  to 6 decimals, so two equal spends rank as a tie whatever order an engine added the orders in);
* breadth: `(min(channels, 3) / 3 + min(kinds, 5) / 5) / 2`, with the distinct channels and event
  kinds (track event names, `page`, `screen`) of their 90-day activity;
* feedback: their latest feedback up to the end of D: a complete survey response (NPS `v/10`, else
  CSAT `(v-1)/4`, else CES `(7-v)/6`, else a 1-5 `rating` `(v-1)/4`, else the mean comment
  sentiment with positive 1, neutral 0.5, negative 0) or a `Review Posted` rating `(r-1)/4`.

Percentile rank = the share of scored people whose value is at most theirs (`cume_dist`), so ties
share the higher rank. The score is `100 x` the weighted mean of the components with
`TenantConfig.engagement_weights`; for a person without any feedback the feedback weight is left
out (the others are re-normalised) instead of guessing a neutral value. All-zero weights count as
equal weights (and a person without feedback when only feedback is weighted gets the plain mean of
the other four). The score is always within [0, 100].

Per tenant-day: `engagement_score` = mean score, `extra = {"people": n, "deciles": [p10, ...,
p90]}` (continuous quantiles); `at_risk` = people scored both on D and on D-30 (whose 90-day window
is D-119..D-30) whose score fell by 20 points or more, `extra["compared"]` = people scored on both.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from touchpoint.engine.context import EngineContext
from touchpoint.models.metrics import MetricPoint

AT_RISK_DROP = 20.0
SCORE_DAYS = 90

_FEEDBACK = """
CREATE TABLE person_feedback AS
SELECT person, ts, feedback FROM (
    SELECT r.person, r.ts, coalesce(a.nps, a.csat, a.ces, a.rating, c.sentiment) AS feedback
    FROM resp AS r
    LEFT JOIN (
        SELECT response_id,
            avg(value / 10) FILTER (WHERE kind = 'nps' AND value BETWEEN 0 AND 10) AS nps,
            avg((value - 1) / 4) FILTER (WHERE kind = 'csat' AND value BETWEEN 1 AND 5) AS csat,
            avg((7 - value) / 6) FILTER (WHERE kind = 'ces' AND value BETWEEN 1 AND 7) AS ces,
            avg((value - 1) / 4) FILTER (WHERE kind = 'rating' AND value BETWEEN 1 AND 5) AS rating
        FROM answers GROUP BY response_id
    ) AS a USING (response_id)
    LEFT JOIN (
        SELECT response_id,
            avg(CASE sentiment WHEN 'positive' THEN 1.0 WHEN 'neutral' THEN 0.5 WHEN 'negative' THEN 0.0 END)
                AS sentiment
        FROM comments GROUP BY response_id
    ) AS c USING (response_id)
    UNION ALL
    SELECT person, ts, (rating - 1) / 4 FROM plan_ev
    WHERE event = 'Review Posted' AND rating BETWEEN 1 AND 5
)
WHERE person IS NOT NULL AND feedback IS NOT NULL
"""

_SCORES = """
CREATE TABLE {name} AS
WITH p AS (
    SELECT person, max(last_ts) AS last_ts, list_unique(flatten(list(channels))) AS channels,
        list_unique(flatten(list(kinds))) AS kinds
    FROM h_days WHERE day >= $ws_day AND day < $we_day GROUP BY person
), f AS (
    SELECT person, sum(n) AS sessions FROM h_sessions WHERE day >= $ws_day AND day < $we_day GROUP BY person
), m AS (
    SELECT person, round(sum(revenue), 6) AS spend FROM orders
    WHERE person IS NOT NULL AND ts >= $ws AND ts < $we GROUP BY person
), fb AS (
    SELECT person, arg_max(feedback, ts) AS feedback FROM person_feedback WHERE ts < $we GROUP BY person
), base AS (
    SELECT p.person, epoch($we - p.last_ts) AS age_s, coalesce(f.sessions, 0) AS sessions,
        coalesce(m.spend, 0.0) AS spend, p.channels, p.kinds,
        -- least/greatest skip NULLs: clamp only real feedback, keep NULL for people without any
        CASE WHEN fb.feedback IS NOT NULL THEN least(1.0, greatest(0.0, fb.feedback)) END AS feedback
    FROM p LEFT JOIN f USING (person) LEFT JOIN m USING (person) LEFT JOIN fb USING (person)
), comp AS (
    SELECT person, feedback,
        cume_dist() OVER (ORDER BY age_s DESC) AS recency,
        CASE WHEN sessions > 0 THEN cume_dist() OVER (ORDER BY sessions) ELSE 0.0 END AS frequency,
        CASE WHEN spend > 0 THEN cume_dist() OVER (ORDER BY spend) ELSE 0.0 END AS monetary,
        (least(channels, 3) / 3.0 + least(kinds, 5) / 5.0) / 2.0 AS breadth
    FROM base
), weighted AS (
    SELECT person, recency, frequency, monetary, breadth,
        $w_recency * recency + $w_frequency * frequency + $w_monetary * monetary + $w_breadth * breadth
            + coalesce($w_feedback * feedback, 0.0) AS num,
        $w_recency + $w_frequency + $w_monetary + $w_breadth
            + CASE WHEN feedback IS NULL THEN 0.0 ELSE $w_feedback END AS den
    FROM comp
)
SELECT person, least(100.0, greatest(0.0, 100.0 * CASE WHEN den > 0 THEN num / den
    ELSE (recency + frequency + monetary + breadth) / 4.0 END)) AS score
FROM weighted
"""


def _weights(ctx: EngineContext) -> dict[str, float]:
    w = ctx.config.engagement_weights
    weights = {
        "w_recency": w.recency,
        "w_frequency": w.frequency,
        "w_monetary": w.monetary,
        "w_breadth": w.breadth,
        "w_feedback": w.feedback,
    }
    if sum(weights.values()) <= 0:
        weights = dict.fromkeys(weights, 1.0)
    return weights


def build_feedback_table(ctx: EngineContext) -> None:
    """Create `person_feedback`: every feedback signal (responses and reviews) mapped to [0, 1]."""
    ctx.execute(_FEEDBACK)


def build_scores(ctx: EngineContext, name: str, first_offset: int, last_offset: int) -> None:
    """Create table `name(person, score)` for people active on local days `D+first..D+last`."""
    sql = _SCORES.format(name=name)
    w = ctx.window
    ctx.execute(
        sql,
        ws=w.start(first_offset),
        we=w.end(last_offset),
        ws_day=w.day + timedelta(days=first_offset),
        we_day=w.day + timedelta(days=last_offset + 1),
        **_weights(ctx),
    )


def build_day_scores(ctx: EngineContext) -> None:
    """Create `score_d` (scores on D) and `score_p` (scores on D-30)."""
    build_scores(ctx, "score_d", 1 - SCORE_DAYS, 0)
    build_scores(ctx, "score_p", -30 + 1 - SCORE_DAYS, -30)


def person_scores(ctx: EngineContext) -> dict[str, float]:
    """Person id -> engagement score on D (after `build_day_scores`)."""
    return {
        str(person): round(float(score), 6) for person, score in ctx.rows("SELECT person, score FROM score_d")
    }


#: Columns of the per-person score file (`write_person_scores`).
PERSON_SCORE_COLUMNS: tuple[str, ...] = (
    "tenant_day",
    "person",
    "score",
    "score_30d_ago",
    "change",
    "at_risk",
    "last_active_day",
    "revenue_to_date",
)


def write_person_scores(ctx: EngineContext, folder: Path) -> tuple[Path, Path]:
    """Write every person's score on D as `engagement.csv` and `engagement.parquet` into `folder`.

    One row per person scored on D (sorted by person): the score, their score on D-30 when they
    were scored then, the change, and `at_risk` (a fall of `AT_RISK_DROP` points or more), the
    per-person side of `engagement_score` and `at_risk`; beside it, for acting on a person, the
    tenant-local day of their last activity (`last_active_day`, any tracked event, online or in a
    store) and the revenue of their orders up to the end of D in the order history the rollup
    keeps, a trailing year (`revenue_to_date`, 0 without orders).
    """
    folder.mkdir(parents=True, exist_ok=True)
    ctx.execute(
        """CREATE TABLE person_scores_out AS
        SELECT $d_day AS tenant_day, d.person, round(d.score, 6) AS score,
            round(p.score, 6) AS score_30d_ago, round(d.score - p.score, 6) AS change,
            coalesce(p.score - d.score >= $drop, false) AS at_risk,
            a.last_active_day, coalesce(o.revenue, 0.0) AS revenue_to_date
        FROM score_d AS d LEFT JOIN score_p AS p USING (person)
        LEFT JOIN (
            SELECT person, max(day) AS last_active_day FROM h_days WHERE day <= $d_day GROUP BY person
        ) AS a USING (person)
        LEFT JOIN (
            SELECT person, round(sum(revenue), 6) AS revenue FROM orders
            WHERE person IS NOT NULL AND ts < $d_end GROUP BY person
        ) AS o USING (person)
        ORDER BY d.person""",
        drop=AT_RISK_DROP,
    )
    csv_path, parquet_path = folder / "engagement.csv", folder / "engagement.parquet"
    ctx.backend.copy_to("SELECT * FROM person_scores_out ORDER BY person", csv_path, "csv")
    ctx.backend.copy_to("SELECT * FROM person_scores_out ORDER BY person", parquet_path, "parquet")
    ctx.execute("DROP TABLE person_scores_out")
    return csv_path, parquet_path


def compute_scores(ctx: EngineContext) -> list[MetricPoint]:
    """`engagement_score` (mean, deciles) and `at_risk` of day D (after `build_day_scores`)."""
    points: list[MetricPoint] = []
    people, mean, deciles = ctx.rows(
        "SELECT count(*), avg(score), quantile_cont(score, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) FROM score_d"
    )[0]
    if people:
        extra: dict[str, Any] = {"people": int(people), "deciles": [round(float(v), 6) for v in deciles]}
        points.append(ctx.point("engagement_score", float(mean), None, extra))
    compared, dropped = ctx.rows(
        "SELECT count(*), count(*) FILTER (WHERE p.score - d.score >= $drop) FROM score_d AS d JOIN score_p AS p USING (person)",
        drop=AT_RISK_DROP,
    )[0]
    if compared:
        points.append(ctx.point("at_risk", float(dropped), None, {"compared": int(compared)}))
    return points
