"""Customer features computed by the database, with the same numbers as segments.features.

One aggregation query (FEATURES_SQL: per order, then per customer) runs where the order lines
are; its result is stored per customer (CustomerTotals, kept current by every import through
segments.services.customer_totals), so a run reads one narrow row per customer and never pulls
order lines into Python.

PostgreSQL-specific: the query uses FILTER and LEAST; rows travel as CSV through
COPY TO STDOUT (much faster than fetching them), parsed by pyarrow.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection

from segments.features import CustomerFeatures
from segments.models import Customer, CustomerTotals, OrderLine

RESULT_COLUMNS = (
    "customer_pk",
    "products_ordered",
    "rate_sum",
    "order_count",
    "sales",
    "last_order_day",
    "lines",
    "first_day",
    "last_day",
)
RESULT_TYPES = {
    "customer_pk": pa.int64(),
    "products_ordered": pa.int64(),
    "rate_sum": pa.float64(),
    "order_count": pa.int64(),
    "sales": pa.float64(),
    "last_order_day": pa.int64(),  # day numbers from EPOCH; none without ordered units
    "lines": pa.int64(),
    "first_day": pa.int64(),
    "last_day": pa.int64(),
}
EPOCH = dt.date(1970, 1, 1)
CANONICAL_FIELDS = {
    "customer_id": "customer__external_id",
    "order_id": "order__external_id",
    "day": "day",
    "product_title": "product_title",
    "product_type": "product_type",
    "variant_title": "variant_title",
    "variant_sku": "variant_sku",
    "variant_id": "variant_id",
    "net_quantity": "net_quantity",
    "ordered_item_quantity": "ordered_item_quantity",
    "returned_item_quantity": "returned_item_quantity",
    "gross_sales": "gross_sales",
    "discounts": "discounts",
    "returns": "returns",
    "net_sales": "net_sales",
    "taxes": "taxes",
    "total_sales": "total_sales",
}

# {lines}: the order line table; {scope}: which lines' customers to aggregate ("TRUE": all).
FEATURES_SQL = """
WITH per_order AS (
    SELECT customer_id,
           SUM(ordered_item_quantity) AS units,
           SUM(ABS(returned_item_quantity)) AS units_returned,
           SUM(total_sales) AS sales,
           MAX(CASE WHEN ordered_item_quantity > 0 THEN day END) AS last_order_day,
           COUNT(*) AS lines, MIN(day) AS first_day, MAX(day) AS last_day
    FROM {lines}
    WHERE {scope}
    GROUP BY customer_id, order_id
),
per_customer AS (
    SELECT customer_id,
           COUNT(*) FILTER (WHERE units > 0) AS order_count,
           COALESCE(SUM(LEAST(1.0, units_returned::double precision / units))
                    FILTER (WHERE units > 0), 0.0) AS rate_sum,
           SUM(sales) AS sales,
           MAX(last_order_day) AS last_order_day,
           SUM(lines) AS lines, MIN(first_day) AS first_day, MAX(last_day) AS last_day
    FROM per_order
    GROUP BY customer_id
),
type_pairs AS (
    SELECT customer_id, product_type
    FROM {lines}
    WHERE ordered_item_quantity > 0 AND {scope}
    GROUP BY customer_id, product_type
),
product_types AS (
    SELECT customer_id, COUNT(*) AS products_ordered FROM type_pairs GROUP BY customer_id
)
SELECT p.customer_id, COALESCE(t.products_ordered, 0), p.rate_sum, p.order_count,
       p.sales, p.last_order_day, p.lines, p.first_day, p.last_day
FROM per_customer AS p
LEFT JOIN product_types AS t ON t.customer_id = p.customer_id
"""
# The hash aggregates need room: with the default 4 MB they spill to disk.
WORK_MEM = "256MB"


@dataclass(frozen=True)
class DataSnapshot:
    lines: int
    customers: int
    customers_excluded: int
    first_day: dt.date | None
    last_day: dt.date | None


@dataclass(frozen=True)
class DatabaseFeatures:
    features: CustomerFeatures
    customer_pks: np.ndarray  # Customer primary keys, row by row with features.frame
    snapshot: DataSnapshot


def load_customer_features(external_ids: bool = True) -> DatabaseFeatures:
    """Every customer's features from the stored totals, plus what data they came from.

    1. Read the totals, which every import keeps current (segments.services.customer_totals).
    2. Finish in numpy: mean return rate, spending floored at 0, recency, exclusions.

    external_ids=False leaves the shop's customer ids out: the frame has no customer_id column
    and the excluded customers are only counted (in the snapshot). A run needs neither, and a
    million strings cost a second and a hundred megabytes.
    """
    totals = _fetch_totals()
    included = totals["order_count"] > 0
    used = totals if included.all() else {name: values[included] for name, values in totals.items()}
    last_day = int(totals["last_day"].max()) if len(included) else None
    columns = {
        "products_ordered": used["products_ordered"],
        "average_return_rate": used["rate_sum"] / used["order_count"],
        "total_spending": np.maximum(np.round(used["sales"], 2), 0.0),
        "recency_days": (last_day or 0) - used["last_order_day"].astype(np.int64),
        "order_count": used["order_count"],
    }
    excluded = []
    if external_ids:
        columns = {"customer_id": _external_ids(used["customer_pk"]), **columns}
        excluded = _external_ids(totals["customer_pk"][~included]).tolist()
    snapshot = DataSnapshot(
        lines=int(totals["lines"].sum()),
        customers=int(included.sum()),
        customers_excluded=int((~included).sum()),
        first_day=_as_date(totals["first_day"].min()) if len(included) else None,
        last_day=_as_date(last_day),
    )
    frame = pd.DataFrame(columns, columns=list(columns))
    return DatabaseFeatures(CustomerFeatures(frame, excluded), used["customer_pk"], snapshot)


def order_lines_frame() -> pd.DataFrame:
    """All order lines in the canonical frame (the pandas reference path's input)."""
    rows = OrderLine.objects.order_by("id").values_list(*CANONICAL_FIELDS.values())
    frame = pd.DataFrame.from_records(list(rows), columns=list(CANONICAL_FIELDS))
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def _fetch_totals() -> dict[str, np.ndarray]:
    """The totals table as column arrays (days as day numbers), sorted by customer."""
    table = connection.ops.quote_name(CustomerTotals._meta.db_table)
    days = ("last_order_day", "first_day", "last_day")
    columns = [f"{c} - DATE '{EPOCH}'" if c in days else c for c in RESULT_COLUMNS]
    columns[0] = "customer_id"
    sql = f"SELECT {', '.join(columns)} FROM {table}"
    table = _copy_to_table(sql, RESULT_COLUMNS, RESULT_TYPES)
    # Sorted here, not by the database: numpy sorts a million keys in a fraction of the time.
    order = np.argsort(table["customer_pk"].to_numpy(), kind="stable")
    return {name: table[name].to_numpy(zero_copy_only=False)[order] for name in RESULT_COLUMNS}


def _external_ids(customer_pks: np.ndarray) -> np.ndarray:
    """The shop's customer ids, in the order of the given primary keys."""
    if not len(customer_pks):
        return np.array([], dtype=object)
    table = connection.ops.quote_name(Customer._meta.db_table)
    sql = f"SELECT id, external_id FROM {table}"
    customers = _copy_to_table(
        sql, ("id", "external_id"), {"id": pa.int64(), "external_id": pa.string()}
    )
    ids = customers["id"].to_numpy()
    order = np.argsort(ids)
    positions = order[np.searchsorted(ids, customer_pks, sorter=order)]
    return customers["external_id"].take(pa.array(positions)).to_numpy(zero_copy_only=False)


def _copy_to_table(sql: str, columns: tuple[str, ...], types: dict) -> pa.Table:
    """A query's result through COPY TO STDOUT, parsed by pyarrow (fast, typed)."""
    buffer = io.BytesIO()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy,
    ):
        for chunk in copy:
            buffer.write(chunk)
    if not buffer.tell():  # no rows; pyarrow refuses an empty file
        return pa.table({name: pa.array([], types[name]) for name in columns})
    buffer.seek(0)
    return pa_csv.read_csv(
        buffer,
        read_options=pa_csv.ReadOptions(column_names=list(columns)),
        convert_options=pa_csv.ConvertOptions(column_types=types, strings_can_be_null=False),
        # The system allocator hands freed memory back; pyarrow's default pool keeps it.
        memory_pool=pa.system_memory_pool(),
    )


def _as_date(day_number: object) -> dt.date | None:
    if day_number is None or pd.isna(day_number):
        return None
    return EPOCH + dt.timedelta(days=int(day_number))
