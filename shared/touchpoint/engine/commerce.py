"""Customers and commerce: orders, revenue, purchasers, purchase frequency and top products.

Breakdowns: `channel` (the order event's channel) and `location` for `orders`, `revenue`,
`avg_order_value`, `purchasers` and `purchase_frequency_30d`.

Rules where docs/METRICS.md leaves details open:

* Orders are `Order Completed` events made distinct by `properties.order_id` (a POS that sends an
  order twice under two messageIds counts once; the earliest event wins, so a resent order counts
  on its first day); events without an `order_id` are distinct by `messageId`.
* Revenue of an order: see `loading` (`revenue`, else `total`, else the products' sum).
* `purchasers` and `purchase_frequency_30d` only see orders attributed to a person;
  `orders`/`revenue` count every order.
* `top_products`: the ten products with the highest revenue on D (`price x quantity`, quantity 1
  when missing, from `products[]`; product id = `product_id`, else `sku`). One point per product:
  `value` = its revenue, `breakdown = {"product": <id>, "rank": "1".."10"}`, `extra` =
  `{"quantity": units, "orders": orders with it}` (+ `"name"` when sent). Ties: by product id.
  There is no total point for `top_products`.
"""

from __future__ import annotations

from touchpoint.engine.context import EngineContext, ratio
from touchpoint.models.metrics import MetricPoint

_DIMS = (("channel", "channel"), ("location", "location"))

_ORDERS = """
CREATE TABLE orders AS
SELECT * EXCLUDE (message_id) FROM (
    SELECT DISTINCT ON (order_key) order_key, message_id, person, ts, revenue, channel, location, products
    FROM (
        SELECT coalesce(order_id, message_id, 'no-id:' || uuid()::VARCHAR) AS order_key,
            message_id, person, ts, revenue, channel, location, products
        FROM plan_ev
        WHERE event = 'Order Completed' AND ts < $d_end
    )
    ORDER BY order_key, ts, message_id
)
"""

_TOP_PRODUCTS = """
SELECT product, sum(coalesce(price, 0.0) * qty) AS revenue, sum(qty) AS quantity,
    count(DISTINCT order_key) AS orders, min(name) AS name
FROM (
    SELECT order_key,
        coalesce(nullif(trim(p.product_id), ''), nullif(trim(p.sku), '')) AS product,
        nullif(trim(p.name), '') AS name,
        TRY_CAST(p.price AS DOUBLE) AS price,
        coalesce(TRY_CAST(p.quantity AS DOUBLE), 1.0) AS qty
    FROM (SELECT order_key, unnest(products) AS p FROM orders WHERE ts >= $d_start AND ts < $d_end)
)
WHERE product IS NOT NULL
GROUP BY product
ORDER BY revenue DESC, product
LIMIT 10
"""


def build_orders(ctx: EngineContext) -> None:
    """Create table `orders`: one row per distinct order up to the end of D, with its person."""
    ctx.execute(_ORDERS)


def _order_points(ctx: EngineContext) -> list[MetricPoint]:
    source = "SELECT * FROM orders WHERE ts >= $d_start AND ts < $d_end"
    aggs = {"orders": "count(*)", "revenue": "sum(revenue)", "purchasers": "count(DISTINCT person)"}
    groups = ctx.grouped(source, _DIMS, aggs)
    if groups[0].num("orders") <= 0 and not (ctx.day_has_events and ctx.tracks(["Order Completed"])):
        return []
    points: list[MetricPoint] = []
    for g in groups:
        orders = g.num("orders")
        if orders <= 0 and g.breakdown:
            continue
        points.append(ctx.point("orders", orders, g.breakdown))
        points.append(ctx.point("revenue", g.num("revenue"), g.breakdown))
        points.append(ctx.point("purchasers", g.num("purchasers"), g.breakdown))
        aov = ratio(g.num("revenue"), orders)
        if aov is not None:
            points.append(ctx.point("avg_order_value", aov, g.breakdown))
    return points


def _frequency_points(ctx: EngineContext) -> list[MetricPoint]:
    source = "SELECT * FROM orders WHERE person IS NOT NULL AND ts >= $w30_start AND ts < $d_end"
    groups = ctx.grouped(source, _DIMS, {"orders": "count(*)", "purchasers": "count(DISTINCT person)"})
    points: list[MetricPoint] = []
    for g in groups:
        value = ratio(g.num("orders"), g.num("purchasers"))
        if value is not None:
            extra = {"orders": int(g.num("orders")), "purchasers": int(g.num("purchasers"))}
            points.append(ctx.point("purchase_frequency_30d", value, g.breakdown, extra))
    return points


def _top_products(ctx: EngineContext) -> list[MetricPoint]:
    points: list[MetricPoint] = []
    for rank, (product, revenue, quantity, orders, name) in enumerate(ctx.rows(_TOP_PRODUCTS), start=1):
        extra: dict[str, object] = {"quantity": float(quantity), "orders": int(orders)}
        if name is not None:
            extra["name"] = str(name)
        points.append(
            ctx.point("top_products", float(revenue), {"product": str(product), "rank": str(rank)}, extra)
        )
    return points


def compute_commerce(ctx: EngineContext) -> list[MetricPoint]:
    """Orders, revenue, average order value, purchasers, purchase frequency and top products of D."""
    return _order_points(ctx) + _frequency_points(ctx) + _top_products(ctx)
