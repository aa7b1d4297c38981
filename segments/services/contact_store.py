"""Bulk writes of a contacts import: customers' details and consent, and the consent history.

The file's rows are staged in a temporary table through COPY; set-based statements then add
the customers the shop knows but whose orders are not here yet, record every consent that
changes (or is known for the first time), and overwrite the details the file holds: the later
file wins. Columns the file does not have keep what an earlier import stored. The caller holds
the transaction.

PostgreSQL-specific: COPY FROM STDIN, temporary tables, INSERT ... ON CONFLICT DO NOTHING,
UPDATE ... FROM and IS DISTINCT FROM.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from django.db import connection
from django.utils import timezone

from segments.importers.contacts import CONTACT_COLUMNS
from segments.models import ConsentChange, Customer, Order
from segments.services.import_store import copy_frame

CUSTOMER_TABLE = Customer._meta.db_table
ORDER_TABLE = Order._meta.db_table
CONSENT_TABLE = ConsentChange._meta.db_table
STAGE_TABLE = "import_contacts"
STAGE_COLUMNS = (
    "customer_id text, email text, first_name text, last_name text, phone text, "
    "country text, accepts_email boolean, accepts_sms boolean"
)
# Staged column -> the customer's column.
FIELDS = {
    "email": "email",
    "first_name": "first_name",
    "last_name": "last_name",
    "phone": "phone",
    "country": "country",
    "accepts_email": "accepts_email_marketing",
    "accepts_sms": "accepts_sms_marketing",
}
CHANNELS = {"accepts_email": ConsentChange.Channel.EMAIL, "accepts_sms": ConsentChange.Channel.SMS}


@dataclass(frozen=True)
class ContactCounts:
    customers_created: int
    contacts_updated: int
    customers_without_orders: int
    consent_changes: int


def save_contacts(
    contacts: pd.DataFrame, provided: tuple[str, ...], import_id: int
) -> ContactCounts:
    """1. stage the rows, 2. count the known customers whose details change, 3. add unknown
    customers, 4. record consent changes, 5. overwrite the details the file holds, 6. count the
    file's customers without orders.
    """
    fields = {staged: column for staged, column in FIELDS.items() if staged in provided}
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE_TABLE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {STAGE_TABLE} ({STAGE_COLUMNS})")
        copy_frame(cursor, STAGE_TABLE, contacts.loc[:, list(CONTACT_COLUMNS)])
        cursor.execute(f"ANALYZE {STAGE_TABLE}")
        updated = _count_changed(cursor, fields)
        created = _add_customers(cursor)
        changes = sum(
            _record_consent(cursor, staged, channel, import_id)
            for staged, channel in CHANNELS.items()
            if staged in fields
        )
        _update_details(cursor, fields, import_id)
        without_orders = _count_without_orders(cursor)
        cursor.execute(f"DROP TABLE {STAGE_TABLE}")
    return ContactCounts(created, updated, without_orders, changes)


def _add_customers(cursor) -> int:
    cursor.execute(
        f"""INSERT INTO {CUSTOMER_TABLE} (external_id, created_at)
        SELECT customer_id, %s FROM {STAGE_TABLE}
        ON CONFLICT (external_id) DO NOTHING""",
        [timezone.now()],
    )
    return cursor.rowcount


def _record_consent(cursor, staged: str, channel: str, import_id: int) -> int:
    """A history row where the consent differs from the stored one, or was never imported."""
    column = FIELDS[staged]
    cursor.execute(
        f"""INSERT INTO {CONSENT_TABLE} (customer_id, data_import_id, changed_at, channel, accepts)
        SELECT c.id, %s, %s, %s, t.{staged}
        FROM {STAGE_TABLE} t JOIN {CUSTOMER_TABLE} c ON c.external_id = t.customer_id
        WHERE c.{column} IS DISTINCT FROM t.{staged}
           OR NOT EXISTS (
               SELECT 1 FROM {CONSENT_TABLE} h WHERE h.customer_id = c.id AND h.channel = %s
           )""",
        [import_id, timezone.now(), channel, channel],
    )
    return cursor.rowcount


def _count_changed(cursor, fields: dict[str, str]) -> int:
    """How many customers already known get details that differ from the stored ones."""
    stored = ", ".join(f"c.{column}" for column in fields.values())
    staged = ", ".join(f"t.{name}" for name in fields)
    cursor.execute(
        f"SELECT count(*) FROM {CUSTOMER_TABLE} c JOIN {STAGE_TABLE} t "
        f"ON c.external_id = t.customer_id WHERE ({stored}) IS DISTINCT FROM ({staged})"
    )
    return cursor.fetchone()[0]


def _update_details(cursor, fields: dict[str, str], import_id: int) -> None:
    """Overwrite the provided details; the customer remembers the import that set them."""
    assignments = ", ".join(f"{column} = t.{name}" for name, column in fields.items())
    cursor.execute(
        f"UPDATE {CUSTOMER_TABLE} AS c SET {assignments}, contact_import_id = %s "
        f"FROM {STAGE_TABLE} t WHERE c.external_id = t.customer_id",
        [import_id],
    )


def _count_without_orders(cursor) -> int:
    cursor.execute(
        f"""SELECT count(*) FROM {STAGE_TABLE} t
        JOIN {CUSTOMER_TABLE} c ON c.external_id = t.customer_id
        WHERE NOT EXISTS (SELECT 1 FROM {ORDER_TABLE} o WHERE o.customer_id = c.id)"""
    )
    return cursor.fetchone()[0]
