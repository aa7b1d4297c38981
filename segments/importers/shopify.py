"""Shopify's "sales by product variant" report: the reference format, one column per field."""

from __future__ import annotations

import pandas as pd

from segments.importers import base

NAME = "shopify"
DAY_FORMAT = "%d/%m/%Y"
REQUIRED = {column: (base.normalize_header(column),) for column in base.CANONICAL_COLUMNS}
OPTIONAL_TEXT = ("product_title", "product_type", "variant_title", "variant_sku", "variant_id")


def parse(raw: pd.DataFrame) -> base.ParseResult:
    """Validate every column strictly; the lines keep the file's values unchanged."""
    picked, missing = base.select_columns(raw, REQUIRED)
    if missing:
        return base.refuse_missing_columns(raw, missing)
    log = base.ProblemLog(raw.index)
    lines = base.lines_with_ids(picked, log)
    for column in OPTIONAL_TEXT:
        lines[column] = base.as_text(picked[column])
    lines["day"] = base.as_day(picked["day"], "day", log, [DAY_FORMAT], "dd/mm/yyyy")
    lines["net_quantity"] = base.as_integer(picked["net_quantity"], "net_quantity", log)
    lines["ordered_item_quantity"] = base.as_integer(
        picked["ordered_item_quantity"], "ordered_item_quantity", log, sign=1
    )
    lines["returned_item_quantity"] = base.as_integer(
        picked["returned_item_quantity"], "returned_item_quantity", log, sign=-1
    )
    for column in base.AMOUNT_COLUMNS:
        lines[column] = base.as_amount(picked[column], column, log)
    base.check_order_customers(lines, log)
    return base.finish(lines, log, len(raw))
