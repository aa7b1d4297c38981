from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from segments.importers import base, shopify
from tests.import_samples import shopify_frame, shopify_row


def _log(values: pd.Series) -> base.ProblemLog:
    return base.ProblemLog(values.index)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (pd.Series([17850.0, np.nan, 1.5]), ["17850", "", "1.5"]),
        (pd.Series([5000000000017], dtype="int64"), ["5000000000017"]),
        (pd.Series([" a ", None, 3.0], dtype=object), ["a", "", "3"]),
        (pd.Series(["x", None], dtype="str"), ["x", ""]),
    ],
)
def test_as_text_any_column_type_gives_stripped_strings(values, expected):
    assert base.as_text(values).tolist() == expected


def test_as_amount_rounds_to_cents_and_logs_bad_values():
    values = pd.Series(["1.005", "2", "1e3", "abc", "-inf", "1e13"])
    log = _log(values)
    amounts = base.as_amount(values, "total_sales", log)
    assert amounts.tolist()[:3] == [pytest.approx(1.0, abs=0.01), 2.0, 1000.0]
    reasons = [p.reason for p in log.problems]
    assert reasons == ["not a number", "NaN or infinite number", "amount is too large"]


@pytest.mark.parametrize("dtype", ["str", object])
def test_as_number_plain_texts_parsed_exactly_overflow_logged(dtype):
    texts = ["+1.5", "5.", ".25", "-1E-2", "007", "0.1", "1e999"]
    values = pd.Series(texts, dtype=dtype)
    log = _log(values)
    numbers = base.as_number(values, "total_sales", log)
    assert numbers.tolist()[:-1] == [float(text) for text in texts[:-1]]
    assert [(p.row, p.reason) for p in log.problems] == [(6, "NaN or infinite number")]


def test_parse_floats_text_pyarrow_refuses_falls_back_to_pandas():
    assert base.parse_floats(pd.Series(["1", None, "0x10"], dtype=object)).isna().tolist() == [
        False,
        True,
        True,
    ]


def test_as_amount_numeric_column_nan_logged():
    values = pd.Series([1.0, np.nan, np.inf])
    log = _log(values)
    base.as_amount(values, "total_sales", log)
    assert log.total == 2


def test_as_integer_sign_rules():
    values = pd.Series(["-1", "2"])
    log = _log(values)
    base.as_integer(values, "q", log, sign=1)
    assert [(p.row, p.reason) for p in log.problems] == [(0, "must not be negative")]


def test_as_day_exact_format_and_spreadsheet_dates():
    values = pd.Series(["05/01/2019", dt.datetime(2019, 2, 3, 4, 5), "2019-01-05"], dtype=object)
    log = _log(values)
    days = base.as_day(values, "day", log, ["%d/%m/%Y"], "dd/mm/yyyy")
    assert days.tolist()[:2] == [pd.Timestamp("2019-01-05"), pd.Timestamp("2019-02-03")]
    assert [p.row for p in log.problems] == [2]


def test_as_day_out_of_range_logged():
    values = pd.Series(["01/01/1800"])
    log = _log(values)
    base.as_day(values, "day", log, ["%d/%m/%Y"], "dd/mm/yyyy")
    assert log.problems[0].reason == "date out of range"


def test_problem_log_keeps_first_hundred_by_row_counts_all():
    values = pd.Series(range(300))
    log = _log(values)
    log.add(values % 2 == 0, values, "b", "even")
    log.add(values >= 0, values, "a", "any")
    assert log.total == 450
    assert len(log.problems) == 100
    assert [(p.row, p.column) for p in log.problems[:3]] == [(0, "a"), (0, "b"), (1, "a")]


def test_select_columns_any_spelling_missing_listed():
    raw = pd.DataFrame(columns=["Customer ID", "Invoice"])
    picked, missing = base.select_columns(
        raw, {"customer_id": ("customerid",), "price": ("unitprice", "price")}
    )
    assert list(picked.columns) == ["customer_id"]
    assert missing == ["price"]


def test_finish_text_too_long_refused():
    result = shopify.parse(shopify_frame([shopify_row(order_id="o" * 65)]))
    assert [(p.column, p.reason) for p in result.problems] == [
        ("order_id", "longer than 64 characters")
    ]
