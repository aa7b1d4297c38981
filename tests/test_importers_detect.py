from __future__ import annotations

import pytest

from segments.importers.base import ImportRefused
from segments.importers.detect import choose_format, detect_format
from tests.import_samples import SHOPIFY_HEADER

ONLINE_RETAIL = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
                 "UnitPrice", "CustomerID", "Country"]  # fmt: skip
ONLINE_RETAIL_II = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate",
                    "Price", "Customer ID", "Country"]  # fmt: skip
GENERIC = ["customer_id", "order_id", "date", "product_type", "ordered_quantity",
           "returned_quantity", "total_sales", "channel"]  # fmt: skip


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (SHOPIFY_HEADER, "shopify"),
        (ONLINE_RETAIL, "online-retail"),
        (ONLINE_RETAIL_II, "online-retail"),
        (GENERIC, "generic"),
        (SHOPIFY_HEADER[:-3], "shopify"),
        (["a", "b"], None),
    ],
)
def test_detect_format_from_header(columns, expected):
    assert detect_format(columns) == expected


def test_choose_format_forced_wins_over_header():
    assert choose_format(ONLINE_RETAIL, "generic") == "generic"


@pytest.mark.parametrize("requested", ["auto", "csv"])
def test_choose_format_unknown_refused(requested):
    with pytest.raises(ImportRefused):
        choose_format(["a", "b"], requested)
