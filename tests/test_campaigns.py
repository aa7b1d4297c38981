from __future__ import annotations

import csv
import io

import pytest

from segments import campaigns
from segments.campaigns import NO_CONSENT, NO_CONTACT, PRESETS, Member, select_members
from tests.contact_samples import member

# SHA-256 digests worked out apart from the code under test (sha256sum on the literal text).
SHA_TEST_EMAIL = "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b"
SHA_PHONE_PLUS = "f0bf0228144d9fe2bdf1da2d8ca698f17bf1410ee688b075c27062e47b6f0b6d"  # +442079460958
SHA_PHONE_DIGITS = (
    "35e206e5dec4c89b9e8b71b8c32724a5bb518483ac5a20c6617d738375b3b823"  # 442079460958
)
SHA_ANA = "24d4b96f58da6d4a8512313bbd02a28ebf0ca95dec6e4c86ef78ce7f01e788ac"  # ana
SHA_LOPEZ = "4dd1d4d99d1a1357bd8cef658d5c327114713b75e9cab8c89c0d43ae34fdb921"  # lópez (NFC)
SHA_GB = "0b407281768f0e833afef47ed464b6571d01ca4d53c12ce5c51d1462f4ad6677"  # gb


def _rows(preset_name: str, members, **options) -> list[list[str]]:
    lines = campaigns.csv_lines(PRESETS[preset_name], members, **options)
    return list(csv.reader(io.StringIO("".join(lines).removeprefix(campaigns.BOM))))


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("analyst", ["customer_id", "segment", "segment_name", "products_ordered",
                     "average_return_rate", "total_spending", "run_id", "run_date", "email",
                     "phone", "country", "accepts_email_marketing", "accepts_sms_marketing"]),
        ("klaviyo", ["Email Address", "Phone Number", "First Name", "Last Name", "Country",
                     "Segment"]),
        ("mailchimp", ["Email Address", "First Name", "Last Name", "Phone Number", "Country",
                       "Tags"]),
        ("meta", ["email", "phone", "fn", "ln", "country"]),
        ("google", ["Email", "Phone", "First Name", "Last Name", "Country"]),
    ],
)  # fmt: skip
def test_csv_lines_preset_header_exact(name, header):
    assert _rows(name, [])[0] == header


@pytest.mark.parametrize(
    ("name", "row"),
    [
        ("analyst", ["7012345678901", "2", "VIP \u00b7 Loyal & Big Spenders", "14", "0.05",
                     "1234.57", "12", "2026-03-05", "ana.lopez@example.com", "+442079460958",
                     "GB", "yes", "yes"]),
        ("klaviyo", ["ana.lopez@example.com", "+442079460958", "Ana", "L\u00f3pez", "GB",
                     "VIP \u00b7 Loyal & Big Spenders"]),
        ("mailchimp", ["ana.lopez@example.com", "Ana", "L\u00f3pez", "+442079460958", "GB",
                       "VIP \u00b7 Loyal & Big Spenders"]),
        ("meta", ["ana.lopez@example.com", "442079460958", "ana", "l\u00f3pez", "gb"]),
        ("google", ["ana.lopez@example.com", "+442079460958", "ana", "l\u00f3pez", "GB"]),
    ],
)  # fmt: skip
def test_csv_lines_preset_row_normalised(name, row):
    assert _rows(name, [member()])[1] == row


def test_csv_lines_analyst_without_contacts_withholds_contact_columns():
    rows = _rows("analyst", [member()], with_contacts=False)
    assert rows[0] == ["customer_id", "segment", "segment_name", "products_ordered",
                       "average_return_rate", "total_spending", "run_id", "run_date"]  # fmt: skip
    assert len(rows[1]) == 8


@pytest.mark.parametrize("name", ["klaviyo", "mailchimp", "meta", "google"])
def test_csv_lines_tool_without_contacts_raises(name):
    with pytest.raises(ValueError, match="contacts cannot be withheld"):
        campaigns.csv_lines(PRESETS[name], [], with_contacts=False)


@pytest.mark.parametrize("name", ["analyst", "klaviyo", "mailchimp"])
def test_csv_lines_hash_unhashable_preset_raises(name):
    with pytest.raises(ValueError, match="only the meta and google lists can"):
        campaigns.csv_lines(PRESETS[name], [], hash_ids=True)


def test_csv_lines_first_line_starts_with_bom_and_lines_end_crlf():
    lines = list(campaigns.csv_lines(PRESETS["meta"], [member()]))
    assert lines[0] == "\ufeffemail,phone,fn,ln,country\r\n"
    assert lines[1].endswith("\r\n")
    assert not lines[1].startswith("\ufeff")


def test_csv_lines_mailchimp_tag_without_commas():
    rows = _rows("mailchimp", [member(segment_name="Loyal, big spenders")])
    assert rows[1][5] == "Loyal big spenders"


@pytest.mark.parametrize(
    ("first_name", "last_name", "fn", "ln"),
    [
        ("  Anne-Marie ", "O'Brien", "annemarie", "obrien"),
        ("Jos\u00e9", "MAC DONALD", "jos\u00e9", "macdonald"),
        ("Jose\u0301", "St. John", "jos\u00e9", "stjohn"),  # decomposed accent -> NFC
        ("=cmd", "", "cmd", ""),
    ],
)
def test_csv_lines_meta_names_letters_only(first_name, last_name, fn, ln):
    rows = _rows("meta", [member(first_name=first_name, last_name=last_name)])
    assert rows[1][2:4] == [fn, ln]


def test_csv_lines_meta_hashed_known_digests():
    rows = _rows("meta", [member(email=" Test@Example.com ")], hash_ids=True)
    assert rows[1] == [SHA_TEST_EMAIL, SHA_PHONE_DIGITS, SHA_ANA, SHA_LOPEZ, SHA_GB]


def test_csv_lines_google_hashed_known_digests_country_clear():
    rows = _rows("google", [member(email="TEST@example.com")], hash_ids=True)
    assert rows[1] == [SHA_TEST_EMAIL, SHA_PHONE_PLUS, SHA_ANA, SHA_LOPEZ, "GB"]


@pytest.mark.parametrize("name", ["meta", "google"])
def test_csv_lines_hashed_empty_values_stay_empty(name):
    empty = member(phone="", first_name="", last_name="", country="")
    assert _rows(name, [empty], hash_ids=True)[1][1:] == ["", "", "", ""]


@pytest.mark.parametrize(
    ("name", "email", "phone", "accepts_email", "accepts_sms", "expected"),
    [
        ("analyst", "", "", False, False, None),
        ("klaviyo", "a@example.com", "+442079460958", True, False, None),
        ("klaviyo", "a@example.com", "+442079460958", False, True, NO_CONSENT),
        ("klaviyo", "", "+442079460958", True, True, NO_CONTACT),
        ("mailchimp", "", "", True, True, NO_CONTACT),
        ("meta", "a@example.com", "", False, False, NO_CONSENT),
        ("meta", "", "+442079460958", False, True, None),
        ("meta", "a@example.com", "+442079460958", False, True, None),
        # SMS consent without a phone does not make the email usable.
        ("google", "a@example.com", "", False, True, NO_CONSENT),
        ("google", "", "", True, True, NO_CONTACT),
    ],
)
def test_qualify_by_contact_and_consent_reason(
    name, email, phone, accepts_email, accepts_sms, expected
):
    candidate = member(
        email=email, phone=phone, accepts_email=accepts_email, accepts_sms=accepts_sms
    )
    assert campaigns.qualify(candidate, PRESETS[name]) == expected


@pytest.mark.parametrize(
    ("email", "accepts_email", "expected"),
    [("a@example.com", False, None), ("", True, NO_CONTACT)],
)
def test_qualify_include_without_consent_still_needs_contact(email, accepts_email, expected):
    candidate = member(email=email, accepts_email=accepts_email)
    qualified = campaigns.qualify(candidate, PRESETS["klaviyo"], include_without_consent=True)
    assert qualified == expected


def test_select_members_counts_left_out_by_reason():
    members = [
        member(customer_id="a"),
        member(customer_id="b", accepts_email=False),
        member(customer_id="c", accepts_email=False),
        member(customer_id="d", email=""),
    ]
    left_out = campaigns.LeftOut()
    kept = campaigns.select_members(members, PRESETS["mailchimp"], left_out=left_out)
    assert [m.customer_id for m in kept] == ["a"]
    assert (left_out.no_contact, left_out.no_consent, left_out.total) == (1, 2, 3)


def test_select_members_include_without_consent_keeps_unconsented():
    members = [member(customer_id="a", accepts_email=False), member(customer_id="b", email="")]
    left_out = campaigns.LeftOut()
    kept = campaigns.select_members(
        members, PRESETS["klaviyo"], include_without_consent=True, left_out=left_out
    )
    assert [m.customer_id for m in kept] == ["a"]
    assert (left_out.no_contact, left_out.no_consent) == (1, 0)


def test_in_holdout_same_inputs_same_split():
    ids = [f"c{i}" for i in range(500)]
    first = [campaigns.in_holdout(12, 2, cid, 20) for cid in ids]
    assert first == [campaigns.in_holdout(12, 2, cid, 20) for cid in ids]
    assert first != [campaigns.in_holdout(13, 2, cid, 20) for cid in ids]


def test_in_holdout_lists_disjoint_and_share_near_percent():
    ids = [f"c{i}" for i in range(10_000)]
    held = {cid for cid in ids if campaigns.in_holdout(12, 2, cid, 10)}
    targeted = {cid for cid in ids if not campaigns.in_holdout(12, 2, cid, 10)}
    assert held.isdisjoint(targeted)
    assert held | targeted == set(ids)
    assert 850 <= len(held) <= 1150


def test_in_holdout_zero_percent_holds_out_nobody():
    assert not any(campaigns.in_holdout(12, 2, f"c{i}", 0) for i in range(1000))


@pytest.mark.parametrize("percent", [-1, 90.5, 100])
def test_in_holdout_percent_out_of_range_raises(percent):
    with pytest.raises(ValueError, match="between 0 and 90"):
        campaigns.in_holdout(12, 2, "c1", percent)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+44", "'+44"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        (";x", "';x"),
        ("\uff1dSUM(A1)", "'\uff1dSUM(A1)"),
        ("\uff0b1", "'\uff0b1"),
        ("\uff0d1", "'\uff0d1"),
        ("\uff20x", "'\uff20x"),
        ("  =1+2", "'  =1+2"),
        ("C001", "C001"),
        ("a=b", "a=b"),
        ("", ""),
        (-3, -3),
        (-12.5, -12.5),
        (None, None),
    ],
)
def test_neutralise_cell_quotes_formula_text_only(value, expected):
    assert campaigns.neutralise_cell(value) == expected


def test_csv_lines_identifier_columns_never_neutralised():
    tricky = member(email="=x@example.com", first_name="=cmd", segment_name="-VIP")
    assert _rows("klaviyo", [tricky])[1] == [
        "=x@example.com", "+442079460958", "'=cmd", "L\u00f3pez", "GB", "'-VIP"
    ]  # fmt: skip


def test_csv_lines_analyst_neutralises_email_not_phone():
    row = _rows("analyst", [member(email="=x@example.com", customer_id="-1")])[1]
    assert (row[0], row[8], row[9]) == ("'-1", "'=x@example.com", "+442079460958")


@pytest.mark.parametrize(
    ("names", "preset", "holdout", "expected"),
    [
        (["VIP \u00b7 Loyal & Big Spenders"], "klaviyo", False,
         "segweb-run-12-vip-loyal-big-spenders-klaviyo.csv"),
        (["Caf\u00e9 Cr\u00e8me -- fans"], "meta", True,
         "segweb-run-12-cafe-creme-fans-meta-holdout.csv"),
        (["\u5927\u5ba2\u6237"], "google", False, "segweb-run-12-segment-google.csv"),
        (["A", "B", "C"], "mailchimp", False, "segweb-run-12-3-segments-mailchimp.csv"),
        (None, "analyst", False, "segweb-run-12-all-segments-analyst.csv"),
    ],
)  # fmt: skip
def test_export_filename_slug_preset_holdout(names, preset, holdout, expected):
    assert campaigns.export_filename(12, names, PRESETS[preset], holdout=holdout) == expected


def test_get_preset_unknown_raises():
    with pytest.raises(ValueError, match="unknown list preset 'tiktok'"):
        campaigns.get_preset("tiktok")


@pytest.mark.parametrize(
    ("preset", "include_without_consent", "expected"),
    [
        ("meta", False, ("", "+447400123456")),
        ("google", False, ("", "+447400123456")),
        ("meta", True, ("sms.only@example.com", "+447400123456")),
        ("analyst", False, ("sms.only@example.com", "+447400123456")),
    ],
)
def test_select_members_tool_lists_carry_only_consented_contacts(
    preset, include_without_consent, expected
):
    member = Member(
        customer_id="C9", segment_index=1, segment_name="S", products_ordered=1,
        average_return_rate=0.0, total_spending=10.0, email="sms.only@example.com",
        phone="+447400123456", accepts_email=False, accepts_sms=True, run_id=1,
        run_date="2026-11-26",
    )  # fmt: skip
    chosen = list(
        select_members([member], PRESETS[preset], include_without_consent=include_without_consent)
    )
    assert [(m.email, m.phone) for m in chosen] == [expected]
