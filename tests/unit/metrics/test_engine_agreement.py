"""The engine and the registry agree: the metrics, breakdowns and `extra` fields the engine emits
are exactly those the registry declares (over hand-made and generated days)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.unit.engine.factories import DAY, Lake, order, response, t
from tests.unit.engine.test_pipeline import rich_day
from touchpoint.engine import EngineInputs, compute_day
from touchpoint.metrics.model import Unit
from touchpoint.metrics.registry import REGISTRY
from touchpoint.models.metrics import MetricPoint
from touchpoint.models.tenants import TenantConfig
from touchpoint_testkit.synthetic import generate_day


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory) -> list[MetricPoint]:
    """The points of a rich hand-made day, a generated day, and a few rows the two leave out."""
    root = tmp_path_factory.mktemp("agreement")
    rich = Lake(root / "rich")
    (root / "rich").mkdir()
    rich_day(rich)
    # a CES answer given in a store, a product sent with its name
    rich.events(
        order(
            t("11:00"),
            12.0,
            user="u9",
            order_id="o-9",
            products=[{"product_id": "p9", "price": 12, "name": "Mug"}],
        )
    )
    rich.responses(response(t("11:30"), [("ces", 2)], channel="in_store", location="s1", user="u9"))
    points = list(rich.run().points)
    generated = generate_day(root / "gen", DAY, events=3000, people=150, responses=60, seed=3, files=2)
    inputs = EngineInputs(generated.event_files, generated.response_files, [])
    return points + compute_day(inputs, DAY, TenantConfig())


def test_the_engine_emits_exactly_the_registrys_metrics(emitted: list[MetricPoint]) -> None:
    names = {p.metric for p in emitted}
    assert names - set(REGISTRY) == set(), "the engine emits metrics the registry lacks"
    assert set(REGISTRY) - names == set(), "the registry has metrics the engine never emitted"


@pytest.mark.parametrize(("point_field", "record_field"), [("breakdown", "breakdowns"), ("extra", "extra")])
def test_every_metric_has_exactly_its_declared_breakdowns_and_extra_fields(
    emitted: list[MetricPoint], point_field: str, record_field: str
) -> None:
    found: dict[str, set[str]] = defaultdict(set)
    for point in emitted:
        found[point.metric] |= set(getattr(point, point_field))
    wrong = {
        name: (sorted(getattr(record, record_field)), sorted(found[name]))
        for name, record in REGISTRY.items()
        if set(getattr(record, record_field)) != found[name]
    }
    assert wrong == {}, f"declared vs emitted {record_field}"


#: The values each unit allows (None: no bound on that side).
_BOUNDS: dict[Unit, tuple[float | None, float | None]] = {
    Unit.COUNT: (0, None),
    Unit.PEOPLE: (0, None),
    Unit.FRACTION: (0, 1),
    Unit.RATIO: (0, None),
    Unit.GROWTH: (-1, None),
    Unit.SECONDS: (0, None),
    Unit.HOURS: (0, None),
    Unit.MONEY: (0, None),
    Unit.POINTS: (0, None),
    Unit.NPS: (-100, 100),
    Unit.SCALE_1_5: (1, 5),
    Unit.SCALE_1_7: (1, 7),
    Unit.SCORE: (0, 100),
    Unit.AS_METRIC: (None, None),
}


def test_every_value_lies_within_its_units_range(emitted: list[MetricPoint]) -> None:
    assert set(_BOUNDS) == set(Unit)
    outside = []
    for point in emitted:
        low, high = _BOUNDS[REGISTRY[point.metric].unit]
        value = point.value
        assert value is not None
        if (low is not None and value < low) or (high is not None and value > high):
            outside.append(point)
    assert outside == []
