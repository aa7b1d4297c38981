from __future__ import annotations

import struct

import numpy as np
import pytest

from segments.models import Assignment
from segments.services import run_store
from tests import factories


def one_row(**values) -> dict[str, np.ndarray]:
    row = dict.fromkeys(run_store.ASSIGNMENT_COLUMNS, 0) | values
    return {name: np.array([value]) for name, value in row.items()}


def test_binary_tuples_one_row_is_copy_binary_layout():
    row = one_row(run_id=7, customer_id=2**40, products_ordered=3, input_1=0.1, distance=-2.5)

    data = run_store.binary_tuples(row)

    formats = {">i8": "q", ">i4": "i", ">f8": "d"}  # struct's names for the same types
    expected = struct.pack(">h", 12) + b"".join(
        struct.pack(f">i{formats[kind]}", int(kind[-1]), row[name][0].item())
        for name, kind in run_store.BINARY_TYPES.items()
    )
    assert data == expected


@pytest.mark.django_db
def test_write_assignments_values_round_trip_exactly():
    segment = factories.SegmentFactory()
    customers = factories.CustomerFactory.create_batch(3)
    floats = np.array([1 / 3, 1e-300, 123456.789])
    rows = run_store.assignment_rows(
        segment.run_id,
        np.full(3, segment.pk),
        np.array([customer.pk for customer in customers]),
        {
            "products_ordered": np.array([1, 2, 2_000_000]),
            "average_return_rate": floats,
            "total_spending": floats * 7,
            "recency_days": np.array([0, 5, -3]),  # floored at 0
            "order_count": np.array([1, 9, 40]),
        },
        np.column_stack([floats, -floats, floats / 11]),
        floats + 1,
    )

    run_store.write_assignments(rows)

    stored = Assignment.objects.order_by("customer_id").values_list(*run_store.ASSIGNMENT_COLUMNS)
    columns = [rows.columns[name].tolist() for name in run_store.ASSIGNMENT_COLUMNS]
    expected = list(zip(*columns, strict=True))
    assert list(stored) == expected
    assert [row[6] for row in stored] == [0, 5, 0]
