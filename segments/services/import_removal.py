"""Removing imports: their lines, and the orders and customers no other import holds.

removal_counts() says beforehand what remove_imports() deletes, for the confirmation an Admin
answers; both use the same predicates. remove_imports() works in one transaction:

1. Gather the orders and customers the imports touched (their lines; customers whose contact
   details came from them).
2. Delete the lines, then the orders left without lines (the rest move to their earliest
   remaining day), then the customers left without lines whose contact details are not held
   by another import, with every row that belongs to them (assignments, consent history).
3. Clear the contact details the imports gave to customers that stay; the customers that stay
   get the order days and feature totals of what remains.
4. Delete the runs left without a single member (a run made only from this data), and the
   import records, and write one audit event.

PostgreSQL-specific: temporary tables and DELETE/UPDATE ... USING/FROM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import CASCADE, SET_NULL

from segments.models import (
    Assignment,
    Customer,
    DataImport,
    Order,
    OrderLine,
    SegmentationRun,
)
from segments.services import audit, customer_totals, run_summaries

LINES = OrderLine._meta.db_table
ORDERS = Order._meta.db_table
CUSTOMERS = Customer._meta.db_table
ASSIGNMENTS = Assignment._meta.db_table
BUSY = (DataImport.Status.PENDING, DataImport.Status.RUNNING)
CONTACT_FIELDS = {
    "email": "''",
    "first_name": "''",
    "last_name": "''",
    "phone": "''",
    "country": "''",
    "accepts_email_marketing": "false",
    "accepts_sms_marketing": "false",
    "contact_import_id": "NULL",
}

# What the imports touched: the orders and customers of their lines, and the customers whose
# contact details came from them. %(ids)s is the imports' ids.
TOUCHED_ORDERS = f"SELECT DISTINCT order_id AS id FROM {LINES} WHERE data_import_id = ANY(%(ids)s)"
TOUCHED_CUSTOMERS = f"""
    SELECT customer_id AS id FROM {LINES} WHERE data_import_id = ANY(%(ids)s)
    UNION SELECT id FROM {CUSTOMERS} WHERE contact_import_id = ANY(%(ids)s)
"""
# Of those, what nothing else holds: no line of another import, and contact details (if any)
# from one of these imports. {touched} is a query or a table of ids.
ORPHAN_ORDERS = f"""
    SELECT t.id FROM {{touched}} t
    WHERE NOT EXISTS (SELECT 1 FROM {LINES} l
                      WHERE l.order_id = t.id AND l.data_import_id <> ALL(%(ids)s))
"""
ORPHAN_CUSTOMERS = f"""
    SELECT c.id FROM {CUSTOMERS} c JOIN {{touched}} t ON t.id = c.id
    WHERE NOT EXISTS (SELECT 1 FROM {LINES} l
                      WHERE l.customer_id = c.id AND l.data_import_id <> ALL(%(ids)s))
      AND (c.contact_import_id IS NULL OR c.contact_import_id = ANY(%(ids)s))
"""
# Finished runs none of whose members outlive the removal. {removed} lists removed customers.
RUNS_LEFT_EMPTY = f"""
    SELECT r.id FROM {SegmentationRun._meta.db_table} r
    WHERE r.status NOT IN ('queued', 'running')
      AND EXISTS (SELECT 1 FROM {ASSIGNMENTS} a WHERE a.run_id = r.id)
      AND NOT EXISTS (SELECT 1 FROM {ASSIGNMENTS} a WHERE a.run_id = r.id
                      AND a.customer_id NOT IN (SELECT id FROM {{removed}}))
"""


class ImportBusy(Exception):
    """An import that is still waiting or running cannot be removed."""


@dataclass(frozen=True)
class RemovalCounts:
    imports: int
    lines: int
    orders: int
    customers: int
    # Customers that stay (other imports hold their orders) but lose contact details.
    contacts_cleared: int
    # Runs whose every member goes; they are deleted too.
    runs: int

    def summary(self) -> str:
        """ "1 import, 70,052 order lines, 25,000 orders, 24,990 customers" and what else went."""
        parts = [
            _count(self.imports, "import"),
            _count(self.lines, "order line"),
            _count(self.orders, "order"),
            _count(self.customers, "customer"),
        ]
        if self.contacts_cleared:
            parts.append(f"the contact details of {_count(self.contacts_cleared, 'customer')}")
        if self.runs:
            parts.append(f"{_count(self.runs, 'run')} made only from this data")
        return ", ".join(parts)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def demo_imports() -> list[DataImport]:
    return list(DataImport.objects.filter(is_demo=True).order_by("pk"))


def removal_counts(imports: Sequence[DataImport]) -> RemovalCounts:
    """What remove_imports() would delete, from read-only queries."""
    ids = [data_import.pk for data_import in imports]
    orders = ORPHAN_ORDERS.format(touched=f"({TOUCHED_ORDERS})")
    customers = ORPHAN_CUSTOMERS.format(touched=f"({TOUCHED_CUSTOMERS})")
    runs = RUNS_LEFT_EMPTY.format(removed=f"({customers}) removed")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT
                (SELECT COUNT(*) FROM {LINES} WHERE data_import_id = ANY(%(ids)s)),
                (SELECT COUNT(*) FROM ({orders}) o),
                (SELECT COUNT(*) FROM ({customers}) c),
                (SELECT COUNT(*) FROM {CUSTOMERS} WHERE contact_import_id = ANY(%(ids)s)
                    AND id NOT IN ({customers})),
                (SELECT COUNT(*) FROM ({runs}) r)""",
            {"ids": ids},
        )
        lines, orders_removed, customers_removed, contacts_cleared, runs = cursor.fetchone()
    return RemovalCounts(len(ids), lines, orders_removed, customers_removed, contacts_cleared, runs)


def remove_imports(imports: Sequence[DataImport], actor=None) -> RemovalCounts:
    """Delete the imports and the data only they hold, in one transaction (see the module)."""
    ids = [data_import.pk for data_import in imports]
    with transaction.atomic():
        locked = list(DataImport.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        if any(data_import.status in BUSY for data_import in locked):
            raise ImportBusy("An import that is waiting or running cannot be removed yet.")
        with connection.cursor() as cursor:
            counts = _remove_rows(cursor, ids)
        for data_import in locked:
            _record(data_import, counts, actor)
        DataImport.objects.filter(pk__in=ids).delete()
        run_summaries.refresh_reach()  # contact details and customers may have gone
    for data_import in locked:
        if data_import.file:
            data_import.file.delete(save=False)
    return counts


def _remove_rows(cursor, ids: list[int]) -> RemovalCounts:
    _collect(cursor, "touched_orders", TOUCHED_ORDERS, ids)
    _collect(cursor, "touched_customers", TOUCHED_CUSTOMERS, ids)
    orders = _collect(cursor, "removed_orders", ORPHAN_ORDERS.format(touched="touched_orders"), ids)
    customers = _collect(
        cursor, "removed_customers", ORPHAN_CUSTOMERS.format(touched="touched_customers"), ids
    )
    cursor.execute(RUNS_LEFT_EMPTY.format(removed="removed_customers"))
    runs = [row[0] for row in cursor.fetchall()]
    cursor.execute(f"DELETE FROM {LINES} WHERE data_import_id = ANY(%s)", [ids])
    lines = cursor.rowcount
    cursor.execute(f"DELETE FROM {ORDERS} t USING removed_orders r WHERE t.id = r.id")
    _move_orders_to_remaining_days(cursor)
    _delete_customers(cursor)
    contacts_cleared = _clear_contacts(cursor, ids)
    _narrow_order_days(cursor)
    customer_totals.refresh_customer_totals(cursor, "SELECT id FROM touched_customers")
    for name in ("touched_orders", "touched_customers", "removed_orders", "removed_customers"):
        cursor.execute(f"DROP TABLE {name}")
    SegmentationRun.objects.filter(pk__in=runs).delete()
    return RemovalCounts(len(ids), lines, orders, customers, contacts_cleared, len(runs))


def _collect(cursor, table: str, query: str, ids: list[int]) -> int:
    """A temporary table of ids from a query; returns how many."""
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TEMPORARY TABLE {table} AS {query}", {"ids": ids})
    cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id)")
    cursor.execute(f"ANALYZE {table}")
    cursor.execute(f"SELECT COUNT(*) FROM {table}")
    return cursor.fetchone()[0]


def _move_orders_to_remaining_days(cursor) -> None:
    """An order that keeps lines of another import starts on its earliest remaining line."""
    cursor.execute(
        f"""UPDATE {ORDERS} o SET day = m.day
        FROM (SELECT l.order_id, MIN(l.day) AS day FROM {LINES} l
              JOIN touched_orders t ON t.id = l.order_id GROUP BY l.order_id) m
        WHERE m.order_id = o.id AND m.day <> o.day"""
    )


def _delete_customers(cursor) -> None:
    """The customers, and each row pointing at them as Django's on_delete says."""
    for relation in Customer._meta.related_objects:
        table, column = relation.related_model._meta.db_table, relation.field.column
        on_delete = relation.field.remote_field.on_delete
        if on_delete is CASCADE:
            sql = f"DELETE FROM {table} t USING removed_customers r WHERE t.{column} = r.id"
        elif on_delete is SET_NULL:
            sql = (
                f"UPDATE {table} t SET {column} = NULL"
                f" FROM removed_customers r WHERE t.{column} = r.id"
            )
        else:
            raise NotImplementedError(f"{table}.{column}: on_delete not handled")
        cursor.execute(sql)
    cursor.execute(f"DELETE FROM {CUSTOMERS} c USING removed_customers r WHERE c.id = r.id")


def _clear_contacts(cursor, ids: list[int]) -> int:
    assignments = ", ".join(f"{column} = {value}" for column, value in CONTACT_FIELDS.items())
    cursor.execute(f"UPDATE {CUSTOMERS} SET {assignments} WHERE contact_import_id = ANY(%s)", [ids])
    return cursor.rowcount


def _narrow_order_days(cursor) -> None:
    """Customers that stay get the first and last days of the lines that remain."""
    cursor.execute(
        f"""UPDATE {CUSTOMERS} c SET first_order_day = d.first_day, last_order_day = d.last_day
        FROM (SELECT t.id, MIN(l.day) AS first_day, MAX(l.day) AS last_day
              FROM touched_customers t LEFT JOIN {LINES} l ON l.customer_id = t.id
              GROUP BY t.id) d
        WHERE d.id = c.id
          AND (c.first_order_day IS DISTINCT FROM d.first_day
               OR c.last_order_day IS DISTINCT FROM d.last_day)"""
    )


def _record(data_import: DataImport, counts: RemovalCounts, actor) -> None:
    audit.record(
        audit.Action.IMPORT_REMOVED,
        actor=actor,
        obj=data_import,
        details={
            "file_name": data_import.file_name,
            "removed_together": counts.imports,
            "lines": counts.lines,
            "orders": counts.orders,
            "customers": counts.customers,
            "contacts_cleared": counts.contacts_cleared,
            "runs": counts.runs,
        },
    )
