"""Real-browser test: headless Chromium (Playwright) against the live server, as both roles."""

from __future__ import annotations

import csv
import importlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import connections

from segments import campaigns, demo, roles
from segments.models import (
    Assignment,
    DataImport,
    ExportRecord,
    Segment,
    SegmentationRun,
    StrategyNoteRevision,
)
from segments.services.imports import import_file
from segments.services.run_execution import execute_run
from segments.services.runs import request_run
from tests import factories
from tests.browser_support import (
    BrowserSession,
    browser_session,
    chromium_executable,
    eager_celery,
    foreign_requests,
    save_screenshot,
    uses_real_worker,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A worker process has to start, import and cluster: generous, the test ends as soon as it is done.
BACKGROUND_TIMEOUT_MS = 180_000
EXPORT_HEADER = list(campaigns.ANALYST_COLUMNS)
KLAVIYO_HEADER = ["Email Address", "Phone Number", "First Name", "Last Name", "Country", "Segment"]


@pytest.fixture(autouse=True)
def chromium() -> str:
    """Checked first, so that a machine without Chromium skips before any data is built."""
    return chromium_executable()


@pytest.fixture(autouse=True)
def migrated_data(chromium: str, transactional_db) -> None:
    """Transactional tests empty every table: put back what the migrations wrote."""
    roles.create_role_groups(Group, Permission)
    weekly = importlib.import_module("segments.migrations.0003_weekly_schedule")
    weekly.create_weekly_schedule(apps, None)


@pytest.fixture
def browser(chromium: str, live_server, monkeypatch) -> Iterator[BrowserSession]:
    # Playwright's sync API keeps an event loop in this thread; the test's ORM calls are still
    # plain synchronous code between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with browser_session(live_server.url, chromium) as session:
        yield session
        # The ORM calls made while Playwright ran got connections of their own context.
        connections.close_all()


@pytest.fixture
def background_tasks(request, settings, tmp_path: Path) -> Iterator[None]:
    """The live server's uploads and runs: a real worker process on Redis, else eager mode.

    Uploads go to tmp_path (the worker gets it as SEGWEB_VAR_DIR), not to the developer's
    var/ folder.
    """
    var_dir = tmp_path / "var"
    settings.MEDIA_ROOT = var_dir / "uploads"
    if uses_real_worker():
        request.getfixturevalue("start_worker")("segweb-browser", SEGWEB_VAR_DIR=str(var_dir))
        yield
    else:
        with eager_celery():
            yield


@pytest.fixture
def demo_run(tmp_path: Path) -> SegmentationRun:
    """Generated orders and contacts of 300 customers, imported and segmented synchronously."""
    path = tmp_path / "demo-orders.csv"
    orders = demo.generate_orders(300, seed=1)
    demo.write_orders_csv(orders.lines, path)
    assert import_file(path).status == DataImport.Status.SUCCEEDED
    contacts = tmp_path / "demo-customers.csv"
    demo.generate_customers(orders.groups, seed=1).to_csv(contacts, index=False)
    assert import_file(contacts).status == DataImport.Status.SUCCEEDED
    run, _ = request_run(SegmentationRun.Trigger.COMMAND, enqueue=False)
    run = execute_run(run.pk)
    assert run.status == SegmentationRun.Status.SUCCEEDED, run.error
    return run


def sign_in(session: BrowserSession, username: str, screenshot: str | None = None) -> None:
    page = session.page
    page.goto("/login/")
    if screenshot:
        save_screenshot(page, screenshot)
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("[data-testid=current-user]")
    assert page.inner_text("[data-testid=current-user]") == username


def read_csv(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff"), "exports start with a BOM so Excel reads accents"
    return list(csv.reader(io.StringIO(text[1:])))


def read_zip(path: Path) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
        }


def test_browser_marketing_edits_notes_and_exports_segment(
    demo_run: SegmentationRun, browser: BrowserSession
) -> None:
    user = factories.marketing_user()
    page = browser.page
    sign_in(browser, user.username, screenshot="login")

    page.goto("/")
    cards = page.locator("[data-testid=segment-card]")
    assert cards.count() == demo_run.segments.count()
    assert page.locator("[data-testid=nav-imports]").count() == 0
    save_screenshot(page, "dashboard")

    segment = Segment.objects.filter(run=demo_run).order_by("-size").first()
    page.locator(f"[data-segment-id='{segment.pk}'] h3 a").click()
    page.wait_for_selector("#segment-name")
    assert segment.display_name in page.inner_text("#segment-name")

    note = f"Browser test: early access for segment {segment.pk}.\nSecond line."
    page.fill("#strategy-notes-input", note)
    page.click("#save-notes")
    page.wait_for_selector("#messages")
    page.reload()
    assert page.input_value("#strategy-notes-input") == note
    revision = page.locator("[data-testid=note-revision]").first
    assert user.username in revision.inner_text()
    assert "early access" in revision.inner_text()
    assert StrategyNoteRevision.objects.filter(segment=segment, author=user).count() == 1
    save_screenshot(page, "segment_detail")

    with page.expect_download() as download_info:
        page.click("#export-segment")
    rows = read_csv(Path(download_info.value.path()))
    assert rows[0] == EXPORT_HEADER
    members = set(
        Assignment.objects.filter(segment=segment).values_list("customer__external_id", flat=True)
    )
    assert len(rows) - 1 == segment.size == len(members)
    assert {row[0] for row in rows[1:]} == members
    assert ExportRecord.objects.get(segment=segment, user=user).rows == segment.size

    # A Klaviyo list with a 10% holdout: one ZIP holding the list and its control file.
    page.select_option("#id_preset", "klaviyo")
    page.fill("#id_holdout_percent", "10")
    with page.expect_download() as download_info:
        page.click("#export-segment")
    download = download_info.value
    assert download.suggested_filename.endswith("-klaviyo.zip")
    files = read_zip(Path(download.path()))
    listed_name, held_name = sorted(files, key=lambda name: name.endswith("-holdout.csv"))
    assert held_name == listed_name.replace("-klaviyo.csv", "-klaviyo-holdout.csv")
    listed, held = files[listed_name], files[held_name]
    assert listed[0] == held[0] == KLAVIYO_HEADER
    consented = set(
        Assignment.objects.filter(segment=segment, customer__accepts_email_marketing=True)
        .exclude(customer__email="")
        .values_list("customer__email", flat=True)
    )
    listed_emails = {row[0] for row in listed[1:]}
    held_emails = {row[0] for row in held[1:]}
    assert not listed_emails & held_emails
    assert listed_emails | held_emails == consented
    assert {row[5] for row in listed[1:]} == {segment.display_name}
    record = ExportRecord.objects.get(segment=segment, user=user, preset="klaviyo")
    assert (record.rows, record.holdout_rows) == (len(listed_emails), len(held_emails))
    assert record.holdout_percent == 10
    assert record.left_out_no_contact + record.left_out_no_consent == segment.size - len(consented)

    customer_link = page.locator("#members-table tbody tr a").first
    customer_id = customer_link.inner_text()
    customer_link.click()
    page.wait_for_selector("#customer-id")
    assert customer_id in page.inner_text("#customer-id")
    assert segment.display_name in page.inner_text("[data-testid=customer-segments]")
    save_screenshot(page, "customer_detail")

    assert foreign_requests(browser.requested_urls, browser.base_url) == []


def test_browser_admin_imports_file_and_watches_run_finish(
    tmp_path: Path, browser: BrowserSession, background_tasks: None
) -> None:
    lines = demo.generate_orders(80, seed=7).lines
    upload = tmp_path / "shop-orders.csv"
    demo.write_orders_csv(lines, upload)
    admin = factories.admin_user()
    page = browser.page

    sign_in(browser, admin.username)
    page.goto("/imports/")
    notes = tmp_path / "notes.txt"
    notes.write_text("not an export")
    page.set_input_files("#id_file", str(notes))  # refused when chosen, before any upload
    page.click("#upload-button")
    assert "unsupported file type" in page.inner_text(".file-problem")
    assert not DataImport.objects.exists()
    page.set_input_files("#id_file", str(upload))
    assert page.inner_text(".file-problem") == ""
    page.select_option("#id_requested_format", "shopify")
    page.dblclick("#upload-button")  # an impatient double click still makes one import
    page.wait_for_selector(
        "[data-testid=import-status][data-status=succeeded]", timeout=BACKGROUND_TIMEOUT_MS
    )
    data_import = DataImport.objects.get()
    assert data_import.rows_read == len(lines)
    assert data_import.customers_created == lines["customer_id"].nunique() == 80
    rows_read = page.locator("#import-counts dt:text-is('Rows read') + dd")
    assert rows_read.inner_text() == f"{len(lines):,}"
    page.goto("/imports/")
    save_screenshot(page, "imports")

    page.goto("/runs/")
    page.fill("#id_k", "auto")
    page.click("#start-run-button")
    page.wait_for_selector(
        "[data-testid=run-status][data-status=succeeded]", timeout=BACKGROUND_TIMEOUT_MS
    )
    page.wait_for_selector("#elbow-chart .main-svg", timeout=BACKGROUND_TIMEOUT_MS)

    run = SegmentationRun.objects.get()
    assert run.status == SegmentationRun.Status.SUCCEEDED
    assert run.requested_by == admin
    assert run.customers_used == 80
    assert page.locator("#elbow-chart .scatterlayer .trace").count() >= 1
    # Every chart is drawn from its JSON data under the Content-Security-Policy.
    charts = page.locator(".plotly-chart")
    page.wait_for_function("document.querySelectorAll('.plotly-chart .main-svg').length >= 4")
    assert charts.count() >= 4
    assert browser.csp_violations() == []
    save_screenshot(page, "run_detail")
    page.goto("/runs/")
    assert page.locator(f"#run-table tr[data-run-id='{run.pk}']").count() == 1
    save_screenshot(page, "runs")
    page.goto("/schedules/")
    page.wait_for_selector("#schedule-table")
    save_screenshot(page, "schedules")

    # Deleting a run asks first: dismissed, nothing happens; accepted, the run is gone.
    questions: list[str] = []
    page.goto(f"/runs/{run.pk}/")
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click("#delete-run")
    assert SegmentationRun.objects.filter(pk=run.pk).exists()
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.click("#delete-run")
    page.wait_for_url("**/runs/")
    assert not SegmentationRun.objects.filter(pk=run.pk).exists()
    assert questions[0].startswith(f"Delete run {run.pk}")

    assert foreign_requests(browser.requested_urls, browser.base_url) == []
