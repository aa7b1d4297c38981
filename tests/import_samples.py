"""Small order files for the importer tests, built in code so every value is visible."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SHOPIFY_HEADER = (
    "product_title", "product_type", "variant_title", "variant_sku", "variant_id",
    "customer_id", "order_id", "day", "net_quantity", "gross_sales", "discounts", "returns",
    "net_sales", "taxes", "total_sales", "returned_item_quantity", "ordered_item_quantity",
)  # fmt: skip


def shopify_row(**values: object) -> dict[str, str]:
    """One purchase line (ordered 1, total 120.00) with any field overridden."""
    row = {
        "product_title": "Product A",
        "product_type": "Product Type 1",
        "variant_title": "Default Title",
        "variant_sku": "SKU-001-0",
        "variant_id": "30000000000017",
        "customer_id": "5000000000017",
        "order_id": "1000000000007",
        "day": "05/01/2019",
        "net_quantity": "1",
        "gross_sales": "100.00",
        "discounts": "0.00",
        "returns": "0.00",
        "net_sales": "100.00",
        "taxes": "20.00",
        "total_sales": "120.00",
        "returned_item_quantity": "0",
        "ordered_item_quantity": "1",
    }
    row.update({key: str(value) for key, value in values.items()})
    return row


def shopify_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    """A raw frame as the CSV reader makes it: text columns, index = file row numbers."""
    frame = pd.DataFrame(rows, columns=list(SHOPIFY_HEADER), dtype=str)
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


def write_csv(path: Path, rows: list[dict[str, str]], sep: str = ",") -> Path:
    pd.DataFrame(rows, columns=list(rows[0])).to_csv(path, index=False, sep=sep)
    return path


def a_few_orders() -> list[dict[str, str]]:
    """Two customers, three orders; one return on its own later line, one on the ordering line."""
    return [
        shopify_row(customer_id="5000000000017", order_id="1000000000007", day="05/01/2019"),
        shopify_row(
            customer_id="5000000000017", order_id="1000000000007", day="05/01/2019",
            product_title="Product B", product_type="Product Type 2",
            ordered_item_quantity=2, returned_item_quantity=-2, net_quantity=0,
        ),
        shopify_row(customer_id="5000000000017", order_id="1000000000014", day="20/02/2019"),
        shopify_row(customer_id="5000000000034", order_id="1000000000021", day="10/01/2019"),
        shopify_row(
            customer_id="5000000000034", order_id="1000000000021", day="15/01/2019",
            ordered_item_quantity=0, returned_item_quantity=-1, net_quantity=-1,
            gross_sales="0.00", returns="-100.00", net_sales="-100.00", taxes="-20.00",
            total_sales="-120.00",
        ),
    ]  # fmt: skip


def far_files(tmp_path: Path) -> tuple[Path, Path]:
    """A 2019 shop, then a 2010 file of the same shape: years apart."""
    shop = write_csv(tmp_path / "shop.csv", a_few_orders())
    old = [{**row, "day": row["day"][:-4] + "2010", "customer_id": "9" + row["customer_id"]}
           for row in a_few_orders()]  # fmt: skip
    old = [{**row, "order_id": "9" + row["order_id"]} for row in old]
    return shop, write_csv(tmp_path / "old.csv", old)
