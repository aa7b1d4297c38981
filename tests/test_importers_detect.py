from __future__ import annotations

import pytest

from segments.importers.base import ImportRefused
from segments.importers.detect import CONTACTS, ORDERS, choose_format, detect_format, kind_of
from tests import contact_samples
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
        (contact_samples.SHOPIFY_HEADER, "shopify-customers"),
        (contact_samples.SHOPIFY_OLD_HEADER, "shopify-customers"),
        (contact_samples.GENERIC_HEADER, "generic-customers"),
        (("customer_id", "email", "accepts_email_marketing"), "generic-customers"),
        (("Customer ID", "Email", "Accepts Marketing"), "shopify-customers"),
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


@pytest.mark.parametrize(
    ("kind", "columns"), [(ORDERS, contact_samples.SHOPIFY_HEADER), (CONTACTS, SHOPIFY_HEADER)]
)
def test_choose_format_of_the_other_kind_refused(kind, columns):
    with pytest.raises(ImportRefused, match="matches none"):
        choose_format(columns, kind=kind)


def test_choose_format_forced_contacts_format_wins_over_header():
    assert choose_format(contact_samples.SHOPIFY_HEADER, "generic-customers") == "generic-customers"


@pytest.mark.parametrize(
    ("name", "kind"), [("shopify", ORDERS), ("generic", ORDERS), ("shopify-customers", CONTACTS)]
)
def test_kind_of_format_name_gives_its_kind(name, kind):
    assert kind_of(name) == kind
