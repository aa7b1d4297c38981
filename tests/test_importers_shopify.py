from __future__ import annotations

import pandas as pd
import pytest

from segments.importers import shopify
from segments.importers.base import CANONICAL_COLUMNS
from tests.import_samples import a_few_orders, shopify_frame, shopify_row


def _reasons(result) -> set[str]:
    return {problem.reason for problem in result.problems}


def test_parse_valid_file_canonical_lines_keep_values():
    result = shopify.parse(shopify_frame(a_few_orders()))
    assert not result.refused
    assert list(result.lines.columns) == list(CANONICAL_COLUMNS)
    first = result.lines.loc[2]
    assert first["customer_id"] == "5000000000017"
    assert first["day"] == pd.Timestamp("2019-01-05")
    assert first["total_sales"] == pytest.approx(120.0)
    assert result.lines.loc[3, "returned_item_quantity"] == -2


def test_parse_large_integer_ids_stay_exact_strings():
    frame = shopify_frame([shopify_row(customer_id="9007199254740993", variant_id="")])
    lines = shopify.parse(frame).lines
    assert lines.loc[2, "customer_id"] == "9007199254740993"
    assert lines.loc[2, "variant_id"] == ""


def test_parse_day_is_day_first_never_guessed():
    lines = shopify.parse(shopify_frame([shopify_row(day="02/03/2019")])).lines
    assert lines.loc[2, "day"] == pd.Timestamp("2019-03-02")


def test_parse_missing_columns_refused_with_names():
    frame = shopify_frame([shopify_row()]).drop(columns=["taxes", "day"])
    result = shopify.parse(frame)
    assert result.refused
    assert {p.column for p in result.problems} == {"taxes", "day"}
    assert _reasons(result) == {"required column is missing"}


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("day", "2019-01-05", "not a date in the format dd/mm/yyyy"),
        ("day", "31/02/2019", "not a date in the format dd/mm/yyyy"),
        ("day", "", "missing date"),
        ("gross_sales", "12,50", "not a number"),
        ("total_sales", "NaN", "NaN or infinite number"),
        ("net_sales", "inf", "NaN or infinite number"),
        ("ordered_item_quantity", "-1", "must not be negative"),
        ("ordered_item_quantity", "1.5", "not a whole number"),
        ("returned_item_quantity", "1", "must not be positive"),
        ("customer_id", "", "empty customer id"),
        ("order_id", "  ", "empty order id"),
    ],
)
def test_parse_bad_value_refused_with_row_column_value(field, value, reason):
    result = shopify.parse(shopify_frame([shopify_row(), shopify_row(**{field: value})]))
    assert result.refused
    assert result.problems[0].row == 3
    assert result.problems[0].column == field
    assert result.problems[0].value == value.strip()
    assert result.problems[0].reason == reason
    assert result.lines.empty


def test_parse_order_with_two_customers_refused():
    rows = [shopify_row(customer_id="1", order_id="9"), shopify_row(customer_id="2", order_id="9")]
    result = shopify.parse(shopify_frame(rows))
    assert result.refused
    assert result.problems[0].row == 3
    assert "another customer" in result.problems[0].reason


def test_parse_many_problems_first_hundred_by_row_and_total():
    rows = [shopify_row(day="bad", total_sales="x") for _ in range(150)]
    result = shopify.parse(shopify_frame(rows))
    assert result.problems_total == 300
    assert result.rows_rejected == 150
    assert len(result.problems) == 100
    assert [p.row for p in result.problems[:4]] == [2, 2, 3, 3]
