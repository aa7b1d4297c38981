"""The orders and customers that canonical order lines imply."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def orders_from_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per order: its customer and its day.

    An order's day is the earliest day among its lines with ordered units, or its earliest
    line's day when it has none (a file holding only the order's later return).
    """
    ordering = lines["day"].where(lines["ordered_item_quantity"] > 0)
    frame = lines.assign(ordering_day=ordering, row=lines.index)
    orders = frame.groupby("order_id", sort=True).agg(
        customer_id=("customer_id", "first"),
        first_row=("row", "min"),
        ordering_day=("ordering_day", "min"),
        any_day=("day", "min"),
    )
    orders["day"] = orders["ordering_day"].fillna(orders["any_day"])
    return orders.reset_index()[["order_id", "customer_id", "day", "first_row"]]


def customers_from_orders(orders: pd.DataFrame, known_ids: Iterable[str] = ()) -> pd.DataFrame:
    """One row per customer: the first and last day of their orders.

    known_ids adds customers the file names without any imported line (say, only a return
    of an order from before the file's period): they are known, with no order days.
    """
    grouped = orders.groupby("customer_id", sort=True)["day"]
    customers = grouped.agg(first_order_day="min", last_order_day="max")
    everyone = customers.index.union(pd.Index(list(known_ids), dtype=object)).rename("customer_id")
    return customers.reindex(everyone).reset_index()
