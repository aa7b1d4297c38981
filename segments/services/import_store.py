"""Bulk writes of an import's customers, orders and lines, chunk by chunk; the caller holds the
transaction.

Each chunk's customers and orders are staged in temporary tables through COPY, then set-based
INSERT ... ON CONFLICT DO NOTHING and UPDATE statements add what is new, so no row passes
through the ORM. An order that already belongs to another customer refuses the import.
Lines of orders this import created cannot be in the database yet: they are copied straight
into the line table. Lines of orders known before are staged and inserted unless their key is
already there. Insert row counts say what was added.

PostgreSQL-specific: COPY FROM STDIN (CSV), COPY (INSERT ... RETURNING) TO STDOUT, temporary
tables, ON CONFLICT, LEAST/GREATEST (which skip NULLs) and UPDATE ... FROM.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields

import numpy as np
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
from segments.models import Customer, DataImport, Order, OrderLine
from segments.services import customer_totals

CUSTOMER_TABLE = Customer._meta.db_table
ORDER_TABLE = Order._meta.db_table
LINE_TABLE = OrderLine._meta.db_table
IMPORT_TABLE = DataImport._meta.db_table
# The customers whose lines an import added (customer ids, repeats possible): what follows the
# chunks in save_import may read it until the transaction ends.
TOUCHED_TABLE = "import_touched_customers"
LINE_CONTENT = (
    "day date, product_title text, product_type text, variant_title text, variant_sku text, "
    "variant_id text, net_quantity integer, ordered_item_quantity integer, "
    "returned_item_quantity integer, "
    + ", ".join(f"{column} numeric(14, 2)" for column in AMOUNT_COLUMNS)
)
TEMP_TABLES = {
    # created: by this chunk; ours: by this import (this chunk or an earlier one).
    "import_customers": (
        "customer_id text, first_order_day date, last_order_day date, "
        "created boolean NOT NULL DEFAULT false, ours boolean NOT NULL DEFAULT false"
    ),
    "import_orders": "order_id text, customer_id text, day date, first_row bigint",
    "import_lines": f"line_key uuid, customer_id text, order_id text, {LINE_CONTENT}",
    # What this import created, gathered over the chunks.
    "import_our_customers": "customer_id text",
    "import_our_orders": "order_id text, id bigint, customer_id bigint",
    TOUCHED_TABLE: "customer_id bigint",
}
# Truncated for each chunk; the touched customers gather over the chunks.
CHUNK_TABLES = ("import_customers", "import_orders", "import_lines")

COPY_BATCH_ROWS = 100_000
LINE_COLUMNS = ("line_key", *CANONICAL_COLUMNS)
CONTENT_COLUMNS = tuple(
    column for column in LINE_COLUMNS if column not in ("customer_id", "order_id")
)


@dataclass(frozen=True)
class PreparedImport:
    """What one chunk of a file adds: lines with their keys, and the orders and customers
    they imply (first_row: the order's first row in the chunk)."""

    lines: pd.DataFrame
    orders: pd.DataFrame
    customers: pd.DataFrame


@dataclass
class SaveCounts:
    customers_created: int = 0
    orders_created: int = 0
    lines_imported: int = 0
    lines_already_present: int = 0

    def add(self, other: SaveCounts) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def save_import(chunks: Iterable[PreparedImport], import_id: int) -> SaveCounts:
    """Save the chunks in turn; the first order clash refuses the import. Call in
    transaction.atomic(): a refusal or failure in any chunk then undoes them all."""
    counts = SaveCounts()
    with connection.cursor() as cursor:
        # Held to the end: the lines' checks on it may be skipped (see _add_lines).
        cursor.execute(f"SELECT 1 FROM {IMPORT_TABLE} WHERE id = %s FOR KEY SHARE", [import_id])
        for name, columns in TEMP_TABLES.items():
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns}) ON COMMIT DROP")
        skip_checks = may_skip_triggers(cursor)
        for prepared in chunks:
            counts.add(_save_chunk(cursor, prepared, import_id, skip_checks))
        # Every chunk is saved: TOUCHED_TABLE lists the customers given lines.
        customer_totals.refresh_customer_totals(cursor, f"SELECT customer_id FROM {TOUCHED_TABLE}")
    return counts


def _save_chunk(cursor, prepared: PreparedImport, import_id: int, skip_checks: bool) -> SaveCounts:
    """1. stage customers and orders, 2. refuse order clashes, 3. add and widen customers and
    orders, 4. copy the lines of new orders, insert the others' new lines."""
    for name in CHUNK_TABLES:
        cursor.execute(f"TRUNCATE {name}")
    _stage(cursor, "import_customers", prepared.customers)
    _stage(cursor, "import_orders", prepared.orders)
    _refuse_order_clashes(cursor)
    customers_created = _add_customers(cursor)
    orders_created, our_orders = _add_orders(cursor, skip_checks)
    lines_imported = _add_lines(cursor, prepared.lines, our_orders, import_id, skip_checks)
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


def copy_rows_out(cursor, query: str, columns: Sequence[str]) -> pd.DataFrame:
    """The rows a query returns, read through COPY TO STDOUT (CSV) by pyarrow."""
    buffer = io.BytesIO()
    with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
        for block in copy:
            buffer.write(block)
    if not buffer.tell():
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
    buffer.seek(0)
    table = pa_csv.read_csv(
        buffer,
        read_options=pa_csv.ReadOptions(column_names=list(columns)),
        convert_options=pa_csv.ConvertOptions(column_types={columns[0]: pa.string()}),
    )
    return table.to_pandas()


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
    """Insert new customers (marked created, and ours); widen the order days of those known
    before this chunk. Returns how many were new."""
    cursor.execute(
        f"""WITH added AS (
            INSERT INTO {CUSTOMER_TABLE}
                (external_id, first_order_day, last_order_day, created_at)
            SELECT customer_id, first_order_day, last_order_day, %s FROM import_customers
            ON CONFLICT (external_id) DO NOTHING
            RETURNING external_id
        ), kept AS (
            INSERT INTO import_our_customers SELECT external_id FROM added
        )
        UPDATE import_customers t SET created = true FROM added
        WHERE t.customer_id = added.external_id""",
        [timezone.now()],
    )
    created = cursor.rowcount
    cursor.execute(
        """UPDATE import_customers t SET ours = true FROM import_our_customers o
        WHERE o.customer_id = t.customer_id"""
    )
    cursor.execute(
        f"""UPDATE {CUSTOMER_TABLE} AS c
        SET first_order_day = LEAST(c.first_order_day, t.first_order_day),
            last_order_day = GREATEST(c.last_order_day, t.last_order_day)
        FROM import_customers t
        WHERE c.external_id = t.customer_id AND NOT t.created
          AND (c.first_order_day IS NULL AND t.first_order_day IS NOT NULL
            OR c.last_order_day IS NULL AND t.last_order_day IS NOT NULL
            OR t.first_order_day < c.first_order_day OR t.last_order_day > c.last_order_day)"""
    )
    return created


def _add_orders(cursor, skip_checks: bool) -> tuple[int, pd.DataFrame]:
    """Insert new orders; move known ones to an earlier day. Returns how many were new, and
    the chunk's orders this import created (now or in an earlier chunk): their external id,
    id and customer's id.

    Orders of customers this transaction created cannot fail their foreign key (no one else
    sees those customers): they are inserted without the per-row check where the session may.
    """
    with _checks_off(cursor, skip_checks):
        created = _insert_orders(cursor, of_our_customers=True)
    created += _insert_orders(cursor, of_our_customers=False)
    cursor.execute(
        f"""UPDATE {ORDER_TABLE} AS o SET day = t.day
        FROM import_orders t JOIN import_customers s ON s.customer_id = t.customer_id
        WHERE NOT s.created AND o.external_id = t.order_id AND t.day < o.day"""
    )
    ours = copy_rows_out(
        cursor,
        """SELECT o.order_id, o.id, o.customer_id
        FROM import_our_orders o JOIN import_orders t ON t.order_id = o.order_id""",
        ("order_id", "id", "customer_id"),
    )
    return created, ours


def _insert_orders(cursor, of_our_customers: bool) -> int:
    cursor.execute(
        f"""WITH added AS (
            INSERT INTO {ORDER_TABLE} (external_id, customer_id, day)
            SELECT t.order_id, c.id, t.day
            FROM import_orders t
            JOIN import_customers s ON s.customer_id = t.customer_id AND s.ours = %s
            JOIN {CUSTOMER_TABLE} c ON c.external_id = t.customer_id
            ON CONFLICT (external_id) DO NOTHING
            RETURNING external_id, id, customer_id
        )
        INSERT INTO import_our_orders SELECT * FROM added""",
        [of_our_customers],
    )
    return cursor.rowcount


def _add_lines(
    cursor, lines: pd.DataFrame, our_orders: pd.DataFrame, import_id: int, skip_checks: bool
) -> int:
    """Copy the lines of orders this import created straight in: no stored line can have their
    keys (a key's content names its order). Insert the others' lines with new keys. Returns
    how many lines were added; their customers join the touched ones."""
    at = pd.Index(our_orders["order_id"]).get_indexer(lines["order_id"])
    fresh = at >= 0
    fresh_lines = lines.loc[fresh, list(CONTENT_COLUMNS)].assign(
        data_import_id=import_id,
        order_id=our_orders["id"].to_numpy()[at[fresh]],
        customer_id=our_orders["customer_id"].to_numpy()[at[fresh]],
    )
    # Their foreign keys cannot fail: the orders are this transaction's own (no one else
    # sees them), their customers are checked by the orders' foreign key or were created
    # here too, and the import is locked (save_import).
    with _checks_off(cursor, skip_checks):
        copy_frame(cursor, LINE_TABLE, fresh_lines)
    touched = pd.DataFrame({"customer_id": np.unique(our_orders["customer_id"].to_numpy())})
    copy_frame(cursor, TOUCHED_TABLE, touched)
    known = lines.loc[~fresh, list(LINE_COLUMNS)]
    return int(fresh.sum()) + (_insert_known_lines(cursor, known, import_id) if len(known) else 0)


@contextmanager
def _checks_off(cursor, skip_checks: bool) -> Iterator[None]:
    """Foreign keys unchecked for the statements inside, when the caller knows they hold and
    the session may set session_replication_role (replica: no triggers fire, so neither do
    the per-row foreign key checks, which cost more than a COPY itself). Not in a `finally`:
    after an error the transaction is aborted, and the setting ends with it."""
    if skip_checks:
        cursor.execute("SET LOCAL session_replication_role = replica")
    yield
    if skip_checks:
        cursor.execute("SET LOCAL session_replication_role = origin")


def may_skip_triggers(cursor) -> bool:
    """Superusers, and roles granted SET on session_replication_role (PostgreSQL 15+)."""
    cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
    return bool(cursor.fetchone()[0])


def _insert_known_lines(cursor, lines: pd.DataFrame, import_id: int) -> int:
    _stage(cursor, "import_lines", lines)
    cursor.execute(
        f"""WITH added AS (
            INSERT INTO {LINE_TABLE} ({", ".join(CONTENT_COLUMNS)}, data_import_id, order_id,
                customer_id)
            SELECT {", ".join(f"t.{column}" for column in CONTENT_COLUMNS)}, %s, o.id,
                o.customer_id
            FROM import_lines t JOIN {ORDER_TABLE} o ON o.external_id = t.order_id
            ON CONFLICT (line_key) DO NOTHING
            RETURNING customer_id
        ), touched AS (
            INSERT INTO {TOUCHED_TABLE} SELECT DISTINCT customer_id FROM added
        )
        SELECT count(*) FROM added""",
        [import_id],
    )
    return cursor.fetchone()[0]
