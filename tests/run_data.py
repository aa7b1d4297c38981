"""Order lines for engine tests: hand-made fixtures, generated exports, fast database inserts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from django.db import connection, transaction

from segments import demo
from segments.models import Customer, DataImport, Order, OrderLine
from segments.services import customer_totals

LINE_COLUMNS = (
    "customer_id",
    "order_id",
    "day",
    "product_type",
    "ordered_item_quantity",
    "returned_item_quantity",
    "total_sales",
)


def lines_frame(rows: list[tuple]) -> pd.DataFrame:
    """Canonical lines from (customer, order, day, type, ordered, returned, total_sales) rows."""
    frame = pd.DataFrame(rows, columns=list(LINE_COLUMNS))
    frame["day"] = pd.to_datetime(frame["day"])
    frame["product_title"] = "Product " + frame["product_type"]
    frame["net_quantity"] = frame["ordered_item_quantity"] + frame["returned_item_quantity"]
    return frame


def demo_lines(customers: int, seed: int = 1) -> pd.DataFrame:
    """A generated Shopify export in the canonical frame (ids as text, days as dates)."""
    lines = demo.generate_orders(customers, seed).lines.copy()
    lines["customer_id"] = lines["customer_id"].astype(str)
    lines["order_id"] = lines["order_id"].astype(str)
    lines["day"] = pd.to_datetime(lines["day"], format="%d/%m/%Y")
    return lines


def groups_lines(sizes: tuple[int, ...] = (40, 30, 20), seed: int = 3) -> pd.DataFrame:
    """Customers in clearly different groups: cheap one-type returners, regulars, big spenders."""
    rng = np.random.default_rng(seed)
    rows = []
    plans = ((1, 20.0, 1), (3, 200.0, 0), (6, 3000.0, 0))  # types, spending, units returned
    for group, (size, (types, spend, returned)) in enumerate(zip(sizes, plans, strict=False)):
        for number in range(size):
            customer = f"G{group}-{number:04d}"
            for t in range(types):
                amount = round(spend / types * rng.uniform(0.9, 1.1), 2)
                rows.append((customer, f"{customer}-O{t}", f"2019-01-{1 + t % 9:02d}",
                             f"T{t}", 1, -returned, amount))  # fmt: skip
    return lines_frame(rows)


def insert_lines(lines: pd.DataFrame) -> None:
    """Customers, orders and lines straight into the database (plain executemany, no importer)."""
    data_import = DataImport.objects.create(
        file_name="test.csv", status=DataImport.Status.SUCCEEDED
    )
    Customer.objects.bulk_create(
        [Customer(external_id=c) for c in pd.unique(lines["customer_id"])], batch_size=5000
    )
    customer_pk = dict(Customer.objects.values_list("external_id", "pk"))
    orders = lines.groupby("order_id", sort=False).agg(
        customer_id=("customer_id", "first"), day=("day", "min")
    )
    _insert(
        Order,
        ("external_id", "customer_id", "day"),
        zip(
            orders.index, orders["customer_id"].map(customer_pk), _dates(orders["day"]), strict=True
        ),
    )
    order_pk = dict(Order.objects.values_list("external_id", "pk"))
    _insert(OrderLine, LINE_FIELDS, _line_rows(lines, data_import.pk, customer_pk, order_pk))
    with transaction.atomic(), connection.cursor() as cursor:
        customer_totals.rebuild_customer_totals(cursor)  # as an import would have


LINE_FIELDS = (
    "line_key", "data_import_id", "customer_id", "order_id", "day", "product_title",
    "product_type", "variant_title", "variant_sku", "variant_id", "net_quantity",
    "ordered_item_quantity", "returned_item_quantity", "gross_sales", "discounts", "returns",
    "net_sales", "taxes", "total_sales",
)  # fmt: skip


def _line_rows(lines: pd.DataFrame, import_pk: int, customer_pk: dict, order_pk: dict) -> zip:
    n = len(lines)
    ordered = lines["ordered_item_quantity"].astype(int).tolist()
    returned = lines["returned_item_quantity"].astype(int).tolist()
    title = lines["product_title"] if "product_title" in lines else pd.Series([""] * n)
    zeros = [0] * n
    return zip(
        [f"{i:032x}" for i in range(n)],
        [import_pk] * n,
        lines["customer_id"].map(customer_pk).tolist(),
        lines["order_id"].map(order_pk).tolist(),
        _dates(lines["day"]),
        title.astype(str).tolist(),
        lines["product_type"].astype(str).tolist(),
        *([""] * n for _ in range(3)),
        [o + r for o, r in zip(ordered, returned, strict=True)],
        ordered,
        returned,
        *(zeros for _ in range(5)),
        lines["total_sales"].astype(float).round(2).tolist(),
        strict=True,
    )


def _insert(model: type, fields: tuple[str, ...], rows) -> None:
    """COPY: seconds instead of minutes for big fixtures."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _dates(days: pd.Series) -> list[dt.date]:
    return [d.date() for d in pd.to_datetime(days)]
