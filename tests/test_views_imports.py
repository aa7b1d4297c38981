from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from segments.models import AuditEvent, DataImport
from segments.services import imports as import_service
from tests import factories

pytestmark = pytest.mark.django_db
LIST_URL = reverse("segments:import-list")
UPLOAD_URL = reverse("segments:import-upload")
CSV = b"Customer ID,Order ID,Day\n1,1,2019-01-01\n"


@pytest.fixture
def admin(client: Client) -> Client:
    client.force_login(factories.admin_user())
    return client


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_import_list_shows_form_and_past_imports(admin: Client) -> None:
    factories.DataImportFactory(
        file_name="march.csv", lines_imported=4321, errors_total=2, rows_rejected=2
    )
    content = admin.get(LIST_URL).content.decode()
    assert 'id="import-form"' in content
    assert "march.csv" in content
    assert "4,321" in content


def test_import_list_active_import_shows_live_status(admin: Client) -> None:
    running = factories.DataImportFactory(status=DataImport.Status.RUNNING, progress=30)
    content = admin.get(LIST_URL).content.decode()
    assert reverse("segments:import-status", args=[running.pk]) in content
    assert 'http-equiv="refresh"' in content


def test_import_upload_calls_start_import(admin: Client, media, monkeypatch) -> None:
    calls: list[tuple] = []

    def start_import(uploaded_file, requested_format, user) -> DataImport:
        calls.append((uploaded_file.read(), requested_format, user.username))
        return factories.DataImportFactory(file_name=uploaded_file.name)

    monkeypatch.setattr(import_service, "start_import", start_import)
    upload = SimpleUploadedFile("orders.csv", CSV, content_type="text/csv")
    response = admin.post(UPLOAD_URL, {"file": upload, "requested_format": "shopify"})
    created = DataImport.objects.get()
    assert response["Location"] == reverse("segments:import-detail", args=[created.pk])
    assert calls[0][:2] == (CSV, "shopify")


def test_import_upload_without_file_shows_error(admin: Client, monkeypatch) -> None:
    monkeypatch.setattr(import_service, "start_import", pytest.fail)
    response = admin.post(UPLOAD_URL, {"requested_format": "auto"})
    assert response.status_code == 200
    assert b"errorlist" in response.content


def test_import_upload_too_large_is_refused(admin: Client, settings, monkeypatch) -> None:
    settings.SEGWEB_MAX_UPLOAD_BYTES = 10
    monkeypatch.setattr(import_service, "start_import", pytest.fail)
    upload = SimpleUploadedFile("orders.csv", CSV, content_type="text/csv")
    response = admin.post(UPLOAD_URL, {"file": upload, "requested_format": "auto"})
    assert b"larger than" in response.content


def test_import_upload_with_importer_creates_pending_import(admin: Client, media) -> None:
    """Through the real service: the upload is stored and queued (the task runs on commit)."""
    upload = SimpleUploadedFile("orders.csv", CSV, content_type="text/csv")
    admin.post(UPLOAD_URL, {"file": upload, "requested_format": "auto"})
    data_import = DataImport.objects.get()
    assert data_import.file_name == "orders.csv"
    assert data_import.status == DataImport.Status.PENDING


def test_import_upload_is_recorded_with_uploader(admin: Client, media) -> None:
    upload = SimpleUploadedFile("orders.csv", CSV, content_type="text/csv")
    admin.post(UPLOAD_URL, {"file": upload, "requested_format": "auto"})
    data_import = DataImport.objects.get()
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT_UPLOADED)
    assert (event.actor, event.object_type) == (data_import.uploaded_by, "import")
    assert (event.object_id, event.object_repr) == (str(data_import.pk), str(data_import))


def test_import_detail_shows_counts_and_errors(admin: Client) -> None:
    data_import = factories.DataImportFactory(
        rows_read=10,
        rows_rejected=1,
        errors=[{"row": 7, "column": "Day", "value": "yesterday", "reason": "not a date"}],
        errors_total=1,
        skipped_reasons={"no customer id": 2},
    )
    content = admin.get(reverse("segments:import-detail", args=[data_import.pk])).content
    content = content.decode()
    assert "yesterday" in content and "not a date" in content
    assert "no customer id: 2" in content


def test_import_status_reports_progress_as_json(admin: Client) -> None:
    data_import = factories.DataImportFactory(status=DataImport.Status.RUNNING, progress=55)
    data = admin.get(reverse("segments:import-status", args=[data_import.pk])).json()
    assert (data["status"], data["progress"], data["finished"]) == ("running", 55, False)


def test_import_upload_marketing_gets_403_and_nothing_stored(client: Client, monkeypatch) -> None:
    client.force_login(factories.marketing_user())
    monkeypatch.setattr(import_service, "start_import", pytest.fail)
    upload = SimpleUploadedFile("orders.csv", CSV, content_type="text/csv")
    response = client.post(UPLOAD_URL, {"file": upload, "requested_format": "auto"})
    assert response.status_code == 403
    assert not DataImport.objects.exists()


def test_import_list_has_seven_columns_with_problems_link(admin: Client) -> None:
    data_import = factories.DataImportFactory(
        lines_already_present=17, rows_skipped=5, rows_rejected=2, errors_total=3
    )
    content = admin.get(LIST_URL).content.decode()
    header = content[content.index("<thead>") : content.index("</thead>")]
    assert header.count("</th>") == 7
    assert "Already present" in header and "Rows rejected" in header
    assert f"{reverse('segments:import-detail', args=[data_import.pk])}#import-errors" in content
    assert "3 problems" in content


def test_import_list_empty_says_what_to_do(admin: Client) -> None:
    content = admin.get(LIST_URL).content.decode()
    assert "Nothing imported yet. Upload" in content


def test_import_detail_finished_shows_outcome_without_progress(admin: Client) -> None:
    data_import = factories.DataImportFactory(lines_imported=1234, lines_already_present=6)
    content = admin.get(reverse("segments:import-detail", args=[data_import.pk])).content
    content = content.decode()
    assert "<progress" not in content
    assert "1,234 new lines, 6 already present" in content


def test_import_detail_running_shows_progress(admin: Client) -> None:
    data_import = factories.DataImportFactory(status=DataImport.Status.RUNNING, progress=40)
    content = admin.get(reverse("segments:import-detail", args=[data_import.pk])).content
    assert b'<progress max="100" value="40"' in content


def test_import_list_form_offers_order_and_contact_formats(admin: Client) -> None:
    content = admin.get(LIST_URL).content.decode()
    assert "Upload order lines or customer contacts" in content
    assert '<optgroup label="Customer contacts">' in content
    for name in ("auto", "shopify", "shopify-customers", "generic-customers"):
        assert f'value="{name}"' in content


def test_import_upload_contacts_format_passed_to_start_import(
    admin: Client, media, monkeypatch
) -> None:
    formats: list[str] = []

    def start_import(uploaded_file, requested_format, user) -> DataImport:
        formats.append(requested_format)
        return factories.DataImportFactory(file_name=uploaded_file.name)

    monkeypatch.setattr(import_service, "start_import", start_import)
    upload = SimpleUploadedFile("customers.csv", b"customer_id,email\n1,a@b.c\n")
    response = admin.post(UPLOAD_URL, {"file": upload, "requested_format": "generic-customers"})
    assert response.status_code == 302
    assert formats == ["generic-customers"]


def contact_import(**fields) -> DataImport:
    return factories.DataImportFactory(
        file_name="customers.csv",
        kind=DataImport.Kind.CONTACTS,
        detected_format=DataImport.Format.SHOPIFY_CUSTOMERS,
        rows_read=1300,
        contacts_updated=1234,
        consent_changes=56,
        customers_created=7,
        customers_without_orders=8,
        **fields,
    )


def test_import_list_contact_import_shows_kind_and_contact_counts(admin: Client) -> None:
    contact_import()
    factories.DataImportFactory(file_name="orders.csv", lines_imported=4321)
    content = admin.get(LIST_URL).content.decode()
    assert "Customer contacts · Shopify customer export" in content
    assert "Order lines · Shopify sales by product variant" in content
    cell = content.split('data-testid="contact-counts">', 1)[1].split("</td>", 1)[0]
    assert cell == (
        "1,234 known customers' details changed, 56 consent changes, 7 new customers, "
        "8 without orders yet"
    )
    assert "4,321" in content


def test_import_detail_contact_import_shows_contact_counts(admin: Client) -> None:
    data_import = contact_import(finished_at=timezone.now())
    content = admin.get(reverse("segments:import-detail", args=[data_import.pk])).content
    content = content.decode()
    assert '<dd data-testid="import-kind">Customer contacts</dd>' in content
    for label, value in [
        ("Customers whose details changed", "1,234"),
        ("Consent changes recorded", "56"),
        ("New customers", "7"),
        ("Customers without orders yet", "8"),
    ]:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in content
    assert "Lines imported" not in content
    assert "1,234 known customers' details changed" in content  # the finished outcome line


def test_import_detail_pending_upload_kind_not_detected_yet(admin: Client) -> None:
    data_import = factories.DataImportFactory(
        status=DataImport.Status.PENDING, detected_format="", requested_format="auto"
    )
    content = admin.get(reverse("segments:import-detail", args=[data_import.pk])).content
    assert b'<dd data-testid="import-kind">not detected yet</dd>' in content


def test_import_upload_get_goes_back_to_the_imports_page(client: Client) -> None:
    client.force_login(factories.admin_user())
    response = client.get(UPLOAD_URL)
    assert (response.status_code, response["Location"]) == (302, reverse("segments:import-list"))


def test_import_detail_refused_before_detection_reads_plainly(admin: Client, tmp_path) -> None:
    from segments.services import imports

    path = tmp_path / "notes.csv"
    path.write_text("just,some,words\n1,2,3\n")
    data_import = imports.import_file(path)
    content = admin.get(reverse("segments:import-detail", args=[data_import.pk])).content.decode()
    assert data_import.error_message == "Refused: 1 problem in the file."
    assert "not detected (the file was refused before its header was read)" in content
    assert "not detected yet" not in content
    assert "None" not in content


def test_import_detail_succeeded_offers_a_run_with_this_data(admin: Client) -> None:
    data_import = factories.DataImportFactory(status=DataImport.Status.SUCCEEDED)
    content = admin.get(reverse("segments:import-detail", args=[data_import.pk])).content.decode()
    assert 'data-testid="run-with-import"' in content
    assert f'action="{reverse("segments:run-start")}"' in content
    # The button's hidden fields are a valid run request.
    fields = {"k": "auto", "kmax": "10", "feature_set": "study"}
    for name, value in fields.items():
        assert f'name="{name}" value="{value}"' in content
    response = admin.post(reverse("segments:run-start"), fields)
    assert response.status_code == 302
    assert "/runs/" in response["Location"]


def demo_import(tmp_path: Path) -> DataImport:
    from tests.import_samples import a_few_orders, write_csv

    path = write_csv(tmp_path / "demo-orders.csv", a_few_orders())
    return import_service.import_file(path, "shopify", is_demo=True)


def test_import_remove_get_shows_counts_and_deletes_nothing(admin: Client, tmp_path) -> None:
    data_import = demo_import(tmp_path)
    response = admin.get(reverse("segments:import-remove", args=[data_import.pk]))
    counts = response.content.decode().split('data-testid="removal-counts"')[1]
    assert "<strong>5</strong> order lines" in counts
    assert "<strong>3</strong> orders" in counts and "<strong>2</strong> customers" in counts
    assert DataImport.objects.filter(pk=data_import.pk).exists()


def test_import_remove_post_removes_and_says_what(admin: Client, tmp_path) -> None:
    data_import = demo_import(tmp_path)
    response = admin.post(reverse("segments:import-remove", args=[data_import.pk]), follow=True)
    assert "Removed 1 import, 5 order lines, 3 orders, 2 customers" in response.content.decode()
    assert not DataImport.objects.exists()


def test_import_remove_marketing_gets_403_and_nothing_goes(client: Client, tmp_path) -> None:
    data_import = demo_import(tmp_path)
    client.force_login(factories.marketing_user())
    response = client.post(reverse("segments:import-remove", args=[data_import.pk]))
    assert response.status_code == 403
    assert DataImport.objects.filter(pk=data_import.pk).exists()


def test_import_remove_running_import_offers_no_button(admin: Client) -> None:
    data_import = factories.DataImportFactory(status=DataImport.Status.RUNNING)
    response = admin.get(reverse("segments:import-remove", args=[data_import.pk]))
    assert b"cannot be removed yet" in response.content
    assert b'data-testid="confirm-remove"' not in response.content


def test_demo_remove_takes_every_demo_import_in_one_step(admin: Client, tmp_path) -> None:
    demo_import(tmp_path)
    kept = factories.DataImportFactory(status=DataImport.Status.SUCCEEDED)
    page = admin.get(LIST_URL)
    assert b'data-testid="remove-demo"' in page.content
    admin.post(reverse("segments:demo-remove"))
    assert list(DataImport.objects.values_list("pk", flat=True)) == [kept.pk]
    assert b'data-testid="remove-demo"' not in admin.get(LIST_URL).content


def test_demo_remove_without_demo_data_goes_back(admin: Client) -> None:
    response = admin.get(reverse("segments:demo-remove"))
    assert response.status_code == 302 and response["Location"] == LIST_URL


def test_import_detail_finished_links_to_removal(admin: Client) -> None:
    data_import = factories.DataImportFactory(status=DataImport.Status.REFUSED)
    response = admin.get(reverse("segments:import-detail", args=[data_import.pk]))
    assert reverse("segments:import-remove", args=[data_import.pk]).encode() in response.content


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("photo.png", PNG, "unsupported file type"),
        ("notes.txt", b"hello", "unsupported file type"),
        ("orders.csv", PNG, "really a PNG image"),
        ("orders.xlsx", CSV, "not an Excel workbook"),
    ],
)
def test_import_upload_wrong_type_is_refused_at_once(
    admin: Client, monkeypatch, name, content, reason
) -> None:
    monkeypatch.setattr(import_service, "start_import", pytest.fail)
    upload = SimpleUploadedFile(name, content)
    response = admin.post(UPLOAD_URL, {"file": upload, "requested_format": "auto"})
    assert response.status_code == 200 and reason in response.content.decode()
    assert not DataImport.objects.exists()


def test_import_list_file_input_tells_the_browser_type_and_size(admin: Client, settings) -> None:
    settings.SEGWEB_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    html = admin.get(LIST_URL).content.decode()
    assert 'accept=".csv,.gz,.xlsx,.parquet"' in html
    assert 'data-max-bytes="2097152"' in html and 'data-max-size="2.0\xa0MB"' in html


def held_import(**fields) -> DataImport:
    return factories.DataImportFactory(
        status=DataImport.Status.HELD,
        warnings=["Its orders run from 1 Dec 2010 to 9 Dec 2011, 7 years before the data."],
        **fields,
    )


def test_import_detail_held_shows_why_and_offers_to_apply(admin: Client, media) -> None:
    data_import = held_import(file=SimpleUploadedFile("old.csv", CSV))
    html = admin.get(reverse("segments:import-detail", args=[data_import.pk])).content.decode()
    assert "7 years before the data" in html and 'data-testid="apply-import"' in html
    assert reverse("segments:import-remove", args=[data_import.pk]) in html


def test_import_detail_held_from_command_line_says_how_to_apply(admin: Client) -> None:
    data_import = held_import()
    html = admin.get(reverse("segments:import-detail", args=[data_import.pk])).content.decode()
    assert "--accept-warnings" in html and 'data-testid="apply-import"' not in html


def test_import_apply_queues_held_upload_confirmed(
    admin: Client, media, django_capture_on_commit_callbacks
) -> None:
    data_import = held_import(file=SimpleUploadedFile("old.csv", CSV))
    with django_capture_on_commit_callbacks() as callbacks:
        admin.post(reverse("segments:import-apply", args=[data_import.pk]))
    data_import.refresh_from_db()
    assert (data_import.status, data_import.confirmed, len(callbacks)) == ("pending", True, 1)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT_APPLIED).count() == 1


def test_import_apply_not_held_changes_nothing(admin: Client) -> None:
    data_import = factories.DataImportFactory(status=DataImport.Status.SUCCEEDED)
    response = admin.post(reverse("segments:import-apply", args=[data_import.pk]), follow=True)
    assert b"not waiting for confirmation" in response.content
    data_import.refresh_from_db()
    assert data_import.status == DataImport.Status.SUCCEEDED and not data_import.confirmed


def test_import_apply_marketing_gets_403(client: Client, media) -> None:
    data_import = held_import(file=SimpleUploadedFile("old.csv", CSV))
    client.force_login(factories.marketing_user())
    assert client.post(reverse("segments:import-apply", args=[data_import.pk])).status_code == 403
    data_import.refresh_from_db()
    assert data_import.status == DataImport.Status.HELD
