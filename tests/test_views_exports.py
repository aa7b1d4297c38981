from __future__ import annotations

import codecs
import csv
import io
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from segments import campaigns
from segments.models import Assignment, Customer, ExportRecord, SegmentationRun
from segments.services import run_deletion
from segments.services import runs as run_service
from tests import factories

pytestmark = pytest.mark.django_db
KLAVIYO_HEADER = ["Email Address", "Phone Number", "First Name", "Last Name", "Country", "Segment"]


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def parse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode().removeprefix(campaigns.BOM))))


def read_csv(response) -> list[list[str]]:
    return parse(body_of(response))


def segment_url(run: SegmentationRun, number: int) -> str:
    return reverse("segments:segment-export", args=[run.segments.get(index=number - 1).pk])


def run_url(run: SegmentationRun) -> str:
    return reverse("segments:run-export", args=[run.pk])


def error_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def email_audience(name: str, count: int, consented: int) -> SegmentationRun:
    """A one-segment run of `count` customers with an email, the first `consented` accepting."""
    run = factories.contact_run((name, []))
    segment = run.segments.get()
    customers = Customer.objects.bulk_create(
        Customer(
            external_id=f"B{n:04d}",
            email=f"b{n:04d}@example.com",
            accepts_email_marketing=n < consented,
        )
        for n in range(count)
    )
    Assignment.objects.bulk_create(
        factories.AssignmentFactory.build(segment=segment, customer=customer)
        for customer in customers
    )
    return run


@pytest.fixture
def marketing(client: Client) -> Client:
    client.force_login(factories.marketing_user())
    return client


@pytest.fixture
def admin(client: Client) -> Client:
    client.force_login(factories.admin_user())
    return client


def test_segment_export_streams_members_and_records_it(marketing: Client) -> None:
    run = factories.campaign_run()
    response = marketing.post(segment_url(run, 2), {"preset": "analyst"})
    assert response["Content-Type"].startswith("text/csv")
    assert f'"segweb-run-{run.pk}-vip-loyal-analyst.csv"' in response["Content-Disposition"]
    body = body_of(response)
    assert body.startswith(codecs.BOM_UTF8)
    rows = parse(body)
    assert [row[:3] for row in rows[1:]] == [
        ["C-CY", "2", "VIP \u00b7 Loyal"],
        ["C-DEE", "2", "VIP \u00b7 Loyal"],
    ]
    record = ExportRecord.objects.get()
    assert (record.run, record.segment, record.segment_indexes, record.rows) == (
        run,
        run.segments.get(index=1),
        [2],
        2,
    )
    assert record.user.groups.filter(name="Marketing").exists()


def test_run_export_without_ticks_streams_all_segments(marketing: Client) -> None:
    run = factories.campaign_run()
    response = marketing.post(run_url(run), {"preset": "analyst"})
    assert f"segweb-run-{run.pk}-all-segments-analyst.csv" in response["Content-Disposition"]
    rows = read_csv(response)
    assert [row[1] for row in rows[1:]] == ["1", "1", "2", "2"]
    assert {row[6] for row in rows[1:]} == {str(run.pk)}
    record = ExportRecord.objects.get()
    assert (record.segment, record.segment_indexes) == (None, [])


def test_run_export_without_options_streams_analyst_list(marketing: Client) -> None:
    """The dashboard's "Export all segments" button posts no options at all."""
    run = factories.campaign_run()
    response = marketing.post(run_url(run))
    assert response.status_code == 200
    assert f"segweb-run-{run.pk}-all-segments-analyst.csv" in response["Content-Disposition"]
    assert len(read_csv(response)) == 5
    assert ExportRecord.objects.get().preset == "analyst"


def test_run_export_two_segments_ticked_exports_only_those(marketing: Client) -> None:
    run = factories.segmented_run(sizes=(2, 3, 4))
    ticked = [run.segments.get(index=0).pk, run.segments.get(index=2).pk]
    response = marketing.post(run_url(run), {"preset": "analyst", "segments": ticked})
    assert f"segweb-run-{run.pk}-2-segments-analyst.csv" in response["Content-Disposition"]
    rows = read_csv(response)
    assert sorted(row[1] for row in rows[1:]) == ["1", "1", "3", "3", "3", "3"]
    record = ExportRecord.objects.get()
    assert (record.segment, record.segment_indexes, record.rows) == (None, [1, 3], 6)


def test_segment_export_neutralises_formula_customer_id(marketing: Client) -> None:
    customer = factories.CustomerFactory(external_id='=HYPERLINK("http://evil.example","x")')
    assignment = factories.AssignmentFactory(customer=customer, total_spending=-12.5)
    url = reverse("segments:segment-export", args=[assignment.segment_id])
    rows = read_csv(marketing.post(url, {"preset": "analyst"}))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[1][5] == "-12.5"


def test_segment_export_holdout_zip_splits_consented_list(marketing: Client) -> None:
    run = email_audience("VIP \u00b7 Loyal", count=550, consented=500)
    data = {"preset": "klaviyo", "holdout_percent": "10"}
    first = marketing.post(segment_url(run, 1), data)
    assert first["Content-Type"] == "application/zip"
    assert f'"segweb-run-{run.pk}-vip-loyal-klaviyo.zip"' in first["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(body_of(first)))
    names = [
        f"segweb-run-{run.pk}-vip-loyal-klaviyo.csv",
        f"segweb-run-{run.pk}-vip-loyal-klaviyo-holdout.csv",
    ]
    assert archive.namelist() == names
    listed, held = (parse(archive.read(name)) for name in names)
    assert listed[0] == held[0] == KLAVIYO_HEADER
    emails = {row[0] for row in listed[1:]}
    held_emails = {row[0] for row in held[1:]}
    assert emails.isdisjoint(held_emails)
    assert emails | held_emails == {f"b{n:04d}@example.com" for n in range(500)}
    assert 25 <= len(held_emails) <= 75  # about 10% of 500

    again = zipfile.ZipFile(io.BytesIO(body_of(marketing.post(segment_url(run, 1), data))))
    assert [again.read(name) for name in names] == [archive.read(name) for name in names]

    record = ExportRecord.objects.earliest("created_at")
    assert (record.preset, record.holdout_percent) == ("klaviyo", 10)
    assert (record.rows, record.holdout_rows) == (len(emails), len(held_emails))
    assert (record.left_out_no_contact, record.left_out_no_consent) == (0, 50)


@pytest.mark.parametrize("preset", ["klaviyo", "mailchimp", "meta", "google"])
def test_segment_export_contacts_off_marketing_tool_list_refused(
    marketing: Client, settings, preset
) -> None:
    settings.SEGWEB_MARKETING_CONTACT_EXPORTS = False
    run = factories.campaign_run()
    response = marketing.post(segment_url(run, 1), {"preset": preset})
    detail = reverse("segments:segment-detail", args=[run.segments.get(index=0).pk])
    assert (response.status_code, response.url) == (302, detail + "#export-form")
    assert any("Nothing exported" in message for message in error_messages(response))
    assert not ExportRecord.objects.exists()


def test_segment_export_contacts_off_marketing_analyst_without_contacts(
    marketing: Client, settings
) -> None:
    settings.SEGWEB_MARKETING_CONTACT_EXPORTS = False
    run = factories.campaign_run()
    rows = read_csv(marketing.post(segment_url(run, 1), {"preset": "analyst"}))
    assert "email" not in rows[0]
    assert "phone" not in rows[0]
    assert [row[0] for row in rows[1:]] == ["C-ANA", "C-BO"]
    assert "ana.lopez@example.com" not in str(rows)
    assert not ExportRecord.objects.get().with_contacts


@pytest.mark.parametrize(
    ("preset", "contact"),
    [("analyst", "ana.lopez@example.com"), ("klaviyo", "ana.lopez@example.com")],
)
def test_segment_export_contacts_off_admin_still_gets_contacts(
    admin: Client, settings, preset, contact
) -> None:
    settings.SEGWEB_MARKETING_CONTACT_EXPORTS = False
    run = factories.campaign_run()
    rows = read_csv(admin.post(segment_url(run, 1), {"preset": preset}))
    assert contact in rows[1]
    assert ExportRecord.objects.get().with_contacts


@pytest.mark.parametrize("page", ["segment", "run"])
def test_export_hash_ids_with_klaviyo_refused_by_form(marketing: Client, page) -> None:
    run = factories.campaign_run()
    url = segment_url(run, 1) if page == "segment" else run_url(run)
    response = marketing.post(url, {"preset": "klaviyo", "hash_ids": "on"})
    assert response.status_code == 302
    assert response.url.endswith("#export-form")
    assert any("can be hashed" in message for message in error_messages(response))
    assert not ExportRecord.objects.exists()


def test_run_export_of_unfinished_run_is_404(marketing: Client) -> None:
    run = factories.SegmentationRunFactory(status=SegmentationRun.Status.RUNNING)
    assert marketing.post(run_url(run), {"preset": "analyst"}).status_code == 404


def test_segment_export_of_unfinished_run_is_404(marketing: Client) -> None:
    segment = factories.SegmentFactory(run__status=SegmentationRun.Status.RUNNING)
    url = reverse("segments:segment-export", args=[segment.pk])
    assert marketing.post(url, {"preset": "analyst"}).status_code == 404


def test_run_detail_export_form_in_details_with_segment_ticks(marketing: Client) -> None:
    run = factories.campaign_run()
    content = marketing.get(reverse("segments:run-detail", args=[run.pk])).content.decode()
    details = content[content.index('<details id="campaign-list"') :]
    assert 'id="export-form"' in details[: details.index("</details>")]
    assert 'id="export-segments"' in content
    assert "2. VIP \u00b7 Loyal" in content


def test_segment_detail_export_form_without_segment_ticks(marketing: Client) -> None:
    run = factories.campaign_run()
    segment = run.segments.get(index=0)
    content = marketing.get(reverse("segments:segment-detail", args=[segment.pk])).content.decode()
    assert 'id="export-form"' in content
    assert 'id="export-segments"' not in content


def test_export_list_admin_sees_records(admin: Client) -> None:
    user = factories.marketing_user(username="maria")
    factories.ExportRecordFactory(
        user=user, rows=1234, preset="klaviyo", left_out_no_contact=56, left_out_no_consent=789
    )
    content = admin.get(reverse("segments:export-list")).content.decode()
    assert "maria" in content
    assert "1,234" in content
    assert "klaviyo" in content
    assert ">56<" in content
    assert ">789<" in content


@pytest.mark.parametrize("purged", [False, True])
def test_export_list_deleted_run_shows_its_number(admin: Client, purged: bool) -> None:
    run = factories.segmented_run()
    factories.ExportRecordFactory(run=run, rows=7)
    run_id = run.pk
    run_service.delete_run(run)
    if purged:
        run_deletion.purge_run(run_id)
    content = admin.get(reverse("segments:export-list")).content.decode()
    assert f'{run_id} <small class="sub">deleted</small>' in content
    assert reverse("segments:run-detail", args=[run_id]) not in content


def test_export_list_marketing_gets_403(marketing: Client) -> None:
    assert marketing.get(reverse("segments:export-list")).status_code == 403
