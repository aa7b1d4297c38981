from __future__ import annotations

import pandas as pd
import pytest

from segments import demo
from segments.importers import shopify
from tests.import_samples import SHOPIFY_HEADER


@pytest.fixture(scope="module")
def orders() -> demo.DemoOrders:
    return demo.generate_orders(4000, seed=3)


def _per_customer(orders: demo.DemoOrders) -> pd.DataFrame:
    lines = orders.lines
    per = lines.groupby("customer_id").agg(
        spending=("total_sales", "sum"),
        types=("product_type", "nunique"),
        returned=("returned_item_quantity", "sum"),
        ordered=("ordered_item_quantity", "sum"),
    )
    per["return_rate"] = -per["returned"] / per["ordered"]
    return per.join(orders.groups.set_index("customer_id"))


def test_generate_orders_same_seed_same_rows():
    one = demo.generate_orders(300, seed=5).lines
    pd.testing.assert_frame_equal(one, demo.generate_orders(300, seed=5).lines)
    assert not one.equals(demo.generate_orders(300, seed=6).lines)


def test_generate_orders_shopify_columns_and_parses_cleanly(orders):
    assert tuple(orders.lines.columns) == SHOPIFY_HEADER
    raw = orders.lines.astype(str)
    raw.index = pd.RangeIndex(2, len(raw) + 2)
    assert not shopify.parse(raw).refused


def test_generate_orders_every_customer_has_lines(orders):
    assert orders.lines["customer_id"].nunique() == 4000


def test_generate_orders_group_shares_like_the_study(orders):
    shares = orders.groups["group"].value_counts(normalize=True)
    assert shares[0] == pytest.approx(0.42, abs=0.03)
    assert shares[3] == pytest.approx(0.08, abs=0.02)


def test_generate_orders_groups_behave_differently(orders):
    profile = _per_customer(orders).groupby("group")[["spending", "types", "return_rate"]].mean()
    assert profile.loc[0, "return_rate"] > 0.4
    assert profile.loc[[1, 2], "return_rate"].max() < 0.2
    assert profile.loc[3, "return_rate"] == 0
    assert profile["spending"].is_monotonic_increasing
    assert profile.loc[3, "types"] > 2 * profile.loc[1, "types"]


def test_generate_orders_returns_on_line_and_on_later_own_line(orders):
    lines = orders.lines
    same_line = lines[(lines["ordered_item_quantity"] > 0) & (lines["returned_item_quantity"] < 0)]
    own_line = lines[lines["ordered_item_quantity"] == 0]
    assert len(same_line) > 0
    assert (own_line["returned_item_quantity"] < 0).all()
    assert (own_line["gross_sales"] == 0).all()
    purchase_day = pd.to_datetime(lines["day"], format="%d/%m/%Y")
    first_day = purchase_day[lines["ordered_item_quantity"] > 0].groupby(lines["order_id"]).min()
    later = purchase_day[own_line.index] > own_line["order_id"].map(first_day)
    assert later.all()


def test_generate_orders_amounts_consistent(orders):
    lines = orders.lines
    expected_net = (lines["gross_sales"] + lines["discounts"] + lines["returns"]).round(2)
    assert (lines["net_sales"] - expected_net).abs().max() < 0.011
    assert (lines["total_sales"] - (lines["net_sales"] + lines["taxes"])).abs().max() < 0.011


def test_write_orders_csv_round_trips_ids_exactly(tmp_path, orders):
    path = tmp_path / "demo.csv"
    demo.write_orders_csv(orders.lines.head(50), path)
    text = pd.read_csv(path, dtype=str)
    assert text["customer_id"].tolist() == orders.lines.head(50)["customer_id"].astype(str).tolist()


def test_generate_customers_parse_as_shopify_customer_export(orders):
    from segments.importers import contacts

    export = demo.generate_customers(orders.groups, seed=3)
    raw = export.astype(str).set_axis(range(2, len(export) + 2))
    result = contacts.parse_contacts(raw, contacts.SHOPIFY_NAME)
    assert not result.refused, result.problems[:3]
    parsed = result.contacts
    assert set(parsed["customer_id"]) == set(orders.groups["customer_id"].astype(str))
    assert parsed["phone"].str.fullmatch(r"(\+\d{8,15})?").all()
    # Some members are left out of a tool's list for want of an email, some for want of consent.
    assert 0.03 < (parsed["email"] == "").mean() < 0.15
    assert 0.5 < parsed["accepts_email"].mean() < 0.85
