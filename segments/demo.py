"""Demo data: a realistic Shopify "sales by product variant" export of N customers.

Pure numpy/pandas and deterministic by seed. Customers fall into behaviour groups like the
original study's: new customers who spend little and return much (about 42%), two groups of
moderate spenders with few returns, and high spenders who buy many product types and return
nothing (about 8%). A return is booked either on the ordering line itself (ordered 2,
returned -2, same day) or on a line of its own on a later day with nothing ordered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

FIRST_DAY = np.datetime64("2018-11-01")
PERIOD_DAYS = 181
TITLES = 60
PRODUCT_TYPES = 20
TAX_RATE = 0.2
SAME_DAY_RETURN_SHARE = 0.3
# Catalogue: the same shop for every seed and size.
CATALOGUE_SEED = 20181101


@dataclass(frozen=True)
class Group:
    name: str
    share: float
    base_orders: int
    extra_orders: float  # Poisson mean
    base_lines: int
    extra_lines: float
    extra_quantity: float
    return_probability: float
    price_preference: float  # < 0 cheap titles, > 0 expensive ones
    discount_probability: float
    first_day: int  # new customers only buy late in the period


GROUPS = (
    Group("new, low spending, many returns", 0.42, 1, 0.0, 1, 0.15, 0.0, 0.6, -2.0, 0.4, 90),
    Group("moderate, some returns", 0.28, 1, 0.4, 1, 0.35, 0.3, 0.15, 0.0, 0.3, 0),
    Group("moderate to high, few returns", 0.22, 2, 0.35, 1, 0.35, 0.6, 0.06, 1.5, 0.25, 0),
    Group("high spenders, no returns", 0.08, 3, 0.6, 2, 1.0, 1.0, 0.0, 3.0, 0.15, 0),
)
COLUMNS = (
    "product_title", "product_type", "variant_title", "variant_sku", "variant_id",
    "customer_id", "order_id", "day", "net_quantity", "gross_sales", "discounts", "returns",
    "net_sales", "taxes", "total_sales", "returned_item_quantity", "ordered_item_quantity",
)  # fmt: skip


@dataclass(frozen=True)
class DemoOrders:
    lines: pd.DataFrame  # the export, columns as in COLUMNS, days as dd/mm/yyyy text
    groups: pd.DataFrame  # customer_id, group (index into GROUPS): the truth behind the data


def generate_orders(customers: int, seed: int = 1) -> DemoOrders:
    """The export for `customers` customers; the same arguments give the same rows."""
    rng = np.random.default_rng(seed)
    catalogue = _catalogue(np.random.default_rng(CATALOGUE_SEED))
    group = rng.choice(len(GROUPS), customers, p=[g.share for g in GROUPS])
    customer_ids = 5_000_000_000_000 + rng.permutation(customers).astype(np.int64) * 13
    purchases = _purchases(rng, catalogue, group)
    lines = _with_returns(rng, purchases, group)
    lines["customer_id"] = customer_ids[lines.pop("customer")]
    export = _export_frame(lines, catalogue)
    return DemoOrders(export, pd.DataFrame({"customer_id": customer_ids, "group": group}))


def write_orders_csv(lines: pd.DataFrame, path: str | Path) -> None:
    """CSV (or .csv.gz by its name) with the export's header."""
    lines.to_csv(path, index=False)


def generate_customers(groups: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """Shopify's customer export for the demo customers: names, example.com emails, fictional
    phone numbers in national format (parsed with the country), and marketing consent.

    About 8% have no email, 70% accept email marketing, a quarter accept SMS (of those with a
    phone), so a demo list shows members left out for want of contact or consent.
    """
    rng = np.random.default_rng(seed + 7)
    n = len(groups)
    first = FIRST_NAMES[rng.integers(len(FIRST_NAMES), size=n)]
    last = LAST_NAMES[rng.integers(len(LAST_NAMES), size=n)]
    ids = groups["customer_id"].astype(str).to_numpy()
    handles = pd.Series(first).str.lower() + "." + pd.Series(last).str.lower()
    ascii_handles = handles.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    emails = (ascii_handles + "." + pd.Series(ids).str[-6:] + "@example.com").to_numpy()
    has_email = rng.random(n) >= 0.08
    country_index = rng.choice(len(DEMO_COUNTRIES), n, p=[c[2] for c in DEMO_COUNTRIES])
    phones = _demo_phones(rng, country_index)
    has_phone = rng.random(n) < 0.6
    return pd.DataFrame(
        {
            "Customer ID": "'" + pd.Series(ids),
            "First Name": first,
            "Last Name": last,
            "Email": np.where(has_email, emails, ""),
            "Accepts Email Marketing": np.where(has_email & (rng.random(n) < 0.76), "yes", "no"),
            "Default Address Country Code": [DEMO_COUNTRIES[i][0] for i in country_index],
            "Phone": np.where(has_phone, phones, ""),
            "Accepts SMS Marketing": np.where(has_phone & (rng.random(n) < 0.4), "yes", "no"),
            "Total Spent": "",
            "Total Orders": "",
            "Tags": "",
        }
    )


def _demo_phones(rng: np.random.Generator, country_index: np.ndarray) -> np.ndarray:
    """Numbers from ranges that libphonenumber accepts and no one is reached on."""
    digits = rng.integers(0, 100, size=len(country_index))
    return np.array(
        [DEMO_COUNTRIES[c][1].format(d) for c, d in zip(country_index, digits, strict=True)],
        dtype=object,
    )


def _catalogue(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """TITLES titles in PRODUCT_TYPES types, 1-4 variants each, variant prices 40-160."""
    title_type = np.concatenate(
        [np.arange(PRODUCT_TYPES), rng.integers(0, PRODUCT_TYPES, TITLES - PRODUCT_TYPES)]
    )
    variants = rng.integers(1, 5, TITLES)
    title_price = rng.uniform(45, 140, TITLES)
    variant_title = np.repeat(np.arange(TITLES), variants)
    position = np.arange(variant_title.size) - np.repeat(np.cumsum(variants) - variants, variants)
    return {
        "title_type": title_type,
        "title_price": title_price,
        "first_variant": np.cumsum(variants) - variants,
        "variants": variants,
        "variant_title": variant_title,
        "variant_position": position,
        "variant_price": np.clip(
            np.round(title_price[variant_title] * (1 + 0.06 * position), 2), 40, 160
        ),
        "variant_id": 40_000_000_000_000 + rng.choice(10**9, variant_title.size, replace=False),
        "popularity": rng.gamma(2.0, 1.0, TITLES),
        "variant_sku": np.array(
            [f"SKU-{t:03d}-{p}" for t, p in zip(variant_title, position, strict=True)], dtype=object
        ),
    }


def _purchases(rng: np.random.Generator, catalogue: dict, group: np.ndarray) -> pd.DataFrame:
    """Orders per customer, lines per order, a variant and a quantity per line."""
    orders = _by_group("base_orders", group) + rng.poisson(_by_group("extra_orders", group))
    order_customer = np.repeat(np.arange(group.size), orders)
    order_group = group[order_customer]
    order_day = rng.integers(_by_group("first_day", order_group), PERIOD_DAYS)
    order_ids = 1_000_000_000_000 + rng.permutation(order_customer.size).astype(np.int64) * 7
    per_order = _by_group("base_lines", order_group) + rng.poisson(
        _by_group("extra_lines", order_group)
    )
    line_order = np.repeat(np.arange(order_customer.size), per_order)
    line_group = order_group[line_order]
    title = _pick_titles(rng, catalogue, line_group)
    variant = catalogue["first_variant"][title] + (
        rng.random(title.size) * catalogue["variants"][title]
    ).astype(np.int64)
    quantity = 1 + np.minimum(rng.poisson(_by_group("extra_quantity", line_group)), 2)
    return pd.DataFrame(
        {
            "customer": order_customer[line_order],
            "order_id": order_ids[line_order],
            "day": order_day[line_order],
            "variant": variant,
            "quantity": quantity,
            "price": catalogue["variant_price"][variant],
        }
    )


def _by_group(attribute: str, group: np.ndarray) -> np.ndarray:
    """Each element's value of a Group attribute, by its group index."""
    return np.array([getattr(g, attribute) for g in GROUPS])[group]


def _pick_titles(rng: np.random.Generator, catalogue: dict, line_group: np.ndarray) -> np.ndarray:
    """Popular titles more often; cheap ones for thrifty groups, dear ones for big spenders."""
    price = catalogue["title_price"]
    z = (price - price.mean()) / price.std()
    title = np.empty(line_group.size, dtype=np.int64)
    for index, group in enumerate(GROUPS):
        weight = catalogue["popularity"] * np.exp(group.price_preference * 0.6 * z)
        members = line_group == index
        title[members] = rng.choice(TITLES, members.sum(), p=weight / weight.sum())
    return title


def _with_returns(rng: np.random.Generator, lines: pd.DataFrame, group: np.ndarray) -> pd.DataFrame:
    """Amounts for every line; returns on the line itself (same day) or on later lines."""
    quantity = lines["quantity"].to_numpy()
    gross = np.round(lines["price"].to_numpy() * quantity, 2)
    customer_group = group[lines["customer"].to_numpy()]
    discounted = rng.random(gross.size) < _by_group("discount_probability", customer_group)
    discounts = np.where(discounted, -np.round(gross * rng.uniform(0.05, 0.25, gross.size), 2), 0.0)
    lines = lines.assign(gross_sales=gross, discounts=discounts, returned=0, returns=0.0)
    net = gross + discounts
    returned = rng.random(gross.size) < _by_group("return_probability", customer_group)
    units = np.where(
        rng.random(gross.size) < 0.8,
        quantity,
        1 + (rng.random(gross.size) * quantity).astype(np.int64),
    )
    units = np.minimum(units, quantity)
    # An order on the period's last day can only be returned on that day.
    can_wait = lines["day"].to_numpy() < PERIOD_DAYS - 1
    later = returned & (rng.random(gross.size) >= SAME_DAY_RETURN_SHARE) & can_wait
    same_day = returned & ~later
    refund = -np.round(net / quantity * units, 2)
    lines.loc[same_day, "returned"] = -units[same_day]
    lines.loc[same_day, "returns"] = refund[same_day]
    returns = lines[later].assign(
        day=np.minimum(
            lines["day"].to_numpy()[later] + 1 + rng.integers(0, 30, later.sum()), PERIOD_DAYS - 1
        ),
        quantity=0,
        gross_sales=0.0,
        discounts=0.0,
        returned=-units[later],
        returns=refund[later],
    )
    return pd.concat([lines, returns], ignore_index=True)


def _export_frame(lines: pd.DataFrame, catalogue: dict) -> pd.DataFrame:
    """The Shopify column layout, sorted by day then order like a date-sorted export."""
    lines = lines.sort_values(
        ["day", "order_id", "variant", "quantity"], kind="stable", ignore_index=True
    )
    variant = lines["variant"].to_numpy()
    title = catalogue["variant_title"][variant]
    sizes = np.array(["S", "M", "L", "XL"], dtype=object)
    single = catalogue["variants"][title] == 1
    net_sales = np.round(lines["gross_sales"] + lines["discounts"] + lines["returns"], 2)
    taxes = np.round(net_sales * TAX_RATE, 2)
    days = FIRST_DAY + lines["day"].to_numpy().astype("timedelta64[D]")
    frame = pd.DataFrame(
        {
            "product_title": TITLE_NAMES[title],
            "product_type": TYPE_NAMES[catalogue["title_type"][title]],
            "variant_title": np.where(
                single, "Default Title", sizes[catalogue["variant_position"][variant]]
            ),
            "variant_sku": catalogue["variant_sku"][variant],
            "variant_id": catalogue["variant_id"][variant],
            "customer_id": lines["customer_id"],
            "order_id": lines["order_id"],
            "day": pd.to_datetime(days).strftime("%d/%m/%Y"),
            "net_quantity": lines["quantity"] + lines["returned"],
            "gross_sales": lines["gross_sales"],
            "discounts": lines["discounts"],
            "returns": lines["returns"],
            "net_sales": net_sales,
            "taxes": taxes,
            "total_sales": np.round(net_sales + taxes, 2),
            "returned_item_quantity": lines["returned"],
            "ordered_item_quantity": lines["quantity"],
        }
    )
    return frame.loc[:, list(COLUMNS)]


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the study's product title names."""
    text = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        text = chr(ord("A") + remainder) + text
    return text


TITLE_NAMES = np.array([f"Product {_letters(index)}" for index in range(TITLES)], dtype=object)
TYPE_NAMES = np.array([f"Product Type {index + 1}" for index in range(PRODUCT_TYPES)], dtype=object)
FIRST_NAMES = np.array(
    ["Ada", "Noor", "Jonas", "Amélie", "Kenji", "Sofia", "Liam", "Zoë", "Mateo", "Inès",
     "Oskar", "Priya", "Chloé", "Tomás", "Hana", "Lukas"], dtype=object,
)  # fmt: skip
LAST_NAMES = np.array(
    ["Lovelace", "Haddad", "Berg", "Durand", "Sato", "Rossi", "Walsh", "Müller", "García",
     "Silva", "Novak", "Patel", "O'Brien", "Nguyen"], dtype=object,
)  # fmt: skip
# (country, national number pattern, share): libphonenumber's example ranges.
DEMO_COUNTRIES = (
    ("GB", "07400 1234{:02d}", 0.4),
    ("US", "(201) 555-01{:02d}", 0.3),
    ("DE", "0151 234500{:02d}", 0.15),
    ("FR", "06 12 34 56{:02d}", 0.15),
)
