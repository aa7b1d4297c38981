from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from segments.features import FEATURE_COLUMNS, build_features, model_inputs
from tests.run_data import lines_frame

# (customer, order, day, product type, ordered, returned, total_sales)
FIXTURE_ROWS = [
    # A: order A1 has a return on its ordering line and one booked ten days later.
    ("A", "A1", "2019-01-01", "Shirts", 2, -1, 60.0),
    ("A", "A1", "2019-01-01", "Shoes", 1, 0, 50.0),
    ("A", "A1", "2019-01-10", "Shoes", 0, -1, -50.0),
    ("A", "A2", "2019-02-01", "Hats", 1, 0, 30.0),
    # B: returns more than was ordered and is refunded more than paid: spend floored at 0.
    ("B", "B1", "2019-01-05", "Shirts", 1, 0, 40.0),
    ("B", "B1", "2019-01-20", "Shirts", 0, -2, -55.0),
    # C: only a return: left out, and counted. Its day is the last day in the data.
    ("C", "C1", "2019-03-10", "Shirts", 0, -1, -20.0),
    # D: two lines of one product type, nothing returned.
    ("D", "D1", "2019-03-01", "Shirts", 4, 0, 100.0),
    ("D", "D1", "2019-03-01", "Shirts", 1, 0, 25.0),
]
# Worked out by hand from the rows above.
EXPECTED = pd.DataFrame(
    {
        "customer_id": ["A", "B", "D"],
        "products_ordered": [3, 1, 1],
        "average_return_rate": [(2 / 3 + 0) / 2, 1.0, 0.0],
        "total_spending": [90.0, 0.0, 125.0],
        "recency_days": [37, 64, 9],
        "order_count": [2, 1, 1],
    }
)


@pytest.fixture
def fixture_lines() -> pd.DataFrame:
    return lines_frame(FIXTURE_ROWS)


def test_build_features_fixture_matches_hand_computed_values(fixture_lines):
    result = build_features(fixture_lines)

    assert list(result.frame.columns) == list(FEATURE_COLUMNS)
    pd.testing.assert_frame_equal(result.frame, EXPECTED, check_dtype=False)


def test_build_features_customer_with_only_returns_is_excluded_and_counted(fixture_lines):
    result = build_features(fixture_lines)

    assert "C" not in set(result.frame["customer_id"])
    assert result.excluded_customer_ids == ["C"]
    assert result.excluded_count == 1


def test_build_features_return_on_later_day_counts_for_its_order(fixture_lines):
    notebook_style = fixture_lines[fixture_lines["ordered_item_quantity"] > 0]

    ours = build_features(fixture_lines).frame.set_index("customer_id")
    dropped = build_features(notebook_style).frame.set_index("customer_id")

    # Dropping lines with nothing ordered loses B's later return: its rate would read 0.
    assert ours.loc["B", "average_return_rate"] == 1.0
    assert dropped.loc["B", "average_return_rate"] == 0.0


def test_build_features_decimals_and_dates_give_the_same_numbers(fixture_lines):
    converted = fixture_lines.assign(
        total_sales=[Decimal(str(v)) for v in fixture_lines["total_sales"]],
        day=[d.date() for d in fixture_lines["day"]],
    )

    result = build_features(converted)

    pd.testing.assert_frame_equal(result.frame, EXPECTED, check_dtype=False)


def test_build_features_same_order_id_for_two_customers_stays_two_orders():
    lines = lines_frame(
        [
            ("X", "1001", "2019-01-01", "Shirts", 1, -1, 0.0),
            ("Y", "1001", "2019-01-01", "Shirts", 3, 0, 90.0),
        ]
    )

    frame = build_features(lines).frame.set_index("customer_id")

    assert frame.loc["X", "average_return_rate"] == 1.0
    assert frame.loc["Y", "average_return_rate"] == 0.0


def test_build_features_no_lines_gives_empty_frame():
    result = build_features(lines_frame([]))

    assert result.frame.empty
    assert result.excluded_count == 0


def test_model_inputs_study_is_log1p_of_the_three_features():
    inputs = model_inputs(EXPECTED, "study")

    expected = np.log1p(EXPECTED[["products_ordered", "average_return_rate", "total_spending"]])
    np.testing.assert_allclose(inputs, expected.to_numpy())


def test_model_inputs_rfm_is_standardised_log_recency_frequency_monetary():
    inputs = model_inputs(EXPECTED, "rfm")

    logs = np.log1p(EXPECTED[["recency_days", "order_count", "total_spending"]].to_numpy(float))
    expected = (logs - logs.mean(axis=0)) / logs.std(axis=0)
    np.testing.assert_allclose(inputs, expected)
    np.testing.assert_allclose(inputs.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(inputs.std(axis=0), 1.0)


def test_model_inputs_rfm_constant_column_stays_finite():
    same = EXPECTED.assign(order_count=1)

    inputs = model_inputs(same, "rfm")

    assert np.isfinite(inputs).all()
    np.testing.assert_allclose(inputs[:, 1], 0.0)


def test_model_inputs_unknown_feature_set_raises():
    with pytest.raises(ValueError, match="Unknown feature set"):
        model_inputs(EXPECTED, "colour")


def test_build_features_recency_counts_from_last_day_of_all_lines(fixture_lines):
    later = pd.concat(
        [fixture_lines, lines_frame([("E", "E1", dt.date(2019, 3, 20), "Hats", 0, -1, -5.0)])]
    )

    frame = build_features(later).frame.set_index("customer_id")

    assert frame.loc["D", "recency_days"] == 19
