"""Writing a run's results: its segments and one assignment per customer, fast.

The assignments travel through PostgreSQL's COPY FROM STDIN (CSV made by pyarrow, in batches,
so memory stays flat). The caller holds the transaction.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection

from segments.models import Assignment

BATCH_ROWS = 100_000
ASSIGNMENT_COLUMNS = (
    "run_id",
    "segment_id",
    "customer_id",
    "products_ordered",
    "average_return_rate",
    "total_spending",
    "recency_days",
    "order_count",
    "input_1",
    "input_2",
    "input_3",
    "distance",
)


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
    sql = f"COPY {table} ({', '.join(ASSIGNMENT_COLUMNS)}) FROM STDIN (FORMAT csv)"
    options = pa_csv.WriteOptions(include_header=False)
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for start in range(0, len(rows), BATCH_ROWS):
            buffer = io.BytesIO()
            pa_csv.write_csv(pa.table(rows.batch(start, start + BATCH_ROWS)), buffer, options)
            copy.write(buffer.getbuffer())
