"""The per-person score file's action columns: last active day and revenue to date, hand-computed."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

from tests.unit.engine.factories import DAY, Lake, order, page, t
from touchpoint.engine import compute_day_result
from touchpoint.engine.scoring import PERSON_SCORE_COLUMNS
from touchpoint.models.tenants import TenantConfig


def test_last_active_day_and_revenue_to_date_per_person(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        order(t("10:00", DAY - timedelta(days=40)), 30.0, order_id="o1", user="u1"),
        page(t("09:00", DAY - timedelta(days=10)), user="u1"),
        order(t("12:00", DAY - timedelta(days=5)), 12.5, order_id="o2", user="u1"),
        page(t("18:00", DAY - timedelta(days=2)), user="u1"),
        order(t("00:30", DAY + timedelta(days=1)), 99.0, order_id="o3", user="u1"),  # after D: not yet
        page(t("08:00"), user="u2"),
    )
    compute_day_result(lake.inputs(), DAY, TenantConfig(), people_out=tmp_path / "people")
    with (tmp_path / "people" / "engagement.csv").open(encoding="utf-8") as file:
        reader = csv.DictReader(file)
        assert tuple(reader.fieldnames or ()) == PERSON_SCORE_COLUMNS
        rows = {row["person"]: row for row in reader}
    assert set(rows) == {"u1", "u2"}
    # u1: last active on D-2 (the page; the D+1 order lies after D), 30.0 + 12.5 spent up to D
    assert rows["u1"]["last_active_day"] == (DAY - timedelta(days=2)).isoformat()
    assert float(rows["u1"]["revenue_to_date"]) == 42.5
    # u2: active on D itself, no orders
    assert rows["u2"]["last_active_day"] == DAY.isoformat()
    assert float(rows["u2"]["revenue_to_date"]) == 0.0
