from __future__ import annotations

import pandas as pd

from segments.importers import shopify
from segments.importers.entities import customers_from_orders, orders_from_lines
from tests.import_samples import a_few_orders, shopify_frame, shopify_row


def test_orders_from_lines_day_is_earliest_ordering_day():
    rows = [
        shopify_row(order_id="9", day="10/01/2019", ordered_item_quantity=0),
        shopify_row(order_id="9", day="12/01/2019"),
    ]
    orders = orders_from_lines(shopify.parse(shopify_frame(rows)).lines)
    assert orders.loc[0, "day"] == pd.Timestamp("2019-01-12")
    assert orders.loc[0, "first_row"] == 2


def test_orders_from_lines_return_only_order_takes_earliest_line_day():
    rows = [shopify_row(order_id="9", day="15/01/2019", ordered_item_quantity=0)]
    orders = orders_from_lines(shopify.parse(shopify_frame(rows)).lines)
    assert orders.loc[0, "day"] == pd.Timestamp("2019-01-15")


def test_customers_from_orders_first_and_last_day_plus_known_ids():
    orders = orders_from_lines(shopify.parse(shopify_frame(a_few_orders())).lines)
    customers = customers_from_orders(orders, ["77"]).set_index("customer_id")
    assert customers.loc["5000000000017", "first_order_day"] == pd.Timestamp("2019-01-05")
    assert customers.loc["5000000000017", "last_order_day"] == pd.Timestamp("2019-02-20")
    assert pd.isna(customers.loc["77", "first_order_day"])
