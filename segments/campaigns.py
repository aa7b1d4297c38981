"""Campaign target lists: who goes on a list, in which tool's columns, and who is held out.

Pure: no Django, no database. A Preset names a destination (an analyst's spreadsheet or a
marketing tool's import), its exact header, the consent channels that qualify a member and how a
member becomes a row. The caller streams members in, filtered by `select_members`, split by
`in_holdout`, and written by `csv_lines`.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

EMAIL = "email"
SMS = "sms"
NO_CONTACT = "no contact"
NO_CONSENT = "no consent"
DEFAULT_PRESET = "analyst"
MAX_HOLDOUT_PERCENT = 90
BOM = "\ufeff"
# OWASP CSV injection, plus ';' and the full-width = + - @ that some spreadsheets also accept.
FULL_WIDTH_SIGNS = ("\uff1d", "\uff0b", "\uff0d", "\uff20")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", ";", *FULL_WIDTH_SIGNS)
ANALYST_COLUMNS = (
    "customer_id", "segment", "segment_name", "products_ordered", "average_return_rate",
    "total_spending", "run_id", "run_date",
    "email", "phone", "country", "accepts_email_marketing", "accepts_sms_marketing",
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Member:
    """One customer of a segment, with the contact data the lists may carry."""

    customer_id: str
    segment_index: int
    segment_name: str
    products_ordered: int
    average_return_rate: float
    total_spending: float
    email: str = ""
    phone: str = ""  # E.164 or ''
    first_name: str = ""
    last_name: str = ""
    country: str = ""  # ISO 3166 alpha-2, upper case, or ''
    accepts_email: bool = False
    accepts_sms: bool = False
    run_id: int
    run_date: str  # ISO date


RowBuilder = Callable[[Member, bool], list[Any]]


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    header: tuple[str, ...]
    # Consent on any of these channels qualifies a member; none means everyone qualifies.
    channels: tuple[str, ...]
    # Columns the tool must read exactly: never neutralised.
    identifiers: frozenset[str]
    build: RowBuilder
    hashable: bool = False
    # Trailing columns holding contact data, which an analyst's list may withhold.
    contact_columns: int = 0

    def columns(self, with_contacts: bool = True) -> tuple[str, ...]:
        if with_contacts:
            return self.header
        return self.header[: len(self.header) - self.contact_columns]


@dataclass
class LeftOut:
    """How many members a list left out, by reason (complete once the members are consumed)."""

    no_contact: int = 0
    no_consent: int = 0

    def count(self, reason: str) -> None:
        if reason == NO_CONTACT:
            self.no_contact += 1
        else:
            self.no_consent += 1

    @property
    def total(self) -> int:
        return self.no_contact + self.no_consent


def qualify(member: Member, preset: Preset, *, include_without_consent: bool = False) -> str | None:
    """None when the member goes on the list, else NO_CONTACT or NO_CONSENT.

    A member is reachable on a channel when they have its contact (email for email, phone for
    SMS); they qualify when they accepted marketing on a channel where they are reachable.
    Members reachable on no channel stay off the tool lists even with include_without_consent.
    """
    if not preset.channels:
        return None
    reachable = [channel for channel in preset.channels if _contact(member, channel)]
    if not reachable:
        return NO_CONTACT
    if include_without_consent or any(_consents(member, channel) for channel in reachable):
        return None
    return NO_CONSENT


def select_members(
    members: Iterable[Member],
    preset: Preset,
    *,
    include_without_consent: bool = False,
    left_out: LeftOut | None = None,
) -> Iterator[Member]:
    """The members that qualify for the preset's list; the others are counted in left_out.

    A tool's list carries only the contacts a member consented to: someone who accepts SMS but
    not email goes to Meta with their phone, not their email (unless include_without_consent).
    """
    for member in members:
        reason = qualify(member, preset, include_without_consent=include_without_consent)
        if reason is None:
            keep_all = include_without_consent or not preset.channels
            yield member if keep_all else _consented_contacts_only(member)
        elif left_out is not None:
            left_out.count(reason)


def in_holdout(run_id: int, segment_index: int, customer_id: str, percent: float) -> bool:
    """Whether the customer belongs to the control group that receives no campaign.

    The same inputs always give the same answer: a SHA-256 of run, segment and customer mapped
    to [0, 1) and compared with percent / 100, so about percent % of a segment is held out.
    """
    if not 0 <= percent <= MAX_HOLDOUT_PERCENT:
        raise ValueError(f"holdout percent must be between 0 and {MAX_HOLDOUT_PERCENT}: {percent}")
    key = f"{run_id}:{segment_index}:{customer_id}".encode()
    share = int.from_bytes(hashlib.sha256(key).digest()[:8], "big") / 2**64
    return share < percent / 100


def neutralise_cell(value: Any) -> Any:
    """Prefix text that a spreadsheet could read as a formula with a quote; other values pass.

    The first character counts, and so does the first after leading whitespace, because some
    spreadsheets trim cells on import. The original text is kept after the quote.
    """
    if isinstance(value, str) and (
        value.startswith(FORMULA_PREFIXES) or value.lstrip().startswith(FORMULA_PREFIXES)
    ):
        return "'" + value
    return value


def hash_identifier(value: str) -> str:
    """SHA-256 hex digest of a normalised identifier; empty stays empty (never hashed)."""
    return hashlib.sha256(value.encode()).hexdigest() if value else ""


def meta_name(name: str) -> str:
    """Meta's name form: lower case, letters only (accents kept, in NFC UTF-8).

    Meta's customer-list guide asks for names in lower case without punctuation, special
    characters in UTF-8; spaces, hyphens, apostrophes and digits are dropped:
    "Anne-Marie" -> "annemarie", "O'Brien" -> "obrien", "José" -> "josé".
    """
    text = unicodedata.normalize("NFC", name.strip().lower())
    return "".join(char for char in text if unicodedata.category(char)[0] in "LM")


def build_row(
    preset: Preset, member: Member, *, hash_ids: bool = False, with_contacts: bool = True
) -> list[Any]:
    """The member's cells under the preset's header, free text neutralised."""
    _check_options(preset, hash_ids, with_contacts)
    return _row(preset, member, hash_ids, with_contacts)


def csv_lines(
    preset: Preset, members: Iterable[Member], hash_ids: bool = False, *, with_contacts: bool = True
) -> Iterator[str]:
    """A UTF-8 BOM and the header line, then one line per member (lines end with CRLF).

    The BOM lets spreadsheets read accents right; the tools' importers accept it.
    """
    _check_options(preset, hash_ids, with_contacts)
    return _lines(preset, members, hash_ids, with_contacts)


def export_filename(
    run_id: int, segment_names: Sequence[str] | None, preset: Preset, holdout: bool = False
) -> str:
    """segweb-run-12-vip-loyal-klaviyo.csv; several segments: 3-segments; all: all-segments."""
    if not segment_names:
        part = "all-segments"
    elif len(segment_names) == 1:
        part = slugify(segment_names[0]) or "segment"
    else:
        part = f"{len(segment_names)}-segments"
    suffix = "-holdout" if holdout else ""
    return f"segweb-run-{run_id}-{part}-{preset.name}{suffix}.csv"


def slugify(text: str, max_length: int = 60) -> str:
    """Lower-case ASCII, accents folded, anything else a single dash."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ValueError(f"unknown list preset {name!r}: use {', '.join(PRESETS)}")
    return PRESETS[name]


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def _lines(
    preset: Preset, members: Iterable[Member], hash_ids: bool, with_contacts: bool
) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(preset.columns(with_contacts))
    for member in members:
        yield writer.writerow(_row(preset, member, hash_ids, with_contacts))


def _row(preset: Preset, member: Member, hash_ids: bool, with_contacts: bool) -> list[Any]:
    header = preset.columns(with_contacts)
    cells = preset.build(member, hash_ids)[: len(header)]
    return [
        cell if column in preset.identifiers else neutralise_cell(cell)
        for column, cell in zip(header, cells, strict=True)
    ]


def _check_options(preset: Preset, hash_ids: bool, with_contacts: bool) -> None:
    if hash_ids and not preset.hashable:
        hashable = " and ".join(name for name, p in PRESETS.items() if p.hashable)
        raise ValueError(f"the {preset.name} list cannot be hashed: only the {hashable} lists can")
    if not with_contacts and not preset.contact_columns:
        raise ValueError(f"the {preset.name} list is contact data: contacts cannot be withheld")


def _consented_contacts_only(member: Member) -> Member:
    return replace(
        member,
        email=member.email if member.accepts_email else "",
        phone=member.phone if member.accepts_sms else "",
    )


def _contact(member: Member, channel: str) -> str:
    return member.email if channel == EMAIL else member.phone


def _consents(member: Member, channel: str) -> bool:
    return member.accepts_email if channel == EMAIL else member.accepts_sms


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _analyst_row(member: Member, hash_ids: bool) -> list[Any]:
    m = member
    return [
        m.customer_id, m.segment_index, m.segment_name, m.products_ordered,
        m.average_return_rate, round(m.total_spending, 2), m.run_id, m.run_date,
        m.email, m.phone, m.country, _yes_no(m.accepts_email), _yes_no(m.accepts_sms),
    ]  # fmt: skip


def _klaviyo_row(member: Member, hash_ids: bool) -> list[Any]:
    m = member
    return [m.email, m.phone, m.first_name, m.last_name, m.country, m.segment_name]


def _mailchimp_row(member: Member, hash_ids: bool) -> list[Any]:
    m = member
    # Mailchimp splits the Tags cell on commas: one segment must stay one tag.
    tag = " ".join(m.segment_name.replace(",", " ").split())
    return [m.email, m.first_name, m.last_name, m.phone, m.country, tag]


def _meta_row(member: Member, hash_ids: bool) -> list[Any]:
    """Email trimmed and lower-cased, phone digits with country code (no '+'), names by
    meta_name, country lower-case ISO; when hashed, all five (Meta hashes COUNTRY too)."""
    m = member
    cells = [
        m.email.strip().lower(),
        re.sub(r"\D", "", m.phone),
        meta_name(m.first_name),
        meta_name(m.last_name),
        m.country.strip().lower(),
    ]
    return [hash_identifier(cell) for cell in cells] if hash_ids else cells


def _google_row(member: Member, hash_ids: bool) -> list[Any]:
    """Email and names trimmed and lower-cased, phone E.164 with '+'; when hashed, all but
    Country (Google takes the country in clear)."""
    m = member
    cells = [m.email.strip().lower(), m.phone.strip(), m.first_name.strip().lower()]
    cells.append(m.last_name.strip().lower())
    if hash_ids:
        cells = [hash_identifier(cell) for cell in cells]
    return [*cells, m.country.strip().upper()]


ANALYST = Preset(
    name="analyst",
    label="Analyst (all columns)",
    header=ANALYST_COLUMNS,
    channels=(),
    # Phones (E.164) and countries (two letters) cannot hold a formula; emails can, and this
    # file is opened in spreadsheets, so they are neutralised like any text.
    identifiers=frozenset({"phone", "country"}),
    build=_analyst_row,
    contact_columns=5,
)
# The tools match on these exactly. An email may start with '=' and then reads as a formula in
# a spreadsheet; the tool needs it as it is, so it is written unchanged.
KLAVIYO = Preset(
    name="klaviyo",
    label="Klaviyo",
    header=("Email Address", "Phone Number", "First Name", "Last Name", "Country", "Segment"),
    channels=(EMAIL,),
    identifiers=frozenset({"Email Address", "Phone Number", "Country"}),
    build=_klaviyo_row,
)
MAILCHIMP = Preset(
    name="mailchimp",
    label="Mailchimp",
    header=("Email Address", "First Name", "Last Name", "Phone Number", "Country", "Tags"),
    channels=(EMAIL,),
    identifiers=frozenset({"Email Address", "Phone Number", "Country"}),
    build=_mailchimp_row,
)
META = Preset(
    name="meta",
    label="Meta custom audience",
    header=("email", "phone", "fn", "ln", "country"),
    channels=(EMAIL, SMS),
    # Names are letters only after meta_name, so every column is safe to write exactly.
    identifiers=frozenset({"email", "phone", "fn", "ln", "country"}),
    build=_meta_row,
    hashable=True,
)
GOOGLE = Preset(
    name="google",
    label="Google Customer Match",
    header=("Email", "Phone", "First Name", "Last Name", "Country"),
    channels=(EMAIL, SMS),
    identifiers=frozenset({"Email", "Phone", "Country"}),
    build=_google_row,
    hashable=True,
)
PRESETS = {preset.name: preset for preset in (ANALYST, KLAVIYO, MAILCHIMP, META, GOOGLE)}
