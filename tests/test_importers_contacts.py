from __future__ import annotations

import pandas as pd
import pytest

from segments.importers import contacts
from tests.contact_samples import (
    SHOPIFY_PEOPLE,
    generic_frame,
    shopify_frame,
    shopify_old_frame,
)


def _problems(result: contacts.ContactsResult) -> list[tuple[int | None, str, str, str]]:
    return [(p.row, p.column, p.value, p.reason) for p in result.problems]


def test_parse_contacts_shopify_export_normalised():
    result = contacts.parse_contacts(shopify_frame(), contacts.SHOPIFY_NAME)
    assert not result.refused
    assert result.rows_read == len(SHOPIFY_PEOPLE)
    assert list(result.contacts.columns) == list(contacts.CONTACT_COLUMNS)
    assert result.contacts.to_dict("index") == {
        2: {"customer_id": "7012345678901", "email": "ana.lopez@example.com",
            "first_name": "Ana", "last_name": "L\u00f3pez", "phone": "+442079460958",
            "country": "GB", "accepts_email": True, "accepts_sms": False},
        3: {"customer_id": "7012345678902", "email": "bo@example.com", "first_name": "Bo",
            "last_name": "Berg", "phone": "+14155552671", "country": "US",
            "accepts_email": False, "accepts_sms": True},
        4: {"customer_id": "7012345678903", "email": "cy@example.com", "first_name": "Cy",
            "last_name": "", "phone": "+33612345678", "country": "", "accepts_email": True,
            "accepts_sms": False},
        5: {"customer_id": "7012345678904", "email": "", "first_name": "", "last_name": "",
            "phone": "", "country": "", "accepts_email": False, "accepts_sms": False},
    }  # fmt: skip


def test_parse_contacts_shopify_old_spelling_same_contacts():
    current = contacts.parse_contacts(shopify_frame(), contacts.SHOPIFY_NAME).contacts
    old = contacts.parse_contacts(shopify_old_frame(), contacts.SHOPIFY_NAME).contacts
    # The older export has no SMS consent column: nobody accepted SMS.
    expected = current.assign(accepts_sms=False)
    pd.testing.assert_frame_equal(old, expected)


@pytest.mark.parametrize(
    ("word", "expected"),
    [("yes", True), ("No", False), ("TRUE", True), ("false", False), ("", False),
     ("1", True), ("0", False), (" Yes ", True)],
)  # fmt: skip
def test_parse_contacts_consent_word_read(word, expected):
    result = contacts.parse_contacts(
        generic_frame(accepts_email_marketing=word), contacts.GENERIC_NAME
    )
    assert bool(result.contacts.loc[2, "accepts_email"]) is expected


def test_parse_contacts_missing_optional_columns_empty():
    frame = generic_frame()[["customer_id", "email", "accepts_email_marketing"]]
    row = contacts.parse_contacts(frame, contacts.GENERIC_NAME).contacts.loc[2]
    assert (row["phone"], row["country"], row["first_name"]) == ("", "", "")
    assert not row["accepts_sms"]


def test_parse_contacts_generic_id_apostrophe_kept():
    result = contacts.parse_contacts(generic_frame(customer_id="'c1"), contacts.GENERIC_NAME)
    assert result.contacts.loc[2, "customer_id"] == "'c1"


def test_parse_contacts_phone_with_country_code_ignores_country():
    frame = generic_frame(phone="+1 415 555 2671", country="GB")
    assert contacts.parse_contacts(frame, contacts.GENERIC_NAME).contacts.loc[2, "phone"] == (
        "+14155552671"
    )


@pytest.mark.parametrize(
    ("field", "value", "column", "reason"),
    [
        ("email", "ana.lopez@", "email", "not a valid email address"),
        ("email", "no-at-sign.example.com", "email", "not a valid email address"),
        ("phone", "call me", "phone", "not a phone number"),
        ("phone", "12345", "phone", "not a valid phone number"),
        ("accepts_email_marketing", "maybe", "accepts_email_marketing",
         "not yes/no, true/false or 1/0"),
        ("accepts_sms_marketing", "Y", "accepts_sms_marketing", "not yes/no, true/false or 1/0"),
        ("country", "GBR", "country", "not a 2-letter country code (ISO 3166)"),
        ("customer_id", "", "customer_id", "empty customer id"),
        ("customer_id", "c" * 65, "customer_id", "longer than 64 characters"),
        ("first_name", "A" * 151, "first_name", "longer than 150 characters"),
    ],
)  # fmt: skip
def test_parse_contacts_bad_value_refused(field, value, column, reason):
    result = contacts.parse_contacts(generic_frame(**{field: value}), contacts.GENERIC_NAME)
    assert result.refused
    assert result.contacts.empty
    assert (2, column, value, reason) in _problems(result)


def test_parse_contacts_national_phone_without_country_refused():
    frame = generic_frame(phone="020 7946 0958", country="")
    reason = "phone number without country code (+...) and no usable country"
    assert _problems(contacts.parse_contacts(frame, contacts.GENERIC_NAME)) == [
        (2, "phone", "020 7946 0958", reason)
    ]


def test_parse_contacts_duplicate_id_refused():
    people = [SHOPIFY_PEOPLE[0], SHOPIFY_PEOPLE[1], (SHOPIFY_PEOPLE[0][0], *SHOPIFY_PEOPLE[2][1:])]
    result = contacts.parse_contacts(shopify_frame(people), contacts.SHOPIFY_NAME)
    assert _problems(result) == [
        (4, "Customer ID", "7012345678901", "customer id appears more than once in this file")
    ]


def test_parse_contacts_shopify_problems_name_file_columns():
    people = [(*SHOPIFY_PEOPLE[0][:4], "maybe", *SHOPIFY_PEOPLE[0][5:])]
    for frame in (shopify_frame(people), shopify_old_frame(people)):
        column = "Accepts Email Marketing" if "Phone" in frame.columns else "Accepts Marketing"
        result = contacts.parse_contacts(frame, contacts.SHOPIFY_NAME)
        assert [(p.row, p.column, p.value) for p in result.problems] == [(2, column, "maybe")]


@pytest.mark.parametrize(
    "column", ["customer_id", "email", "accepts_email_marketing"]
)  # fmt: skip
def test_parse_contacts_missing_required_column_refused(column):
    result = contacts.parse_contacts(generic_frame().drop(columns=[column]), contacts.GENERIC_NAME)
    assert _problems(result) == [(1, column, "", "required column is missing")]


def test_parse_contacts_every_problem_reported():
    frame = pd.concat(
        [generic_frame(email="bad"), generic_frame(customer_id="c2", phone="call me")]
    )
    frame.index = pd.RangeIndex(2, 4)
    result = contacts.parse_contacts(frame, contacts.GENERIC_NAME)
    assert (result.problems_total, result.rows_rejected) == (2, 2)
    assert [(p.row, p.column) for p in result.problems] == [(2, "email"), (3, "phone")]


def test_parse_contacts_unknown_format_raises():
    with pytest.raises(ValueError, match="unknown contacts format"):
        contacts.parse_contacts(generic_frame(), "csv")


def test_parse_contacts_optional_columns_absent_are_not_provided():
    raw = pd.DataFrame(
        {"customer_id": ["C1"], "email": ["a@example.com"], "accepts_email_marketing": ["yes"]},
        index=[2],
    )
    result = contacts.parse_contacts(raw, "generic-customers")
    assert result.provided == ("customer_id", "email", "accepts_email")
