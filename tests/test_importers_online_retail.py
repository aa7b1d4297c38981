from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segments.importers import online_retail
from segments.importers.readers import read_table

ROWS = [
    # InvoiceNo, StockCode, Quantity, InvoiceDate, UnitPrice, CustomerID
    ("536365", "A1", 6, "2010-12-01 08:26:00", 2.55, 17850.0),
    ("536366", "B2", 2, "2010-12-02 09:00:00", 1.00, 17850.0),
    ("536367", "A1", 1, "2010-12-03 09:00:00", 1.00, 17850.0),
    ("C536368", "A1", -2, "2010-12-05 10:00:00", 2.55, 17850.0),  # -> 536367 (latest with A1)
    ("C536369", "Z9", -1, "2010-12-05 11:00:00", 3.00, 17850.0),  # -> 536367 (latest of all)
    ("C536370", "A1", -1, "2010-12-01 08:00:00", 2.55, 12346.0),  # nothing earlier: unmatched
    ("536371", "A1", 5, "2010-12-06 10:00:00", 2.55, np.nan),  # guest
    ("536372", "A1", -5, "2010-12-06 10:00:00", 0.0, 12346.0),  # stock adjustment
    ("A536373", "B", 1, "2010-12-06 10:00:00", -11062.06, 12346.0),  # bad debt
    ("536374", "A1", 3, "2010-12-07 10:00:00", 2.55, 12346.0),
]


def _frame(rows=ROWS, *, spelling="I") -> pd.DataFrame:
    names = ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"]
    if spelling == "II":
        names = ["Invoice", "StockCode", "Quantity", "InvoiceDate", "Price", "Customer ID"]
    frame = pd.DataFrame(rows, columns=names).assign(Description="THING", Country="UK")
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


def test_parse_cancellations_tied_to_latest_earlier_invoice():
    lines = online_retail.parse(_frame()).lines
    assert lines.loc[5, "order_id"] == "536367"
    assert lines.loc[6, "order_id"] == "536367"


def test_parse_return_keeps_own_day_and_negative_amounts():
    line = online_retail.parse(_frame()).lines.loc[5]
    assert line["day"] == pd.Timestamp("2010-12-05")
    assert line["returned_item_quantity"] == -2
    assert line["ordered_item_quantity"] == 0
    assert line["total_sales"] == pytest.approx(-5.10)


def test_parse_skips_counted_by_reason():
    result = online_retail.parse(_frame())
    assert result.skipped == {
        online_retail.NO_CUSTOMER: 1,
        online_retail.STOCK_ADJUSTMENT: 1,
        online_retail.BAD_DEBT: 1,
        online_retail.UNMATCHED_RETURN: 1,
    }
    assert result.unmatched_returns == 1
    assert sorted(result.lines.index) == [2, 3, 4, 5, 6, 11]


def test_parse_float_customer_id_becomes_integer_text():
    assert set(online_retail.parse(_frame()).lines["customer_id"]) == {"17850", "12346"}


def test_parse_purchase_amount_is_quantity_times_price():
    line = online_retail.parse(_frame()).lines.loc[2]
    assert line["total_sales"] == pytest.approx(15.30)
    assert line["product_type"] == "A1"
    assert line["product_title"] == "THING"


def test_parse_online_retail_ii_spelling_and_us_dates():
    rows = [(*row[:3], "12/1/2010 8:26", *row[4:]) for row in ROWS[:2]]
    result = online_retail.parse(_frame(rows, spelling="II"))
    assert not result.refused
    assert result.lines.loc[2, "day"] == pd.Timestamp("2010-12-01")


def test_parse_timestamp_column_accepted():
    frame = _frame().assign(InvoiceDate=lambda f: pd.to_datetime(f["InvoiceDate"]))
    assert online_retail.parse(frame).lines.loc[3, "day"] == pd.Timestamp("2010-12-02")


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("InvoiceDate", "01.12.2010 08:26", "not a date"),
        ("Quantity", "six", "not a number"),
        ("UnitPrice", "nan", "NaN or infinite number"),
    ],
)
def test_parse_bad_value_on_customer_row_refused(column, value, reason):
    frame = _frame().astype({column: object})
    frame.loc[3, column] = value
    result = online_retail.parse(frame)
    assert result.refused
    assert (result.problems[0].row, result.problems[0].column) == (3, column)
    assert reason in result.problems[0].reason


def test_parse_missing_customer_column_refused():
    result = online_retail.parse(_frame().drop(columns=["CustomerID"]))
    assert [p.column for p in result.problems] == ["customer_id"]


@pytest.mark.shared_data
@pytest.mark.parametrize("folder", ["online-retail", "online-retail-ii-2009-2010"])
def test_parse_real_file_counts_match_independent_count(shared_dir, folder):
    path = shared_dir / "data" / folder / "online_retail.parquet"
    raw = read_table(path)
    result = online_retail.parse(raw)
    expected = _independent_counts(pd.read_parquet(path))
    lines = result.lines
    purchases = lines[lines["ordered_item_quantity"] > 0]
    returns = lines[lines["returned_item_quantity"] < 0]
    assert purchases["order_id"].nunique() == expected["orders"]
    assert len(returns) == expected["matched_returns"]
    assert result.unmatched_returns == expected["unmatched_returns"]
    assert result.skipped[online_retail.NO_CUSTOMER] == expected["guest_rows"]


def _independent_counts(data: pd.DataFrame) -> dict[str, int]:
    """Plain pandas over the raw file, written without the importer's code."""
    data = data.rename(columns={"Invoice": "InvoiceNo", "Customer ID": "CustomerID"})
    stamp = pd.to_datetime(data["InvoiceDate"])
    invoice = data["InvoiceNo"].astype(str)
    has_customer = data["CustomerID"].notna()
    cancelled = invoice.str.startswith("C")
    ordinary = ~cancelled & ~invoice.str.startswith("A")
    purchase = has_customer & ordinary & (data["Quantity"] > 0)
    first_purchase = stamp[purchase].groupby(data["CustomerID"][purchase]).min()
    returns = has_customer & cancelled & (data["Quantity"] < 0)
    earliest = data["CustomerID"][returns].map(first_purchase)
    matched = earliest.notna() & (earliest < stamp[returns])
    return {
        "orders": invoice[purchase].nunique(),
        "matched_returns": int(matched.sum()),
        "unmatched_returns": int((~matched).sum()),
        "guest_rows": int((~has_customer).sum()),
    }
