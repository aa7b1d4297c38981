"""Customer features computed by the database, with the same numbers as segments.features.

One aggregation query (per order, then per customer) runs where the order lines are, so a run
never pulls every line into Python.

PostgreSQL-specific: the result travels as CSV through COPY TO STDOUT (much faster than
fetching rows), the query uses FILTER and LEAST, and SET LOCAL work_mem gives its hash
aggregates room.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, transaction

from segments.features import FEATURE_COLUMNS, CustomerFeatures, recency_from_days
from segments.models import Customer, OrderLine

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

FEATURES_SQL = """
WITH per_order AS (
    SELECT customer_id,
           SUM(ordered_item_quantity) AS units,
           SUM(ABS(returned_item_quantity)) AS units_returned,
           SUM(total_sales) AS sales,
           MAX(CASE WHEN ordered_item_quantity > 0 THEN day END) AS last_order_day,
           COUNT(*) AS lines, MIN(day) AS first_day, MAX(day) AS last_day
    FROM {lines}
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
    WHERE ordered_item_quantity > 0
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


def load_customer_features() -> DatabaseFeatures:
    """Every customer's features from one aggregation query, plus what data they came from.

    1. Aggregate lines per order, then per customer, in the database.
    2. Finish in pandas: mean return rate, spending floored at 0, recency, exclusions.
    """
    result = _fetch_aggregates().sort_values("customer_pk", kind="stable", ignore_index=True)
    last_day = result["last_day"].max() if len(result) else None
    included = result["order_count"].to_numpy() > 0
    used = result.loc[included].reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "customer_id": used["customer_id"].astype(str),
            "products_ordered": used["products_ordered"].astype(np.int64),
            "average_return_rate": used["rate_sum"] / used["order_count"],
            "total_spending": np.maximum(np.round(used["sales"].astype(float), 2), 0.0),
            "recency_days": recency_from_days(used["last_order_day"], last_day) if len(used) else 0,
            "order_count": used["order_count"].astype(np.int64),
        },
        columns=list(FEATURE_COLUMNS),
    )
    excluded = result.loc[~included, "customer_id"].astype(str).tolist()
    snapshot = DataSnapshot(
        lines=int(result["lines"].sum()),
        customers=len(frame),
        customers_excluded=len(excluded),
        first_day=_as_date(result["first_day"].min()) if len(result) else None,
        last_day=_as_date(last_day),
    )
    features = CustomerFeatures(frame, excluded)
    return DatabaseFeatures(features, used["customer_pk"].to_numpy(dtype=np.int64), snapshot)


def order_lines_frame() -> pd.DataFrame:
    """All order lines in the canonical frame (the pandas reference path's input)."""
    rows = OrderLine.objects.order_by("id").values_list(*CANONICAL_FIELDS.values())
    frame = pd.DataFrame.from_records(list(rows), columns=list(CANONICAL_FIELDS))
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def _fetch_aggregates() -> pd.DataFrame:
    sql = FEATURES_SQL.format(lines=connection.ops.quote_name(OrderLine._meta.db_table))
    customers_sql = (
        f"SELECT id, external_id FROM {connection.ops.quote_name(Customer._meta.db_table)}"
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        frame = _copy_to_frame(sql, list(RESULT_COLUMNS), na_column="last_order_day")
        customers = _copy_to_frame(customers_sql, ["customer_pk", "customer_id"])
    # The external ids join here rather than in SQL: a hash lookup on sorted keys is cheaper.
    customers = customers.sort_values("customer_pk", ignore_index=True)
    positions = np.searchsorted(
        customers["customer_pk"].to_numpy(), frame["customer_pk"].to_numpy()
    )
    frame.insert(1, "customer_id", customers["customer_id"].to_numpy()[positions])
    for column in ("last_order_day", "first_day", "last_day"):
        frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d")
    frame["sales"] = frame["sales"].astype(float)
    frame["rate_sum"] = frame["rate_sum"].astype(float)
    return frame


def _copy_to_frame(sql: str, columns: list[str], na_column: str | None = None) -> pd.DataFrame:
    buffer = io.BytesIO()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy,
    ):
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    return pd.read_csv(
        buffer,
        header=None,
        names=columns,
        dtype={"customer_id": str},
        keep_default_na=False,
        na_values={na_column: [""]} if na_column else None,
    )


def _as_date(value: object) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()
