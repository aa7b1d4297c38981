from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from segments import campaigns, exports, list_queries, roles
from segments.exports import ListRequest
from segments.models import AuditEvent, ExportRecord
from tests import factories

FINISHED = dt.datetime(2026, 3, 5, 12, 0, tzinfo=dt.UTC)
ANALYST_WITHOUT_CONTACTS = [
    "customer_id", "segment", "segment_name", "products_ordered", "average_return_rate",
    "total_spending", "run_id", "run_date",
]  # fmt: skip


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix(campaigns.BOM))))


def stream_body(request: ListRequest, user=None) -> bytes:
    return b"".join(exports.stream_list(request, user))


def read_list(request: ListRequest, user=None) -> list[list[str]]:
    return parse(stream_body(request, user).decode())


# campaign_run: segment 1 holds ANA (email consent) and BO (email, no consent); segment 2 holds
# CY (no email, no phone) and DEE (phone only, SMS consent). {run}/{date} are filled in.
# ANA did not accept SMS: the tools' lists carry her email, not her phone.
@pytest.mark.parametrize(
    ("preset", "rows", "no_contact", "no_consent"),
    [
        ("analyst", [
            [*ANALYST_WITHOUT_CONTACTS, "email", "phone", "country", "accepts_email_marketing",
             "accepts_sms_marketing"],
            ["C-ANA", "1", "Occasional", "1", "0.0", "100.0", "{run}", "{date}",
             "ana.lopez@example.com", "+442079460958", "GB", "yes", "no"],
            ["C-BO", "1", "Occasional", "1", "0.0", "100.0", "{run}", "{date}",
             "bo@example.com", "", "US", "no", "no"],
            ["C-CY", "2", "VIP \u00b7 Loyal", "1", "0.0", "100.0", "{run}", "{date}",
             "", "", "FR", "yes", "yes"],
            ["C-DEE", "2", "VIP \u00b7 Loyal", "1", "0.0", "100.0", "{run}", "{date}",
             "", "+33612345678", "FR", "no", "yes"],
        ], 0, 0),
        ("klaviyo", [
            ["Email Address", "Phone Number", "First Name", "Last Name", "Country", "Segment"],
            ["ana.lopez@example.com", "", "Ana", "L\u00f3pez", "GB", "Occasional"],
        ], 2, 1),
        ("mailchimp", [
            ["Email Address", "First Name", "Last Name", "Phone Number", "Country", "Tags"],
            ["ana.lopez@example.com", "Ana", "L\u00f3pez", "", "GB", "Occasional"],
        ], 2, 1),
        ("meta", [
            ["email", "phone", "fn", "ln", "country"],
            ["ana.lopez@example.com", "", "ana", "l\u00f3pez", "gb"],
            ["", "33612345678", "dee", "dunn", "fr"],
        ], 1, 1),
        ("google", [
            ["Email", "Phone", "First Name", "Last Name", "Country"],
            ["ana.lopez@example.com", "", "ana", "l\u00f3pez", "GB"],
            ["", "+33612345678", "dee", "dunn", "FR"],
        ], 1, 1),
    ],
)  # fmt: skip
@pytest.mark.django_db
def test_stream_list_preset_exact_rows_and_left_out_counts(
    preset, rows, no_contact, no_consent
) -> None:
    run = factories.campaign_run(finished_at=FINISHED)
    body = stream_body(ListRequest(run=run, preset=preset))
    assert body.startswith(codecs.BOM_UTF8)
    expected = [[cell.format(run=run.pk, date="2026-03-05") for cell in row] for row in rows]
    assert parse(body.decode()) == expected
    record = ExportRecord.objects.get()
    assert (record.preset, record.rows) == (preset, len(rows) - 1)
    assert (record.left_out_no_contact, record.left_out_no_consent) == (no_contact, no_consent)


@pytest.mark.parametrize(
    ("preset", "customers", "no_contact"),
    [
        ("klaviyo", ["ana.lopez@example.com", "bo@example.com"], 2),
        ("mailchimp", ["ana.lopez@example.com", "bo@example.com"], 2),
        ("meta", ["ana.lopez@example.com", "bo@example.com", ""], 1),
        ("google", ["ana.lopez@example.com", "bo@example.com", ""], 1),
    ],
)
@pytest.mark.django_db
def test_stream_list_include_without_consent_puts_unconsented_back(
    preset, customers, no_contact
) -> None:
    run = factories.campaign_run()
    rows = read_list(ListRequest(run=run, preset=preset, include_without_consent=True))
    assert [row[0] for row in rows[1:]] == customers
    record = ExportRecord.objects.get()
    assert record.include_without_consent
    assert (record.left_out_no_contact, record.left_out_no_consent) == (no_contact, 0)


@pytest.mark.parametrize(
    ("preset", "rows"),
    [
        ("meta", [
            [sha("ana.lopez@example.com"), "", sha("ana"), sha("l\u00f3pez"), sha("gb")],
            ["", sha("33612345678"), sha("dee"), sha("dunn"), sha("fr")],
        ]),
        ("google", [
            [sha("ana.lopez@example.com"), "", sha("ana"), sha("l\u00f3pez"), "GB"],
            ["", sha("+33612345678"), sha("dee"), sha("dunn"), "FR"],
        ]),
    ],
)  # fmt: skip
@pytest.mark.django_db
def test_stream_list_hashed_sha256_of_normalised_values(preset, rows) -> None:
    run = factories.campaign_run()
    assert read_list(ListRequest(run=run, preset=preset, hash_ids=True))[1:] == rows
    assert ExportRecord.objects.get().hashed


@pytest.mark.django_db
def test_list_request_spec_all_segments_numbered_as_pages() -> None:
    run = factories.campaign_run(finished_at=FINISHED)
    spec = ListRequest(run=run, preset="meta", hash_ids=True).spec()
    assert [(s.number, s.name) for s in spec.segments] == [
        (1, "Occasional"),
        (2, "VIP \u00b7 Loyal"),
    ]
    assert (spec.run_id, spec.run_date, spec.preset.name, spec.hash_ids) == (
        run.pk,
        "2026-03-05",
        "meta",
        True,
    )


@pytest.mark.django_db
def test_stream_list_segment_only_its_members_numbered_as_pages() -> None:
    run = factories.campaign_run()
    segment = run.segments.get(index=1)
    rows = read_list(ListRequest(run=run, segments=(segment,)))
    assert [row[:2] for row in rows[1:]] == [["C-CY", "2"], ["C-DEE", "2"]]
    record = ExportRecord.objects.get()
    assert (record.segment, record.segment_indexes, record.rows) == (segment, [2], 2)


@pytest.mark.django_db
def test_stream_list_record_holds_options_and_counts() -> None:
    run = factories.campaign_run()
    segment = run.segments.get(index=0)
    user = factories.marketing_user()
    request = ListRequest(run=run, segments=(segment,), preset="klaviyo", holdout_percent=50)
    stream_body(request, user)
    record = ExportRecord.objects.get()
    assert (record.user, record.run, record.segment, record.segment_indexes) == (
        user,
        run,
        segment,
        [1],
    )
    assert (record.preset, record.hashed, record.with_contacts) == ("klaviyo", False, True)
    assert (record.holdout_percent, record.rows + record.holdout_rows) == (50, 1)
    assert (record.left_out_no_contact, record.left_out_no_consent) == (0, 1)


@pytest.mark.django_db
def test_stream_list_holdout_zip_of_list_and_holdout_file() -> None:
    run = factories.campaign_run()
    request = ListRequest(run=run, preset="meta", holdout_percent=50)
    archive = zipfile.ZipFile(io.BytesIO(stream_body(request)))
    names = archive.namelist()
    assert names == [
        f"segweb-run-{run.pk}-all-segments-meta.csv",
        f"segweb-run-{run.pk}-all-segments-meta-holdout.csv",
    ]
    listed, held = (parse(archive.read(name).decode()) for name in names)
    assert listed[0] == held[0] == ["email", "phone", "fn", "ln", "country"]
    assert sorted(listed[1:] + held[1:]) == sorted([
        ["ana.lopez@example.com", "", "ana", "l\u00f3pez", "gb"],
        ["", "33612345678", "dee", "dunn", "fr"],
    ])  # fmt: skip
    record = ExportRecord.objects.get()
    assert (record.rows, record.holdout_rows) == (len(listed) - 1, len(held) - 1)


@pytest.mark.django_db
def test_stream_list_neutralises_formula_text_not_identifiers() -> None:
    dangerous = {"external_id": "@evil", "email": "=x@example.com", "accepts_email_marketing": True}
    run = factories.contact_run(("+Danger", [dangerous]))
    analyst = read_list(ListRequest(run=run))[1]
    assert (analyst[0], analyst[2], analyst[8]) == ("'@evil", "'+Danger", "'=x@example.com")
    klaviyo = read_list(ListRequest(run=run, preset="klaviyo"))[1]
    assert (klaviyo[0], klaviyo[5]) == ("=x@example.com", "'+Danger")


@pytest.mark.django_db
def test_stream_list_closed_early_records_rows_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(list_queries, "CHUNK_ROWS", 2)
    run = factories.segmented_run(sizes=(5,))
    chunks = exports.stream_list(ListRequest(run=run))
    assert next(chunks).startswith(codecs.BOM_UTF8)  # the header
    assert next(chunks).count(b"\r\n") == 2
    chunks.close()
    assert ExportRecord.objects.get().rows == 2


@pytest.mark.django_db
def test_list_chunks_whole_lines_chunk_rows_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines come from COPY in chunks of whole lines, so memory does not grow with the run."""
    monkeypatch.setattr(list_queries, "CHUNK_ROWS", 2)
    counts = exports.ListCounts()
    spec = ListRequest(run=factories.segmented_run(sizes=(5,))).spec()
    header, *chunks = exports.list_chunks(spec, counts)
    assert header.startswith(codecs.BOM_UTF8) and header.count(b"\r\n") == 1
    assert [chunk.count(b"\r\n") for chunk in chunks] == [2, 2, 1]
    assert all(chunk.endswith(b"\r\n") for chunk in chunks)
    assert (counts.rows, counts.holdout_rows) == (5, 0)


@pytest.mark.django_db
def test_write_files_list_and_holdout_disjoint_and_recorded(tmp_path: Path) -> None:
    run = factories.segmented_run(sizes=(20, 20))
    out, holdout_out = tmp_path / "list.csv", tmp_path / "holdout.csv"
    request = ListRequest(run=run, holdout_percent=50)
    counts = exports.write_files(request, str(out), str(holdout_out))
    listed = parse(out.read_text(encoding="utf-8"))
    held = parse(holdout_out.read_text(encoding="utf-8"))
    assert out.read_bytes().startswith(codecs.BOM_UTF8)
    ids = [row[0] for row in listed[1:]]
    held_ids = [row[0] for row in held[1:]]
    assert set(ids).isdisjoint(held_ids)
    assert sorted(ids + held_ids) == sorted(
        run.assignments.values_list("customer__external_id", flat=True)
    )
    assert (counts.rows, counts.holdout_rows) == (len(ids), len(held_ids))
    record = ExportRecord.objects.get()
    assert (record.user, record.rows, record.holdout_rows) == (None, len(ids), len(held_ids))


@pytest.mark.parametrize(
    ("setting", "role", "expected"),
    [
        (True, roles.MARKETING, True),
        (False, roles.MARKETING, False),
        (True, roles.ADMIN, True),
        (False, roles.ADMIN, True),
    ],
)
@pytest.mark.django_db
def test_may_export_contacts_by_setting_and_role(settings, setting, role, expected) -> None:
    settings.SEGWEB_MARKETING_CONTACT_EXPORTS = setting
    assert exports.may_export_contacts(factories.UserFactory(role=role)) is expected


@pytest.mark.django_db
def test_stream_list_without_contacts_withholds_contact_columns() -> None:
    run = factories.campaign_run()
    rows = read_list(ListRequest(run=run, with_contacts=False))
    assert rows[0] == ANALYST_WITHOUT_CONTACTS
    assert {len(row) for row in rows} == {8}
    assert not ExportRecord.objects.get().with_contacts


@pytest.mark.parametrize(
    ("names", "preset", "holdout", "suffix", "expected"),
    [
        ((), "analyst", False, ".csv", "segweb-run-12-all-segments-analyst.csv"),
        (("VIP \u00b7 Loyal",), "klaviyo", False, ".csv", "segweb-run-12-vip-loyal-klaviyo.csv"),
        (("VIP \u00b7 Loyal",), "klaviyo", True, ".csv",
         "segweb-run-12-vip-loyal-klaviyo-holdout.csv"),
        (("VIP \u00b7 Loyal",), "klaviyo", False, ".zip", "segweb-run-12-vip-loyal-klaviyo.zip"),
        (("A", "B"), "meta", False, ".csv", "segweb-run-12-2-segments-meta.csv"),
    ],
)  # fmt: skip
def test_list_request_filename_names_run_segments_preset(
    names, preset, holdout, suffix, expected
) -> None:
    run = factories.SegmentationRunFactory.build(pk=12)
    segments = tuple(
        factories.SegmentFactory.build(run=run, index=i, name=n) for i, n in enumerate(names)
    )
    request = ListRequest(run=run, segments=segments, preset=preset)
    assert request.filename(holdout=holdout, suffix=suffix) == expected


@pytest.mark.django_db
def test_stream_list_record_keeps_run_number_and_is_audited() -> None:
    run = factories.campaign_run()
    user = factories.marketing_user(username="mark")
    segment = run.segments.get(index=1)
    stream_body(ListRequest(run=run, segments=(segment,), preset="klaviyo"), user)
    record = ExportRecord.objects.get()
    assert record.run_number == run.pk
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT_CREATED)
    assert (event.actor, event.object_type, event.object_id) == (user, "export", str(record.pk))
    assert event.details == {
        "run_number": run.pk,
        "segment_indexes": [2],
        "preset": "klaviyo",
        "hashed": False,
        "with_contacts": True,
        "include_without_consent": False,
        "holdout_percent": 0,
    }
