"""The smallest order-line CSV any shop can produce (documented in README.md).

customer_id, order_id, date (YYYY-MM-DD), product_type, ordered_quantity (>= 0),
returned_quantity (>= 0, units returned from that order), total_sales (signed). Extra columns
are ignored.
"""

from __future__ import annotations

import pandas as pd

from segments.importers import base

NAME = "generic"
DATE_FORMAT = "%Y-%m-%d"
REQUIRED = {
    "customer_id": ("customerid",),
    "order_id": ("orderid",),
    "date": ("date",),
    "product_type": ("producttype",),
    "ordered_quantity": ("orderedquantity",),
    "returned_quantity": ("returnedquantity",),
    "total_sales": ("totalsales",),
}


def parse(raw: pd.DataFrame) -> base.ParseResult:
    """Validate and map to canonical lines: returned units get Shopify's negative sign."""
    picked, missing = base.select_columns(raw, REQUIRED)
    if missing:
        return base.refuse_missing_columns(raw, missing)
    log = base.ProblemLog(raw.index)
    lines = base.lines_with_ids(picked, log)
    lines["day"] = base.as_day(picked["date"], "date", log, [DATE_FORMAT], "YYYY-MM-DD")
    lines["product_type"] = base.as_text(picked["product_type"])
    for column in ("product_title", "variant_title", "variant_sku", "variant_id"):
        lines[column] = ""
    ordered = base.as_integer(picked["ordered_quantity"], "ordered_quantity", log, sign=1)
    returned = base.as_integer(picked["returned_quantity"], "returned_quantity", log, sign=1)
    total = base.as_amount(picked["total_sales"], "total_sales", log)
    lines["ordered_item_quantity"] = ordered
    lines["returned_item_quantity"] = -returned
    lines["net_quantity"] = ordered - returned
    for column in ("gross_sales", "discounts", "returns", "taxes"):
        lines[column] = 0.0
    lines["net_sales"] = total
    lines["total_sales"] = total
    base.check_order_customers(lines, log)
    return base.finish(lines, log, len(raw))
