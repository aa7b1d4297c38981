"""Small customer files for the contacts importer and campaign tests, every value visible."""

from __future__ import annotations

import pandas as pd

from segments.campaigns import Member

# Shopify's customer export, as Customers > Export writes it now.
SHOPIFY_HEADER = (
    "Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing",
    "Default Address Company", "Default Address Country Code", "Default Address Phone", "Phone",
    "Accepts SMS Marketing", "Total Spent", "Total Orders", "Note", "Tags",
)  # fmt: skip
# The older export's spellings of the same columns.
SHOPIFY_OLD_HEADER = (
    "Customer ID", "First Name", "Last Name", "Email", "Accepts Marketing", "Company",
    "Country", "Country Code", "Default Address Phone", "Total Spent", "Total Orders", "Tags",
)  # fmt: skip
GENERIC_HEADER = (
    "customer_id", "email", "first_name", "last_name", "phone", "country",
    "accepts_email_marketing", "accepts_sms_marketing",
)  # fmt: skip

# (id, first, last, email, accepts email, country, phone, accepts sms)
SHOPIFY_PEOPLE = [
    ("'7012345678901", "Ana", "L\u00f3pez", "  Ana.Lopez@Example.COM ", "yes", "gb",
     "020 7946 0958", "No"),
    ("'7012345678902", "Bo", "Berg", "BO@example.com", "No", "US", "(415) 555-2671", "TRUE"),
    ("'7012345678903", "Cy", "", "cy@example.com", "TRUE", "", "+33 6 12 34 56 78", "false"),
    ("'7012345678904", "", "", "", "", "", "", ""),
]  # fmt: skip


def shopify_frame(people: list[tuple[str, ...]] | None = None) -> pd.DataFrame:
    """A current-spelling Shopify export as the CSV reader makes it (index = file rows)."""
    rows = []
    for cid, first, last, email, accepts, country, phone, sms in people or SHOPIFY_PEOPLE:
        rows.append({
            "Customer ID": cid, "First Name": first, "Last Name": last, "Email": email,
            "Accepts Email Marketing": accepts, "Default Address Company": "",
            "Default Address Country Code": country, "Default Address Phone": "",
            "Phone": phone, "Accepts SMS Marketing": sms, "Total Spent": "120.00",
            "Total Orders": "2", "Note": "", "Tags": "vip",
        })  # fmt: skip
    return _frame(rows, SHOPIFY_HEADER)


def shopify_old_frame(people: list[tuple[str, ...]] | None = None) -> pd.DataFrame:
    """The older Shopify export: Accepts Marketing, Country Code, Default Address Phone."""
    rows = []
    for cid, first, last, email, accepts, country, phone, _sms in people or SHOPIFY_PEOPLE:
        rows.append({
            "Customer ID": cid, "First Name": first, "Last Name": last, "Email": email,
            "Accepts Marketing": accepts, "Company": "", "Country": "United Kingdom",
            "Country Code": country, "Default Address Phone": phone, "Total Spent": "120.00",
            "Total Orders": "2", "Tags": "",
        })  # fmt: skip
    return _frame(rows, SHOPIFY_OLD_HEADER)


def generic_frame(**overrides: str) -> pd.DataFrame:
    """One generic contacts row with any field overridden."""
    row = {
        "customer_id": "c1",
        "email": "c1@example.com",
        "first_name": "Cara",
        "last_name": "Doyle",
        "phone": "0151 496 0000",
        "country": "GB",
        "accepts_email_marketing": "1",
        "accepts_sms_marketing": "0",
    }
    row.update(overrides)
    return _frame([row], GENERIC_HEADER)


def _frame(rows: list[dict[str, str]], header: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(header), dtype=str)
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


def member(**values: object) -> Member:
    """A member of segment 2 of run 12 with an email and a phone, both consented."""
    fields: dict[str, object] = {
        "customer_id": "7012345678901",
        "segment_index": 2,
        "segment_name": "VIP \u00b7 Loyal & Big Spenders",
        "products_ordered": 14,
        "average_return_rate": 0.05,
        "total_spending": 1234.567,
        "email": "ana.lopez@example.com",
        "phone": "+442079460958",
        "first_name": "Ana",
        "last_name": "L\u00f3pez",
        "country": "GB",
        "accepts_email": True,
        "accepts_sms": True,
        "run_id": 12,
        "run_date": "2026-03-05",
    }
    fields.update(values)
    return Member(**fields)  # type: ignore[arg-type]
