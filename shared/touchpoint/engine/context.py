"""The state one `compute_day` run shares between metric modules, and small query helpers.

Emission rules every module follows (docs/METRICS.md: "absent, never 0 by accident"):

* A ratio or mean is emitted only when its denominator is > 0.
* A count or sum of one event kind (`orders`, `ticket_volume`, `points_earned`, ...) is emitted
  when it is > 0, or as 0 when day `D` has at least one event and the tenant tracks that kind
  (at least one such event anywhere in the inputs). A tenant that never sends social events gets
  no `social_engagement`, one that had no likes today gets 0.
* Breakdown points are emitted only for values that occur (never zero-filled), and never for a
  missing value (an event without a location adds to the total, not to a `location` point).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from touchpoint.engine.calendar import DayWindow
from touchpoint.models.metrics import MetricPoint
from touchpoint.models.tenants import TenantConfig

if TYPE_CHECKING:
    from touchpoint.engine.backend import SqlBackend

_PARAM_RE = re.compile(r"\$([a-z_][a-z0-9_]*)")

#: Tracking-plan events that are always device/system readings, whatever the tenant config says.
ALWAYS_SYSTEM_EVENTS: tuple[str, ...] = ("Foot Traffic Counted", "Follower Count Reported")


@dataclass(frozen=True)
class Group:
    """One row of a grouped query: its breakdown (`{}` for the total) and aggregate values."""

    breakdown: dict[str, str]
    values: dict[str, Any]

    def num(self, name: str) -> float:
        """An aggregate as a float (NULL counts as 0)."""
        value = self.values.get(name)
        return 0.0 if value is None else float(value)


@dataclass
class EngineContext:
    """Backend, day and tenant settings for one run; metric modules read tables through it."""

    backend: SqlBackend
    window: DayWindow
    config: TenantConfig
    tracked_events: frozenset[str] = frozenset()
    day_has_events: bool = False
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def day(self) -> date:
        """The tenant-local day being computed."""
        return self.window.day

    def base_params(self) -> dict[str, Any]:
        """Named SQL parameters every query may use (bounds are naive UTC datetimes)."""
        w = self.window
        conversion = list(self.config.conversion_events)
        system = sorted(set(self.config.system_events) | set(ALWAYS_SYSTEM_EVENTS))
        return {
            "d_start": w.start(0),  # D
            "d_end": w.end(0),
            "w7_start": w.start(-6),  # D-6..D
            "w30_start": w.start(-29),  # D-29..D
            "prev30_start": w.start(-59),  # D-59..D-30 (retention cohort)
            "d30_start": w.start(-30),  # the single day D-30
            "d30_end": w.end(-30),
            "y_start": w.start(-364),  # D-364..D
            "h2_start": w.start(-182),  # second half of the year window
            "d_day": w.day,  # the same windows as tenant-local dates (history tables have `day`)
            "w7_day": w.day - timedelta(days=6),
            "w30_day": w.day - timedelta(days=29),
            "prev30_day": w.day - timedelta(days=59),
            "conversion_events": conversion,
            "system_events": system,
            **self.params,
        }

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """Run `sql` with the named parameters it mentions (`$name`) and fetch all rows."""
        return self.backend.fetch(sql, self._bound(sql, params))

    def execute(self, sql: str, **params: Any) -> None:
        """Run a statement (CREATE ...) with the named parameters it mentions."""
        self.backend.execute(sql, self._bound(sql, params))

    def _bound(self, sql: str, params: Mapping[str, Any]) -> dict[str, Any]:
        available = {**self.base_params(), **params}
        return {name: available[name] for name in set(_PARAM_RE.findall(sql)) if name in available}

    def scalar(self, sql: str, **params: Any) -> Any:
        """The first column of the first row (None when there is no row)."""
        result = self.rows(sql, **params)
        return result[0][0] if result else None

    def grouped(
        self, source: str, dims: Sequence[tuple[str, str]], aggs: Mapping[str, str], **params: Any
    ) -> list[Group]:
        """Aggregate `source` for the total and for each single breakdown dimension.

        `dims` are `(breakdown name, column of source)`; `aggs` map names to SQL aggregates. The
        total comes first (always present, aggregates over an empty source are 0/NULL); rows
        whose dimension value is NULL are skipped.
        """
        agg_sql = ", ".join(f"{expr} AS {name}" for name, expr in aggs.items())
        if dims:
            key = " ".join(f"WHEN GROUPING({col}) = 0 THEN '{name}'" for name, col in dims)
            val = " ".join(f"WHEN GROUPING({col}) = 0 THEN CAST({col} AS VARCHAR)" for _, col in dims)
            sets = ", ".join(["()"] + [f"({col})" for _, col in dims])
            sql = (
                f"SELECT CASE {key} END AS _bk, CASE {val} END AS _bv, {agg_sql} "  # noqa: S608 - internal SQL
                f"FROM ({source}) AS src GROUP BY GROUPING SETS ({sets})"
            )
        else:
            sql = f"SELECT NULL AS _bk, NULL AS _bv, {agg_sql} FROM ({source}) AS src"  # noqa: S608 - internal
        names = list(aggs)
        total: Group | None = None
        parts: list[Group] = []
        for row in self.rows(sql, **params):
            bk, bv, *values = row
            group_values = dict(zip(names, values, strict=True))
            if bk is None:
                total = Group({}, group_values)
            elif bv is not None:
                parts.append(Group({str(bk): str(bv)}, group_values))
        if total is None:
            total = Group({}, dict.fromkeys(names))
        parts.sort(key=lambda g: sorted(g.breakdown.items()))
        return [total, *parts]

    def tracks(self, events: Iterable[str]) -> bool:
        """True when at least one of `events` occurs anywhere in the inputs."""
        return any(name in self.tracked_events for name in events)

    def point(
        self,
        metric: str,
        value: float,
        breakdown: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> MetricPoint:
        """A MetricPoint for day D."""
        return MetricPoint(
            metric=metric,
            date=self.day,
            value=clean(value),
            breakdown=dict(breakdown or {}),
            extra=dict(extra or {}),
        )


def clean(value: float) -> float:
    """A finite float with float noise removed (12 significant digits; |x| < 1e-9 is 0)."""
    if not math.isfinite(value):
        raise ValueError(f"metric value is not finite: {value}")
    if abs(value) < 1e-9:
        return 0.0
    return float(f"{value:.12g}")


def ratio(numerator: float, denominator: float) -> float | None:
    """`numerator / denominator`, or None when the denominator is 0."""
    return numerator / denominator if denominator else None


def fraction(numerator: float, denominator: float) -> float | None:
    """A share clamped to [0, 1], or None when the denominator is 0."""
    value = ratio(numerator, denominator)
    return None if value is None else min(1.0, max(0.0, value))


def window_bounds(start: datetime, end: datetime) -> dict[str, datetime]:
    """Named parameters `ws`/`we` for queries over an explicit window."""
    return {"ws": start, "we": end}
