"""Per-customer totals (CustomerTotals) kept current: what a run reads instead of every line.

Distinct product types and per-order return rates do not add up, so the totals of the
customers a change touched are recomputed from all of their lines, in one statement:
segments.aggregation.FEATURES_SQL scoped to those customers. The caller holds the transaction.

PostgreSQL-specific: a temporary table of the touched customers (ANALYZEd, so a small import
reads its customers' lines by index), unnest(array), SET LOCAL.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from segments.aggregation import FEATURES_SQL, RESULT_COLUMNS, WORK_MEM
from segments.models import CustomerTotals, OrderLine

TOTALS_TABLE = CustomerTotals._meta.db_table
LINE_TABLE = OrderLine._meta.db_table
SCOPE_TABLE = "customer_totals_scope"
TOTALS_COLUMNS = ("customer_id", *RESULT_COLUMNS[1:])


def refresh_imported_customers(cursor, import_id: int) -> None:
    """After an import: the totals of every customer it added lines to."""
    refresh_customer_totals(
        cursor, f"SELECT customer_id FROM {LINE_TABLE} WHERE data_import_id = %s", [import_id]
    )


def refresh_customer_totals(
    cursor, customers: str | Sequence[int], params: Sequence[object] = ()
) -> None:
    """Recompute these customers' totals from all their lines; those without lines lose theirs.

    `customers` is a query giving customer ids (with `params`), or the ids themselves. Call it
    after lines were added or deleted, customers deleted included (their totals go too).
    """
    if isinstance(customers, str):
        scope = f"SELECT DISTINCT customer_id FROM ({customers}) AS touched (customer_id)"
    else:
        scope, params = "SELECT DISTINCT unnest(%s::bigint[]) AS customer_id", [list(customers)]
    cursor.execute(f"DROP TABLE IF EXISTS {SCOPE_TABLE}")
    cursor.execute(f"CREATE TEMPORARY TABLE {SCOPE_TABLE} AS {scope}", params)
    cursor.execute(f"ANALYZE {SCOPE_TABLE}")  # temporary tables get no statistics otherwise
    in_scope = f"customer_id IN (SELECT customer_id FROM {SCOPE_TABLE})"
    cursor.execute(f"DELETE FROM {TOTALS_TABLE} WHERE {in_scope}")
    _insert_totals(cursor, in_scope)
    cursor.execute(f"DROP TABLE {SCOPE_TABLE}")


def rebuild_customer_totals(cursor) -> None:
    """Every customer's totals from scratch (after a bulk change that bypassed the imports)."""
    cursor.execute(f"DELETE FROM {TOTALS_TABLE}")
    _insert_totals(cursor, "TRUE")


def _insert_totals(cursor, scope: str) -> None:
    cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    features = FEATURES_SQL.format(lines=connection.ops.quote_name(LINE_TABLE), scope=scope)
    cursor.execute(f"INSERT INTO {TOTALS_TABLE} ({', '.join(TOTALS_COLUMNS)}) {features}")
