"""Bulk writes of an import's customers, orders and lines; the caller holds the transaction.

The file's rows are staged in temporary tables through COPY, then set-based
INSERT ... ON CONFLICT DO NOTHING and UPDATE statements add what is new, so no row passes
through the ORM. An order that already belongs to another customer refuses the import; insert
row counts say what was added.

PostgreSQL-specific: COPY FROM STDIN (CSV), temporary tables, ON CONFLICT, LEAST/GREATEST
(which skip NULLs) and UPDATE ... FROM.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection
from django.utils import timezone

from segments.importers.base import (
    AMOUNT_COLUMNS,
    CANONICAL_COLUMNS,
    MAX_REPORTED_PROBLEMS,
    ImportRefused,
    Problem,
)
from segments.models import Customer, Order, OrderLine
from segments.services import customer_totals

CUSTOMER_TABLE = Customer._meta.db_table
ORDER_TABLE = Order._meta.db_table
LINE_TABLE = OrderLine._meta.db_table
TEMP_TABLES = {
    "import_customers": "customer_id text, first_order_day date, last_order_day date",
    "import_orders": "order_id text, customer_id text, day date, first_row bigint",
    "import_lines": (
        "line_key text, customer_id text, order_id text, day date, product_title text, "
        "product_type text, variant_title text, variant_sku text, variant_id text, "
        "net_quantity integer, ordered_item_quantity integer, returned_item_quantity integer, "
        + ", ".join(f"{column} numeric(14, 2)" for column in AMOUNT_COLUMNS)
    ),
}

COPY_BATCH_ROWS = 100_000
LINE_COLUMNS = ("line_key", *CANONICAL_COLUMNS)
Progress = Callable[[int], None]


@dataclass(frozen=True)
class PreparedImport:
    """What one file adds: lines with their keys, and the orders and customers they imply."""

    lines: pd.DataFrame
    orders: pd.DataFrame
    customers: pd.DataFrame


@dataclass(frozen=True)
class SaveCounts:
    customers_created: int
    orders_created: int
    lines_imported: int
    lines_already_present: int


def save_import(prepared: PreparedImport, import_id: int, progress: Progress) -> SaveCounts:
    """1. stage customers and orders, 2. refuse order clashes, 3. add and widen customers and
    orders, 4. stage the lines and add those whose keys are new. Call in transaction.atomic().
    """
    with connection.cursor() as cursor:
        for name, columns in TEMP_TABLES.items():
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns})")
        _stage(cursor, "import_customers", prepared.customers)
        _stage(cursor, "import_orders", prepared.orders)
        _refuse_order_clashes(cursor)
        customers_created = _add_customers(cursor)
        orders_created = _add_orders(cursor)
        progress(70)
        _stage(cursor, "import_lines", prepared.lines.loc[:, list(LINE_COLUMNS)])
        progress(85)
        lines_imported = _add_lines(cursor, import_id)
        for name in TEMP_TABLES:
            cursor.execute(f"DROP TABLE {name}")
        customer_totals.refresh_imported_customers(cursor, import_id)
    return SaveCounts(
        customers_created=customers_created,
        orders_created=orders_created,
        lines_imported=lines_imported,
        lines_already_present=len(prepared.lines) - lines_imported,
    )


def order_conflict_problems(
    clashes: Sequence[tuple[str, str, str, int]], total: int
) -> ImportRefused:
    problems = [
        Problem(int(row), "customer_id", customer, f"order {order} belongs to customer {owner}")
        for order, customer, owner, row in clashes[:MAX_REPORTED_PROBLEMS]
    ]
    return ImportRefused(problems, total)


# Staging ---------------------------------------------------------------------------------


def _stage(cursor, table: str, frame: pd.DataFrame) -> None:
    copy_frame(cursor, table, frame)
    cursor.execute(f"ANALYZE {table}")  # temporary tables get no statistics otherwise


def copy_frame(cursor, table: str, frame: pd.DataFrame) -> None:
    """Stream a frame into a table as CSV, in batches (pyarrow writes CSV fast).

    Empty strings stay empty strings (pyarrow quotes them); missing values become NULL.
    """
    frame = _with_dates(frame)
    options = pa_csv.WriteOptions(include_header=False)
    with cursor.copy(f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN (FORMAT csv)") as copy:
        for start in range(0, len(frame), COPY_BATCH_ROWS):
            part = frame.iloc[start : start + COPY_BATCH_ROWS]
            buffer = io.BytesIO()
            pa_csv.write_csv(pa.Table.from_pandas(part, preserve_index=False), buffer, options)
            copy.write(buffer.getvalue())


def _with_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Days as ISO date strings (None when missing), as COPY reads dates."""
    dated = frame.copy()
    for column in dated.columns:
        if pd.api.types.is_datetime64_any_dtype(dated[column].dtype):
            text = dated[column].dt.strftime("%Y-%m-%d")
            dated[column] = text.astype(object).where(dated[column].notna(), None)
    return dated


# Set-based writes --------------------------------------------------------------------------


def _refuse_order_clashes(cursor) -> None:
    cursor.execute(
        f"""SELECT t.order_id, t.customer_id, c.external_id, t.first_row
        FROM import_orders t
        JOIN {ORDER_TABLE} o ON o.external_id = t.order_id
        JOIN {CUSTOMER_TABLE} c ON c.id = o.customer_id
        WHERE c.external_id <> t.customer_id
        ORDER BY t.first_row"""
    )
    clashes = cursor.fetchall()
    if clashes:
        raise order_conflict_problems(clashes, len(clashes))


def _add_customers(cursor) -> int:
    """Insert new customers; widen the order days of known ones. Returns how many were new."""
    cursor.execute(
        f"""INSERT INTO {CUSTOMER_TABLE} (external_id, first_order_day, last_order_day, created_at)
        SELECT customer_id, first_order_day, last_order_day, %s FROM import_customers
        ON CONFLICT (external_id) DO NOTHING""",
        [timezone.now()],
    )
    created = cursor.rowcount
    cursor.execute(
        f"""UPDATE {CUSTOMER_TABLE} AS c
        SET first_order_day = LEAST(c.first_order_day, t.first_order_day),
            last_order_day = GREATEST(c.last_order_day, t.last_order_day)
        FROM import_customers t
        WHERE c.external_id = t.customer_id
          AND (c.first_order_day IS NULL AND t.first_order_day IS NOT NULL
            OR c.last_order_day IS NULL AND t.last_order_day IS NOT NULL
            OR t.first_order_day < c.first_order_day OR t.last_order_day > c.last_order_day)"""
    )
    return created


def _add_orders(cursor) -> int:
    """Insert new orders; move known ones to an earlier day. Returns how many were new."""
    cursor.execute(
        f"""INSERT INTO {ORDER_TABLE} (external_id, customer_id, day)
        SELECT t.order_id, c.id, t.day
        FROM import_orders t JOIN {CUSTOMER_TABLE} c ON c.external_id = t.customer_id
        ON CONFLICT (external_id) DO NOTHING"""
    )
    created = cursor.rowcount
    cursor.execute(
        f"""UPDATE {ORDER_TABLE} AS o SET day = t.day FROM import_orders t
        WHERE o.external_id = t.order_id AND t.day < o.day"""
    )
    return created


def _add_lines(cursor, import_id: int) -> int:
    columns = [column for column in LINE_COLUMNS if column not in ("customer_id", "order_id")]
    cursor.execute(
        f"""INSERT INTO {LINE_TABLE}
            ({", ".join(columns)}, data_import_id, order_id, customer_id)
        SELECT {", ".join(f"t.{column}" for column in columns)}, %s, o.id, o.customer_id
        FROM import_lines t JOIN {ORDER_TABLE} o ON o.external_id = t.order_id
        ON CONFLICT (line_key) DO NOTHING""",
        [import_id],
    )
    return cursor.rowcount
