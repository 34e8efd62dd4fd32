"""Retention, churn and customer lifetime value (tenant totals only, no breakdowns).

* `retention_rate_30d`: of the people with activity in D-59..D-30, the share with activity in
  D-29..D; `churn_rate_30d` = 1 - retention. `purchaser_retention_30d`: the same with orders
  (attributed to a person) instead of activity. `extra["cohort"]` is the size of the earlier group.
* `clv` = AOV x frequency x expected lifetime x `TenantConfig.gross_margin`, where AOV and
  frequency (orders per purchaser) are taken over the trailing 365 days D-364..D, so that a day
  without orders still has a CLV. Yearly purchaser churn is estimated from the two halves of that
  year: `r` = share of the purchasers of D-364..D-183 who buy again in D-182..D, yearly retention
  = `r^2`, churn = `1 - r^2`, expected lifetime = `min(10, 1 / churn)` years (10 when churn is 0).
  Without purchasers in the first half (a young tenant) the lifetime defaults to 1 year
  (`extra["lifetime_basis"] = "default"`). The inputs hold 365 days, so no older data is needed.
* `historic_clv`: revenue per purchaser over all orders in the inputs up to the end of D (the
  rollup passes a year of files, so in practice the trailing 365 days).
"""

from __future__ import annotations

from typing import Any

from touchpoint.engine.context import EngineContext
from touchpoint.models.metrics import MetricPoint

MAX_LIFETIME_YEARS = 10.0

_KEPT = "SELECT count(*) FILTER (WHERE before) AS cohort, count(*) FILTER (WHERE before AND after) AS kept"
_RETENTION = f"""
{_KEPT} FROM (
    SELECT person, bool_or(day < $w30_day) AS before, bool_or(day >= $w30_day) AS after
    FROM h_days
    WHERE person IS NOT NULL AND day >= $prev30_day AND day <= $d_day
    GROUP BY person
)
"""  # noqa: S608 - composed from constants
_PURCHASER_RETENTION = f"""
{_KEPT} FROM (
    SELECT person, bool_or(ts < $w30_start) AS before, bool_or(ts >= $w30_start) AS after
    FROM orders
    WHERE person IS NOT NULL AND ts >= $prev30_start AND ts < $d_end
    GROUP BY person
)
"""  # noqa: S608 - composed from constants

_YEAR = """
SELECT count(*) AS purchasers, sum(n) AS orders, sum(spent) AS revenue,
    count(*) FILTER (WHERE first_half) AS first_half, count(*) FILTER (WHERE first_half AND second_half) AS kept
FROM (
    SELECT person, count(*) AS n, sum(revenue) AS spent,
        bool_or(ts < $h2_start) AS first_half, bool_or(ts >= $h2_start) AS second_half
    FROM orders
    WHERE person IS NOT NULL AND ts >= $y_start AND ts < $d_end
    GROUP BY person
)
"""


def _retention_points(ctx: EngineContext) -> list[MetricPoint]:
    points: list[MetricPoint] = []
    cohort, kept = ctx.rows(_RETENTION)[0]
    if cohort:
        rate = kept / cohort
        points.append(ctx.point("retention_rate_30d", rate, None, {"cohort": int(cohort)}))
        points.append(ctx.point("churn_rate_30d", 1.0 - rate, None, {"cohort": int(cohort)}))
    cohort, kept = ctx.rows(_PURCHASER_RETENTION)[0]
    if cohort:
        points.append(ctx.point("purchaser_retention_30d", kept / cohort, None, {"cohort": int(cohort)}))
    return points


def expected_lifetime_years(first_half: int, kept: int) -> tuple[float, str]:
    """Expected customer lifetime from half-year purchaser retention (see module doc)."""
    if first_half <= 0:
        return 1.0, "default"
    yearly_churn = 1.0 - (kept / first_half) ** 2
    if yearly_churn <= 0:
        return MAX_LIFETIME_YEARS, "observed"
    return min(MAX_LIFETIME_YEARS, 1.0 / yearly_churn), "observed"


def _clv_points(ctx: EngineContext) -> list[MetricPoint]:
    points: list[MetricPoint] = []
    purchasers, orders, revenue, first_half, kept = ctx.rows(_YEAR)[0]
    if purchasers and orders:
        aov = float(revenue) / orders
        frequency = orders / purchasers
        lifetime, basis = expected_lifetime_years(int(first_half), int(kept))
        margin = ctx.config.gross_margin
        extra: dict[str, Any] = {
            "avg_order_value_365d": round(aov, 6),
            "purchase_frequency_365d": round(frequency, 6),
            "lifetime_years": round(lifetime, 6),
            "lifetime_basis": basis,
            "gross_margin": margin,
            "purchasers_365d": int(purchasers),
        }
        points.append(ctx.point("clv", aov * frequency * lifetime * margin, None, extra))
    total, buyers = ctx.rows(
        "SELECT sum(revenue), count(DISTINCT person) FROM orders WHERE person IS NOT NULL"
    )[0]
    if buyers:
        points.append(ctx.point("historic_clv", float(total) / buyers, None, {"purchasers": int(buyers)}))
    return points


def compute_retention(ctx: EngineContext) -> list[MetricPoint]:
    """Retention, churn, purchaser retention, CLV and historic CLV of day D."""
    return _retention_points(ctx) + _clv_points(ctx)
