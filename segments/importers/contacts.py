"""Customer contacts: Shopify's customer export (Customers > Export) and a small generic format.

Pure pandas, like the order importers: the file is refused as a whole with a report of rows,
columns, values and reasons, or every row is returned. Emails are validated and kept trimmed and
lower-cased; phones are stored in E.164, read with the customer's country when they carry no
country code, and never guessed. Shopify's columns that segweb does not keep (Total Spent,
Total Orders, Tags) only help to recognise the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import phonenumbers
from email_validator import EmailNotValidError, validate_email

from segments.importers import base

SHOPIFY_NAME = "shopify-customers"
GENERIC_NAME = "generic-customers"

# Current spelling first, then the older one.
SHOPIFY_REQUIRED = {
    "customer_id": ("customerid",),
    "email": ("email",),
    "accepts_email_marketing": ("acceptsemailmarketing", "acceptsmarketing"),
}
SHOPIFY_OPTIONAL = {
    "first_name": ("firstname",),
    "last_name": ("lastname",),
    "phone": ("phone", "defaultaddressphone"),
    "country": ("defaultaddresscountrycode", "countrycode"),
    "accepts_sms_marketing": ("acceptssmsmarketing",),
}
SHOPIFY_RECOGNISED = ("totalspent", "totalorders", "tags")
GENERIC_REQUIRED = {
    "customer_id": ("customerid",),
    "email": ("email",),
    "accepts_email_marketing": ("acceptsemailmarketing",),
}
GENERIC_OPTIONAL = {
    "first_name": ("firstname",),
    "last_name": ("lastname",),
    "phone": ("phone",),
    "country": ("country",),
    "accepts_sms_marketing": ("acceptssmsmarketing",),
}
FORMATS = {
    SHOPIFY_NAME: (SHOPIFY_REQUIRED, SHOPIFY_OPTIONAL),
    GENERIC_NAME: (GENERIC_REQUIRED, GENERIC_OPTIONAL),
}
# For detection (importers.detect): required columns, and every column each format knows.
KNOWN_COLUMNS = {
    SHOPIFY_NAME: (
        SHOPIFY_REQUIRED,
        {**SHOPIFY_REQUIRED, **SHOPIFY_OPTIONAL, **{c: (c,) for c in SHOPIFY_RECOGNISED}},
    ),
    GENERIC_NAME: (GENERIC_REQUIRED, {**GENERIC_REQUIRED, **GENERIC_OPTIONAL}),
}

CONTACT_COLUMNS = (
    "customer_id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "country",
    "accepts_email",
    "accepts_sms",
)
TEXT_COLUMNS = CONTACT_COLUMNS[:6]
# The database columns' sizes.
MAX_LENGTHS = {
    "customer_id": 64,
    "email": 254,
    "first_name": 150,
    "last_name": 150,
    "phone": 20,
    "country": 2,
}
# Output column -> the picked column it is read from.
CONSENT_COLUMNS = {
    "accepts_email": "accepts_email_marketing",
    "accepts_sms": "accepts_sms_marketing",
}
YES = frozenset({"yes", "true", "1"})
NO = frozenset({"no", "false", "0", ""})


@dataclass
class ContactsResult:
    """Contacts (index = file row numbers, columns CONTACT_COLUMNS) or what refused the file."""

    contacts: pd.DataFrame
    rows_read: int
    problems: list[base.Problem] = field(default_factory=list)
    problems_total: int = 0
    rows_rejected: int = 0
    # The CONTACT_COLUMNS the file holds: the others keep what an earlier import stored.
    provided: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        return self.problems_total > 0


def parse_contacts(raw: pd.DataFrame, format_name: str) -> ContactsResult:
    """Validate every row and map it to CONTACT_COLUMNS; any problem refuses the whole file.

    Problems name the columns as the file spells them (Shopify: 'Accepts Email Marketing').
    """
    if format_name not in FORMATS:
        raise ValueError(f"unknown contacts format {format_name!r}: use {', '.join(FORMATS)}")
    required, optional = FORMATS[format_name]
    picked, missing = base.select_columns(raw, required, optional)
    log = base.ProblemLog(raw.index)
    for column in missing:
        log.add_file_problem(column, "required column is missing")
    if missing:
        return _refusal(log, len(raw))
    names = base.column_sources(raw, {**required, **optional})
    contacts = pd.DataFrame({c: _text(picked, c) for c in TEXT_COLUMNS}, index=raw.index)
    if format_name == SHOPIFY_NAME:
        # Shopify quotes long numbers for spreadsheets: '7012345678901.
        for column in ("customer_id", "phone"):
            contacts[column] = contacts[column].str.removeprefix("'")
    _check_customer_ids(contacts, names["customer_id"], log)
    _check_emails(contacts, names["email"], log)
    _check_countries(contacts, names["country"], log)
    contacts["phone"] = as_phone(contacts["phone"], contacts["country"], names["phone"], log)
    for column, source in CONSENT_COLUMNS.items():
        contacts[column] = as_consent(_optional(picked, source), names[source], log)
    _check_lengths(contacts, names, log)
    if log.total:
        return _refusal(log, len(raw))
    sources = {**{c: c for c in TEXT_COLUMNS}, **CONSENT_COLUMNS}
    provided = tuple(c for c in CONTACT_COLUMNS if sources[c] in picked.columns)
    return ContactsResult(
        contacts=contacts.loc[:, list(CONTACT_COLUMNS)], rows_read=len(raw), provided=provided
    )


def as_consent(values: pd.Series, column: str, log: base.ProblemLog) -> pd.Series:
    """yes/no, true/false or 1/0 in any case; empty is no consent."""
    words = base.as_text(values).str.lower()
    log.add(~words.isin(YES | NO), values, column, "not yes/no, true/false or 1/0")
    return words.isin(YES)


def as_phone(
    phones: pd.Series, countries: pd.Series, column: str, log: base.ProblemLog
) -> pd.Series:
    """E.164 numbers; a number without country code is read in the customer's country."""
    parsed = [
        _parse_phone(phone, country) for phone, country in zip(phones, countries, strict=True)
    ]
    numbers = pd.Series([number for number, _ in parsed], index=phones.index, dtype=str)
    reasons = pd.Series([reason for _, reason in parsed], index=phones.index, dtype=object)
    for reason in sorted(set(reasons) - {""}):
        log.add(reasons == reason, phones, column, reason)
    return numbers


def _parse_phone(text: str, country: str) -> tuple[str, str]:
    """(E.164 number, '') or ('', the reason it was refused)."""
    if not text:
        return "", ""
    try:
        number = phonenumbers.parse(text, country or None)
    except phonenumbers.NumberParseException as error:
        if error.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            return "", "phone number without country code (+...) and no usable country"
        return "", "not a phone number"
    if not phonenumbers.is_valid_number(number):
        return "", "not a valid phone number"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), ""


def _check_customer_ids(contacts: pd.DataFrame, column: str, log: base.ProblemLog) -> None:
    ids = contacts["customer_id"]
    base.require_text(ids, column, log, "empty customer id")
    repeated = ids.duplicated(keep="first") & (ids != "")
    log.add(repeated, ids, column, "customer id appears more than once in this file")


def _check_emails(contacts: pd.DataFrame, column: str, log: base.ProblemLog) -> None:
    """Valid addresses (deliverability is not checked), kept trimmed and lower-cased.

    email-validator's normalised form is not stored: it may change more than case (Unicode
    normalisation), and the address must stay the one the customer gave.
    """
    emails = contacts["email"]
    valid = {email: _is_email(email) for email in set(emails) - {""}}
    bad = emails.map(lambda email: email != "" and not valid[email]).astype(bool)
    log.add(bad, emails, column, "not a valid email address")
    contacts["email"] = emails.str.lower()


def _is_email(text: str) -> bool:
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _check_countries(contacts: pd.DataFrame, column: str, log: base.ProblemLog) -> None:
    countries = contacts["country"].str.upper()
    bad = (countries != "") & ~countries.str.fullmatch(r"[A-Z]{2}")
    log.add(bad, contacts["country"], column, "not a 2-letter country code (ISO 3166)")
    contacts["country"] = countries.where(~bad, "")


def _check_lengths(contacts: pd.DataFrame, names: dict[str, str], log: base.ProblemLog) -> None:
    for column, limit in MAX_LENGTHS.items():
        too_long = contacts[column].str.len() > limit
        log.add(too_long, contacts[column], names[column], f"longer than {limit} characters")


def _text(picked: pd.DataFrame, column: str) -> pd.Series:
    return base.as_text(_optional(picked, column))


def _optional(picked: pd.DataFrame, column: str) -> pd.Series:
    """The picked column, or empty cells when the file does not have this optional column."""
    if column in picked.columns:
        return picked[column]
    return pd.Series("", index=picked.index, dtype=object)


def _refusal(log: base.ProblemLog, rows_read: int) -> ContactsResult:
    return ContactsResult(
        contacts=empty_contacts(),
        rows_read=rows_read,
        problems=log.problems,
        problems_total=log.total,
        rows_rejected=int(log.bad_rows.sum()),
    )


def empty_contacts() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype=object) for column in TEXT_COLUMNS})
    for column in ("accepts_email", "accepts_sms"):
        frame[column] = pd.Series(dtype=bool)
    return frame
