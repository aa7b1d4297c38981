"""Order-line importers: read a file, detect its format, parse and validate it (all pure).

`parse_orders(raw, format_name)` dispatches to the format's module; every module returns a
base.ParseResult whose lines are in the canonical order-line shape (base.CANONICAL_COLUMNS).
"""

from __future__ import annotations

import pandas as pd

from segments.importers import generic, online_retail, shopify
from segments.importers.base import ImportRefused, ParseResult, Problem

PARSERS = {
    shopify.NAME: shopify.parse,
    online_retail.NAME: online_retail.parse,
    generic.NAME: generic.parse,
}

__all__ = ["PARSERS", "ImportRefused", "ParseResult", "Problem", "parse_orders"]


def parse_orders(raw: pd.DataFrame, format_name: str) -> ParseResult:
    return PARSERS[format_name](raw)
