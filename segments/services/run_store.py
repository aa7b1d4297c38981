"""Writing a run's results: its segments and one assignment per customer, fast.

The assignments travel through PostgreSQL's COPY FROM STDIN in its binary format, in batches so
memory stays flat: every column is a fixed-width number, so a batch is one numpy record array
(no text to format in Python or to parse in the database). The caller holds the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db import connection

from segments.models import Assignment

BATCH_ROWS = 100_000
# Each column's type in the table (bigint, integer, double precision), big-endian as binary
# COPY sends it; a mismatch is refused by the database, never read wrongly.
BINARY_TYPES = {
    "run_id": ">i8",
    "segment_id": ">i8",
    "customer_id": ">i8",
    "products_ordered": ">i4",
    "average_return_rate": ">f8",
    "total_spending": ">f8",
    "recency_days": ">i4",
    "order_count": ">i4",
    "input_1": ">f8",
    "input_2": ">f8",
    "input_3": ">f8",
    "distance": ">f8",
}
ASSIGNMENT_COLUMNS = tuple(BINARY_TYPES)
# Binary COPY framing: signature, flags and header extension length; -1 fields ends the data.
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
COPY_TRAILER = b"\xff\xff"


@dataclass(frozen=True)
class AssignmentRows:
    """Column arrays, one entry per customer, in ASSIGNMENT_COLUMNS order."""

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.columns["customer_id"])

    def batch(self, start: int, stop: int) -> dict[str, np.ndarray]:
        return {name: values[start:stop] for name, values in self.columns.items()}


def assignment_rows(
    run_id: int,
    segment_ids: np.ndarray,
    customer_pks: np.ndarray,
    features: dict[str, np.ndarray],
    inputs: np.ndarray,
    distances: np.ndarray,
) -> AssignmentRows:
    n = len(customer_pks)
    columns = {
        "run_id": np.full(n, run_id, dtype=np.int64),
        "segment_id": np.asarray(segment_ids, dtype=np.int64),
        "customer_id": np.asarray(customer_pks, dtype=np.int64),
        "products_ordered": np.asarray(features["products_ordered"], dtype=np.int64),
        "average_return_rate": np.asarray(features["average_return_rate"], dtype=float),
        "total_spending": np.asarray(features["total_spending"], dtype=float),
        "recency_days": np.maximum(np.asarray(features["recency_days"], dtype=np.int64), 0),
        "order_count": np.asarray(features["order_count"], dtype=np.int64),
        "input_1": inputs[:, 0].astype(float),
        "input_2": inputs[:, 1].astype(float),
        "input_3": inputs[:, 2].astype(float),
        "distance": np.asarray(distances, dtype=float),
    }
    return AssignmentRows(columns)


def write_assignments(rows: AssignmentRows) -> None:
    table = connection.ops.quote_name(Assignment._meta.db_table)
    sql = f"COPY {table} ({', '.join(ASSIGNMENT_COLUMNS)}) FROM STDIN (FORMAT binary)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(COPY_HEADER)
        for start in range(0, len(rows), BATCH_ROWS):
            copy.write(binary_tuples(rows.batch(start, start + BATCH_ROWS)))
        copy.write(COPY_TRAILER)


def binary_tuples(columns: dict[str, np.ndarray]) -> bytes:
    """Rows in COPY's binary tuple format: a field count, then each field's length and value."""
    fields = [("count", ">i2")]
    for name in ASSIGNMENT_COLUMNS:
        fields += [(f"{name}_length", ">i4"), (name, BINARY_TYPES[name])]
    tuples = np.empty(len(columns["customer_id"]), dtype=fields)
    tuples["count"] = len(ASSIGNMENT_COLUMNS)
    for name in ASSIGNMENT_COLUMNS:
        tuples[f"{name}_length"] = np.dtype(BINARY_TYPES[name]).itemsize
        tuples[name] = columns[name]
    return tuples.tobytes()
