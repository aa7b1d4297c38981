from __future__ import annotations

import pandas as pd
import pytest

from segments.importers import generic


def _frame(**overrides: str) -> pd.DataFrame:
    row = {
        "customer_id": "c1",
        "order_id": "o1",
        "date": "2024-03-05",
        "product_type": "shoes",
        "ordered_quantity": "3",
        "returned_quantity": "1",
        "total_sales": "80.50",
        "note": "ignored",
    }
    row.update(overrides)
    frame = pd.DataFrame([row], dtype=str)
    frame.index = pd.RangeIndex(2, 3)
    return frame


def test_parse_returned_units_get_negative_sign():
    line = generic.parse(_frame()).lines.loc[2]
    assert line["ordered_item_quantity"] == 3
    assert line["returned_item_quantity"] == -1
    assert line["net_quantity"] == 2
    assert line["total_sales"] == pytest.approx(80.5)
    assert line["day"] == pd.Timestamp("2024-03-05")


def test_parse_extra_columns_ignored():
    assert "note" not in generic.parse(_frame()).lines.columns


def test_parse_negative_return_amount_accepted():
    lines = generic.parse(_frame(ordered_quantity="0", total_sales="-40")).lines
    assert lines.loc[2, "total_sales"] == pytest.approx(-40.0)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("date", "05/03/2024", "not a date in the format YYYY-MM-DD"),
        ("ordered_quantity", "-2", "must not be negative"),
        ("returned_quantity", "-1", "must not be negative"),
        ("total_sales", "Infinity", "NaN or infinite number"),
        ("customer_id", "", "empty customer id"),
    ],
)
def test_parse_bad_value_refused(field, value, reason):
    result = generic.parse(_frame(**{field: value}))
    assert [(p.row, p.column, p.reason) for p in result.problems] == [(2, field, reason)]


def test_parse_missing_column_refused():
    result = generic.parse(_frame().drop(columns=["returned_quantity"]))
    assert [p.column for p in result.problems] == ["returned_quantity"]
