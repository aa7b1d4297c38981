"""Customer features from order lines: the pure pandas reference implementation.

Input: the canonical order-line frame every importer produces (customer_id, order_id, day,
product_type, ordered_item_quantity, returned_item_quantity <= 0, total_sales, ...).
Output: one row per customer who ordered at least one unit, with the study's three features
and the two extra RFM ones. The database path (segments.aggregation) must give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

FEATURE_SETS = ("study", "rfm")
STUDY_FEATURES = ("products_ordered", "average_return_rate", "total_spending")
RFM_FEATURES = ("recency_days", "order_count", "total_spending")
MODEL_FEATURES = {"study": STUDY_FEATURES, "rfm": RFM_FEATURES}
FEATURE_COLUMNS = (
    "customer_id",
    "products_ordered",
    "average_return_rate",
    "total_spending",
    "recency_days",
    "order_count",
)
BUSINESS_FEATURES = FEATURE_COLUMNS[1:]


@dataclass(frozen=True)
class CustomerFeatures:
    """Features of the customers a run can use, and who had to be left out."""

    frame: pd.DataFrame  # FEATURE_COLUMNS, one row per customer, sorted by customer_id
    excluded_customer_ids: list[str] = field(default_factory=list)  # lines but no ordered units

    @property
    def excluded_count(self) -> int:
        return len(self.excluded_customer_ids)


def build_features(lines: pd.DataFrame) -> CustomerFeatures:
    """Per-customer features from all of the customers' order lines.

    1. Number the customers (sorted by id) and their orders.
    2. Per order: ordered units U and returned units R from every line of the order, any day.
    3. Per customer: mean of min(1, R/U) over orders with U > 0, their count, the number of
       distinct product types among ordered lines, total sales floored at 0, last order day.
    4. Leave out customers who never ordered a unit, and count them.
    """
    customer_codes, customer_ids = pd.factorize(lines["customer_id"].astype(str), sort=True)
    ordered = np.asarray(lines["ordered_item_quantity"], dtype=np.int64)
    returned = np.abs(np.asarray(lines["returned_item_quantity"], dtype=np.int64))
    days = _day_numbers(lines["day"])
    n = len(customer_ids)
    rate_sum, order_count = _order_return_rates(
        customer_codes, lines["order_id"], ordered, returned, n
    )
    has_units = ordered > 0
    sales = np.bincount(customer_codes, np.asarray(lines["total_sales"], dtype=float), n)
    spending = np.maximum(np.round(sales, 2), 0.0)  # in cents, as the database sums them
    last_order_day = _max_by_code(customer_codes[has_units], days[has_units], n)
    frame = pd.DataFrame(
        {
            "customer_id": np.asarray(customer_ids, dtype=object),
            "products_ordered": _distinct_types(
                customer_codes, lines["product_type"], has_units, n
            ),
            "average_return_rate": rate_sum / np.maximum(order_count, 1),
            "total_spending": spending,
            "recency_days": (days.max(initial=0) - last_order_day) if n else last_order_day,
            "order_count": order_count,
        }
    )
    included = order_count > 0
    excluded = frame.loc[~included, "customer_id"].tolist()
    return CustomerFeatures(frame.loc[included].reset_index(drop=True), excluded)


def model_inputs(features: pd.DataFrame, feature_set: str = "study") -> np.ndarray:
    """The K-means input: log1p of the set's three features (standardised as well for rfm)."""
    if feature_set not in MODEL_FEATURES:
        raise ValueError(f"Unknown feature set {feature_set!r}; use one of {FEATURE_SETS}.")
    values = np.log1p(features.loc[:, list(MODEL_FEATURES[feature_set])].to_numpy(dtype=float))
    if feature_set == "rfm" and len(values):
        spread = values.std(axis=0)
        values = (values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    return values


def recency_from_days(last_order_day: pd.Series, last_day: object) -> np.ndarray:
    """Whole days from each customer's last order day to the last day in the data."""
    last_orders = pd.to_datetime(last_order_day).to_numpy("datetime64[D]")
    return (np.datetime64(pd.Timestamp(last_day), "D") - last_orders).astype(np.int64)


def _day_numbers(days: pd.Series) -> np.ndarray:
    return pd.to_datetime(days).to_numpy("datetime64[D]").astype(np.int64)


def _order_return_rates(
    customer_codes: np.ndarray,
    order_ids: pd.Series,
    ordered: np.ndarray,
    returned: np.ndarray,
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per customer: the sum of min(1, R/U) over orders with U > 0, and how many there are."""
    order_codes, _ = pd.factorize(order_ids.astype(str))
    # An order id is only an order within its customer: number (customer, order) pairs.
    pair_codes, _ = pd.factorize(
        customer_codes.astype(np.int64) * (order_codes.max(initial=0) + 1) + order_codes
    )
    units = np.bincount(pair_codes, ordered)
    units_returned = np.bincount(pair_codes, returned)
    order_customer = np.zeros(len(units), dtype=np.int64)
    order_customer[pair_codes] = customer_codes
    real = units > 0
    rates = np.minimum(1.0, units_returned[real] / units[real])
    rate_sum = np.bincount(order_customer[real], rates, n)
    return rate_sum, np.bincount(order_customer[real], minlength=n).astype(np.int64)


def _distinct_types(
    customer_codes: np.ndarray, product_types: pd.Series, has_units: np.ndarray, n: int
) -> np.ndarray:
    type_codes, type_names = pd.factorize(product_types.fillna("").astype(str))
    pairs = np.unique(
        customer_codes[has_units].astype(np.int64) * max(len(type_names), 1) + type_codes[has_units]
    )
    return np.bincount(pairs // max(len(type_names), 1), minlength=n).astype(np.int64)


def _max_by_code(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Largest value per code (0 for a code without values)."""
    result = np.zeros(n, dtype=np.int64)
    if len(codes):
        order = np.lexsort((values, codes))
        sorted_codes, sorted_values = codes[order], values[order]
        last_of_code = np.append(sorted_codes[1:] != sorted_codes[:-1], True)
        result[sorted_codes[last_of_code]] = sorted_values[last_of_code]
    return result
