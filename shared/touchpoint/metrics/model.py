"""What a metric record says: the types of the registry (`definitions` holds the records)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Group(StrEnum):
    """The section a metric belongs to (dashboard sections, summary `group`, docs headings)."""

    DIGITAL = "digital"
    FEEDBACK = "feedback"
    COMMERCE = "commerce"
    RETENTION = "retention"
    IN_STORE = "in_store"
    COMPOSITE = "composite"


class Kind(StrEnum):
    """What a day's points are."""

    DAILY = "daily"  # one number per day (a tenant total, and one per breakdown value)
    RANKING = "ranking"  # several ranked rows per day, no total (`top_products`)
    ALIAS = "alias"  # repeats the total of another metric (`north_star`)


class Unit(StrEnum):
    """What a value measures."""

    COUNT = "count"  # events, sessions, orders, responses, ...
    PEOPLE = "people"  # distinct people
    FRACTION = "fraction"  # a share in [0, 1] (the dashboard shows percent)
    RATIO = "ratio"  # a per-session / per-person ratio, >= 0
    GROWTH = "growth"  # a relative change (0.1: +10 %)
    SECONDS = "seconds"
    HOURS = "hours"
    MONEY = "money"  # in the tenant's currency
    POINTS = "points"  # loyalty points
    NPS = "nps"  # net promoter score in [-100, 100]
    SCALE_1_5 = "scale_1_5"  # a mean of 1-5 answers or ratings
    SCALE_1_7 = "scale_1_7"  # a mean of 1-7 effort answers
    SCORE = "score"  # an engagement score in [0, 100]
    AS_METRIC = "as_metric"  # the unit of the metric a `north_star` repeats


#: One line per unit for the docs.
UNIT_TEXT: dict[Unit, str] = {
    Unit.COUNT: "count",
    Unit.PEOPLE: "distinct people",
    Unit.FRACTION: "fraction in [0, 1]",
    Unit.RATIO: "ratio (>= 0)",
    Unit.GROWTH: "relative change (0.1 = +10 %)",
    Unit.SECONDS: "seconds",
    Unit.HOURS: "hours",
    Unit.MONEY: "money (tenant currency)",
    Unit.POINTS: "loyalty points",
    Unit.NPS: "NPS points in [-100, 100]",
    Unit.SCALE_1_5: "mean on 1-5",
    Unit.SCALE_1_7: "mean on 1-7",
    Unit.SCORE: "score in [0, 100]",
    Unit.AS_METRIC: "that of the named metric",
}


class Display(StrEnum):
    """How the dashboard writes a value (with `Metric.decimals`)."""

    NUMBER = "number"  # no decimals when whole, else `decimals`
    FIXED = "fixed"  # always `decimals`
    PERCENT = "percent"  # the fraction x 100 with `decimals`, and `%`
    MONEY = "money"  # `decimals` and the currency


class Aggregation(StrEnum):
    """How the daily values of a window (alerts, summary periods) combine into one number."""

    SUM = "sum"  # counts and sums: the sum over the days
    LATEST = "latest"  # trailing-window metrics that already look back: the latest day's value
    POOLED_NPS = "pooled_nps"  # NPS from the pooled promoters / passives / detractors
    WEIGHTED_MEAN = "weighted_mean"  # the mean weighted by `Metric.weight_field` of each day
    MEAN = "mean"  # the plain mean of the daily values
    AS_METRIC = "as_metric"  # as the metric a `north_star` repeats


#: One line per aggregation for the docs.
AGGREGATION_TEXT: dict[Aggregation, str] = {
    Aggregation.SUM: "sum",
    Aggregation.LATEST: "latest day",
    Aggregation.POOLED_NPS: "pooled answers",
    Aggregation.WEIGHTED_MEAN: "mean weighted by `{weight}`",
    Aggregation.MEAN: "mean",
    Aggregation.AS_METRIC: "as the named metric",
}


class Comments(StrEnum):
    """Which comments explain a metric (the comment drill-down)."""

    ANY = "any"  # every comment of the responses
    NPS = "nps"  # comments of responses with an NPS answer
    CSAT = "csat"
    CES = "ces"

    @property
    def score_kind(self) -> str | None:
        """The answer kind a response must have, or None for any response."""
        return None if self is Comments.ANY else self.value


@dataclass(frozen=True)
class Metric:
    """Everything about one metric that is not how the engine computes it."""

    name: str
    group: Group
    label_de: str
    label_en: str
    unit: Unit
    display: Display
    decimals: int
    definition: str
    aggregation: Aggregation
    breakdowns: tuple[str, ...] = ()
    kind: Kind = Kind.DAILY
    lower_is_better: bool = False
    #: The `extra` field that counts the samples behind a day (for `WEIGHTED_MEAN` and `POOLED_NPS`).
    weight_field: str | None = None
    #: The days a value on D covers, D-(window_days-1)..D (1: the day itself).
    window_days: int = 1
    comments: Comments | None = None
    #: Fields a point's `extra` carries (documented, not validated).
    extra: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        """The display name in `de` (German) or any other language code (English)."""
        return self.label_de if lang == "de" else self.label_en
