"""Orders, revenue, purchasers, purchase frequency, top products, retention and CLV."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.unit.engine.factories import DAY, Lake, order, page, t
from touchpoint.models.tenants import TenantConfig


def ago(days: int, hhmm: str = "10:00") -> datetime:
    return t(hhmm, DAY - timedelta(days=days))


def test_orders_revenue_aov_purchasers(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    in_store = {"channel": "in_store"}
    lake.events(
        order(t("10:00"), 100.0, order_id="o1", user="u1", context={"channel": "web"}),
        order(t("11:00"), 50.0, order_id="o2", user="u1", context={"channel": "web"}),
        order(t("12:00"), 30.0, order_id="o3", user="u2", context=in_store, props={"location_id": "store-1"}),
        # The POS sends o3 again under a new messageId: still one order.
        order(t("12:01"), 30.0, order_id="o3", user="u2", context=in_store, props={"location_id": "store-1"}),
        # No revenue property: 10 x 2 + 5 x 1 (quantity defaults to 1) = 25.
        order(
            t("13:00"), None, order_id="o4", user="u3", products=[{"price": 10, "quantity": 2}, {"price": 5}]
        ),
    )
    result = lake.run()
    assert result.value("orders") == 4
    assert result.value("revenue") == 205.0  # 100 + 50 + 30 + 25
    assert result.value("avg_order_value") == 51.25  # 205 / 4
    assert result.value("purchasers") == 3
    assert result.value("orders", channel="web") == 2
    assert result.value("avg_order_value", channel="web") == 75.0
    assert result.value("purchasers", channel="web") == 1
    assert result.value("revenue", location="store-1") == 30.0
    assert result.value("orders", channel="unknown") == 1  # a track without any channel


def test_orders_zero_on_a_day_without_orders_for_a_shop(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(order(ago(1), 10.0, user="u1"), page(t("10:00"), user="u2"))
    result = lake.run()
    assert result.value("orders") == 0.0
    assert result.value("revenue") == 0.0
    assert result.value("purchasers") == 0.0
    assert result.value("avg_order_value") is None  # 0 / 0 is no data
    assert result.value("top_products") is None


def test_purchase_frequency_30d(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        order(t("10:00"), 10.0, user="u1"),
        order(ago(10), 10.0, user="u1"),
        order(ago(40), 10.0, user="u1"),  # outside D-29..D
        order(ago(29), 10.0, user="u2"),
    )
    result = lake.run()
    assert result.value("purchase_frequency_30d") == 1.5  # 3 orders / 2 purchasers
    assert result.extra("purchase_frequency_30d") == {"orders": 3, "purchasers": 2}


def test_top_products_by_revenue(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        order(
            t("10:00"),
            70.0,
            user="u1",
            products=[
                {"product_id": "sku-a", "price": 10, "quantity": 3},
                {"product_id": "sku-b", "price": 20},
            ],
        ),
        order(
            t("11:00"),
            50.0,
            user="u2",
            products=[
                {"product_id": "sku-a", "price": 10, "quantity": 1},
                {"sku": "sku-c", "price": 40, "name": "C"},
            ],
        ),
    )
    result = lake.run()
    # sku-a: 10 x 3 + 10 x 1 = 40; sku-c: 40 (tie with sku-a, ranked by id); sku-b: 20.
    assert result.value("top_products", product="sku-a", rank="1") == 40.0
    assert result.extra("top_products", product="sku-a", rank="1") == {"quantity": 4.0, "orders": 2}
    assert result.value("top_products", product="sku-c", rank="2") == 40.0
    assert result.extra("top_products", product="sku-c", rank="2")["name"] == "C"
    assert result.value("top_products", product="sku-b", rank="3") == 20.0
    assert result.value("top_products") is None  # no total point for a ranking


def test_top_products_keeps_ten(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    products = [{"product_id": f"p{i:02d}", "price": i} for i in range(1, 13)]
    lake.events(order(t("10:00"), 78.0, user="u1", products=products))
    ranking = [p for p in lake.run().points if p.metric == "top_products"]
    assert [p.breakdown["product"] for p in ranking] == [f"p{i:02d}" for i in range(12, 2, -1)]
    assert [p.breakdown["rank"] for p in ranking] == [str(i) for i in range(1, 11)]
    assert ranking[0].value == 12.0


def test_retention_churn_and_purchaser_retention(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        # Active in D-59..D-30: p1, p2, p3, p4.
        page(ago(45), user="p1"),
        page(ago(40), user="p2"),
        page(ago(59, "00:00"), user="p3"),  # first instant of the earlier window
        page(ago(30, "23:59"), user="p4"),  # last minute of it
        # Active in D-29..D: p1, p2 (retained) and p5 (new, not part of the cohort).
        page(ago(3), user="p1"),
        page(t("10:00"), user="p2"),
        page(ago(29, "00:00"), user="p5"),
        page(ago(60), user="p6"),  # before both windows
        # Purchasers: p1 and p2 in the earlier window, p1 again in the current one.
        order(ago(40), 10.0, user="p1"),
        order(ago(35), 10.0, user="p2"),
        order(ago(5), 10.0, user="p1"),
    )
    result = lake.run()
    assert result.value("retention_rate_30d") == 0.5  # p1, p2 of p1..p4
    assert result.value("churn_rate_30d") == 0.5
    assert result.extra("retention_rate_30d") == {"cohort": 4}
    assert result.value("purchaser_retention_30d") == 0.5  # p1 of p1, p2


def test_clv_and_historic_clv(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.events(
        order(ago(300), 100.0, user="a"),  # a buys in both halves of the year
        order(ago(100), 100.0, user="a"),
        order(t("10:00"), 100.0, user="a"),
        order(ago(200), 50.0, user="b"),  # b only in the first half: churned
        order(ago(10), 150.0, user="c"),  # c only in the second half
        order(ago(400), 1000.0, user="d"),  # older than a year: historic only
    )
    result = lake.run(config=TenantConfig(gross_margin=0.5))
    # Trailing year: 5 orders, revenue 500, 3 purchasers -> AOV 100, frequency 5/3.
    # First-half purchasers {a, b}, of whom a bought again: r = 1/2, yearly retention 1/4,
    # churn 3/4, lifetime 4/3 years. CLV = 100 x 5/3 x 4/3 x 0.5 = 1000/9.
    assert result.value("clv") == pytest.approx(1000 / 9)
    extra = result.extra("clv")
    assert extra["lifetime_years"] == pytest.approx(4 / 3, abs=1e-6)
    assert extra["lifetime_basis"] == "observed"
    assert extra["gross_margin"] == 0.5
    # Historic: (500 + 1000) / 4 purchasers.
    assert result.value("historic_clv") == 375.0


def test_clv_lifetime_defaults_and_cap(tmp_path: Path) -> None:
    young = Lake(tmp_path / "young")
    young.events(order(t("10:00"), 80.0, user="a"))
    result = young.run()
    assert result.value("clv") == 80.0  # AOV 80 x frequency 1 x default lifetime 1 x margin 1
    assert result.extra("clv")["lifetime_basis"] == "default"

    loyal = Lake(tmp_path / "loyal")
    loyal.events(order(ago(300), 10.0, user="a"), order(ago(10), 10.0, user="a"))
    # Everyone from the first half bought again: churn 0 -> lifetime capped at 10 years.
    # AOV 10 x frequency 2 x 10 years = 200.
    assert loyal.run().value("clv") == 200.0
