"""UCI Online Retail (and Online Retail II): invoices, with cancellations as returns.

Invoices starting with C are cancellations: each of their lines becomes a return tied to the
same customer's latest earlier invoice holding that StockCode, else the customer's latest
earlier invoice, else it is counted as unmatched and skipped. Rows without a customer,
negative quantities on ordinary invoices (stock adjustments) and A (bad debt) invoices are
skipped and counted by reason. StockCode stands in for product_type.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segments.importers import base

NAME = "online-retail"
TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M")
TIMESTAMPS_SHOWN = "YYYY-MM-DD HH:MM:SS or M/D/YYYY H:MM"
REQUIRED = {
    "invoice": ("invoiceno", "invoice"),
    "stock_code": ("stockcode",),
    "quantity": ("quantity",),
    "invoice_date": ("invoicedate",),
    "unit_price": ("unitprice", "price"),
    "customer_id": ("customerid",),
}
OPTIONAL = {"description": ("description",)}
NO_CUSTOMER = "no customer"
BAD_DEBT = "bad debt adjustment (A invoice)"
STOCK_ADJUSTMENT = "stock adjustment (negative quantity on an ordinary invoice)"
ZERO_QUANTITY = "zero quantity"
POSITIVE_CANCELLATION = "cancellation with a positive quantity"
UNMATCHED_RETURN = "return with no earlier invoice of its customer"


def parse(raw: pd.DataFrame) -> base.ParseResult:
    """1. pick columns, 2. skip guest rows, 3. validate, 4. classify, 5. match returns."""
    picked, missing = base.select_columns(raw, REQUIRED, OPTIONAL)
    if missing:
        return base.refuse_missing_columns(raw, missing)
    names = base.column_sources(raw, REQUIRED)
    customer = base.as_text(picked["customer_id"]).str.replace(r"\.0+$", "", regex=True)
    has_customer = customer != ""
    rows = picked[has_customer]
    log = base.ProblemLog(rows.index)
    quantity = base.as_integer(rows["quantity"], names["quantity"], log)
    price = base.as_number(rows["unit_price"], names["unit_price"], log).fillna(0.0)
    stamp = base.as_timestamp(
        rows["invoice_date"], names["invoice_date"], log, TIMESTAMP_FORMATS, TIMESTAMPS_SHOWN
    )
    amount = (quantity * price).round(2)
    log.add(amount.abs() >= base.MAX_AMOUNT, amount, names["quantity"], "amount is too large")
    if log.total:
        return log.refusal(len(raw))
    frame = pd.DataFrame(
        {
            "customer_id": customer[has_customer],
            "invoice": base.as_text(rows["invoice"]),
            "stock_code": base.as_text(rows["stock_code"]),
            "description": _descriptions(rows),
            "quantity": quantity,
            "amount": amount,
            "stamp": stamp,
        }
    )
    kind, skipped = classify(frame)
    skipped = {NO_CUSTOMER: int((~has_customer).sum()), **skipped}
    matched = match_returns(frame[kind == "purchase"], frame[kind == "return"])
    unmatched = int(matched.isna().sum())
    skipped[UNMATCHED_RETURN] = unmatched
    lines = _canonical(frame[kind == "purchase"], frame[kind == "return"], matched.dropna())
    base.check_order_customers(lines, log)
    return base.finish(
        lines,
        log,
        len(raw),
        skipped,
        unmatched_returns=unmatched,
        customer_ids=frame["customer_id"],
    )


def _descriptions(rows: pd.DataFrame) -> pd.Series:
    if "description" not in rows:
        return pd.Series("", index=rows.index)
    return base.as_text(rows["description"])


def classify(frame: pd.DataFrame) -> tuple[pd.Series, dict[str, int]]:
    """Each row's kind (purchase, return or a skip reason) and the skip counts."""
    cancellation = frame["invoice"].str.upper().str.startswith("C")
    bad_debt = frame["invoice"].str.upper().str.startswith("A")
    quantity = frame["quantity"]
    conditions = [
        bad_debt,
        cancellation & (quantity < 0),
        cancellation,
        quantity > 0,
        quantity < 0,
    ]
    choices = ["bad debt", "return", "positive cancellation", "purchase", "stock adjustment"]
    kind = pd.Series(np.select(conditions, choices, default="zero"), index=frame.index)
    skipped = {
        BAD_DEBT: int((kind == "bad debt").sum()),
        STOCK_ADJUSTMENT: int((kind == "stock adjustment").sum()),
        ZERO_QUANTITY: int((kind == "zero").sum()),
        POSITIVE_CANCELLATION: int((kind == "positive cancellation").sum()),
    }
    return kind, skipped


def match_returns(purchases: pd.DataFrame, returns: pd.DataFrame) -> pd.Series:
    """For each return row, the invoice it belongs to (NaN when the customer has none earlier)."""
    wanted = returns[["customer_id", "stock_code", "stamp"]].assign(row=returns.index)
    wanted = wanted.sort_values("stamp", kind="stable")
    invoices = purchases[["customer_id", "stock_code", "stamp", "invoice"]].sort_values(
        "stamp", kind="stable"
    )
    same_product = _latest_earlier(wanted, invoices, ["customer_id", "stock_code"])
    any_product = _latest_earlier(wanted, invoices, ["customer_id"])
    matched = same_product.fillna(any_product)
    return matched.reindex(returns.index)


def _latest_earlier(wanted: pd.DataFrame, invoices: pd.DataFrame, by: list[str]) -> pd.Series:
    columns = [*by, "stamp", "invoice"]
    candidates = invoices[columns].drop_duplicates([*by, "invoice"])
    merged = pd.merge_asof(
        wanted[[*by, "stamp", "row"]],
        candidates,
        on="stamp",
        by=by,
        direction="backward",
        allow_exact_matches=False,
    )
    return pd.Series(merged["invoice"].to_numpy(), index=merged["row"].to_numpy())


def _canonical(purchases: pd.DataFrame, returns: pd.DataFrame, matched: pd.Series) -> pd.DataFrame:
    returns = returns.loc[matched.index].assign(invoice=matched.astype(str))
    frame = pd.concat([purchases.assign(is_return=False), returns.assign(is_return=True)])
    frame = frame.sort_index()
    is_return = frame["is_return"].to_numpy()
    quantity, amount = frame["quantity"], frame["amount"]
    return pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "order_id": frame["invoice"],
            "day": frame["stamp"].dt.normalize(),
            "product_title": frame["description"],
            "product_type": frame["stock_code"],
            "variant_title": "",
            "variant_sku": frame["stock_code"],
            "variant_id": "",
            "net_quantity": quantity,
            "ordered_item_quantity": quantity.where(~is_return, 0),
            "returned_item_quantity": quantity.where(is_return, 0),
            "gross_sales": amount.where(~is_return, 0.0),
            "discounts": 0.0,
            "returns": amount.where(is_return, 0.0),
            "net_sales": amount,
            "taxes": 0.0,
            "total_sales": amount,
        },
        index=frame.index,
    )
