"""The registry's records are consistent, and its look-ups say what the consumers relied on."""

from __future__ import annotations

import pytest

from touchpoint.metrics import Aggregation, Display, Group, Kind, Metric, Unit, UnknownMetricError, metric
from touchpoint.metrics.definitions import METRICS
from touchpoint.metrics.formulas import nps
from touchpoint.metrics.registry import (
    BREAKDOWN_NAMES,
    COMMENT_METRICS,
    LOWER_IS_BETTER,
    METRIC_NAMES,
    SUMMARY_METRICS,
    WATCHABLE_BREAKDOWNS,
    WATCHABLE_METRICS,
    group_of,
)


def test_names_are_unique_snake_case_and_labelled() -> None:
    assert len(METRIC_NAMES) == len(set(METRIC_NAMES)) == len(METRICS)
    for record in METRICS:
        assert record.name.replace("_", "").isalnum() and record.name == record.name.lower()
        assert record.label_de.strip() and record.label_en.strip(), record.name
        assert record.definition.endswith("."), record.name


@pytest.mark.parametrize("record", METRICS, ids=lambda m: m.name)
def test_each_record_is_consistent(record: Metric) -> None:
    weighted = record.aggregation in (Aggregation.POOLED_NPS, Aggregation.WEIGHTED_MEAN)
    assert (record.weight_field is not None) == weighted
    if record.weight_field is not None:
        assert record.weight_field in record.extra  # the points carry their weight
    if record.aggregation is Aggregation.LATEST:
        assert record.window_days > 1  # only metrics that already look back take the latest day
    if record.display is Display.PERCENT:
        assert record.unit in (Unit.FRACTION, Unit.GROWTH)
    if record.display is Display.MONEY:
        assert record.unit is Unit.MONEY
    if record.comments is not None:
        assert record.group is Group.FEEDBACK
    assert (record.kind is Kind.ALIAS) == (record.aggregation is Aggregation.AS_METRIC)
    assert record.window_days >= 1 and 0 <= record.decimals <= 2


def test_lookups_keep_what_the_consumers_had() -> None:
    assert set(BREAKDOWN_NAMES) == {
        "channel",
        "platform",
        "source",
        "event",
        "location",
        "survey",
        "kind",
        "product",
        "rank",
    }
    assert set(WATCHABLE_BREAKDOWNS) == BREAKDOWN_NAMES - {"product", "rank"}
    assert set(METRIC_NAMES) - set(WATCHABLE_METRICS) == {"top_products"}
    assert set(METRIC_NAMES) - set(SUMMARY_METRICS) == {"top_products", "north_star"}
    assert set(LOWER_IS_BETTER) == {
        "bounce_rate",
        "ces",
        "ticket_volume",
        "negative_comment_share",
        "negative_review_share",
        "median_first_response_hours",
        "churn_rate_30d",
        "at_risk",
    }
    assert COMMENT_METRICS == {
        "nps": "nps",
        "nps_30d": "nps",
        "csat": "csat",
        "csat_satisfied_rate": "csat",
        "ces": "ces",
        "responses": None,
        "comment_count": None,
        "negative_comment_share": None,
    }
    assert group_of("clv") is Group.COMMERCE and group_of("churn_rate_30d") is Group.RETENTION
    assert group_of("top_products") is None and group_of("north_star") is None and group_of("nope") is None


def test_an_unknown_name_is_a_clear_error() -> None:
    assert metric("nps").label("de") == "NPS"
    assert metric("foot_traffic").label("en") == "Foot traffic"
    with pytest.raises(UnknownMetricError, match="nope"):
        metric("nope")


def test_the_one_nps_formula() -> None:
    # 5 promoters, 3 passives, 2 detractors: 100 x (5 - 2) / 10 = 30
    assert nps(5, 2, 10) == 30.0
    # only detractors: 100 x (0 - 4) / 4 = -100
    assert nps(0, 4, 4) == -100.0
    assert nps(0, 0, 0) is None
