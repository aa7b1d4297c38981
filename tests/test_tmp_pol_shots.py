"""THROWAWAY (helper POLISH): screenshots of every page at two sizes. Deleted before hand-back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections

from segments import demo
from segments.models import DataImport, SegmentationRun
from segments.services.imports import import_file
from segments.services.runs import execute_run, request_run
from segments.services.schedules import ScheduleSpec, save_schedule
from tests import factories
from tests.browser_support import browser_session, chromium_executable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
OUT = Path(os.environ.get("POL_SHOTS", "/tmp/segweb_pol-var/shots"))
SIZES = {"d": (1280, 900), "m": (390, 844)}


def shoot(page, name: str, path: str, full: bool = True) -> None:
    for tag, (w, h) in SIZES.items():
        page.set_viewport_size({"width": w, "height": h})
        page.goto(path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(600)
        page.screenshot(path=str(OUT / f"{name}-{tag}.png"), full_page=full)
        if tag == "m" and full:
            height = page.evaluate("document.documentElement.scrollHeight")
            for part, top in enumerate(range(0, height, 1400)):
                clip = {"x": 0, "y": top, "width": w, "height": min(1400, height - top)}
                page.screenshot(path=str(OUT / f"{name}-m{part}.png"), full_page=True, clip=clip)
        if page.locator("#scatter-chart").count():
            page.locator("#scatter-chart").screenshot(path=str(OUT / f"{name}-{tag}-scatter.png"))


def sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("[data-testid=current-user]")


def test_shots(live_server, monkeypatch, tmp_path: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    admin = factories.admin_user()
    marketing = factories.marketing_user()
    with browser_session(live_server.url, chromium_executable()) as session:
        page = session.page
        shoot(page, "login", "/login/")
        sign_in(page, admin.username)
        shoot(page, "empty-dashboard", "/")
        shoot(page, "empty-runs", "/runs/")
        shoot(page, "empty-imports", "/imports/")
        path = tmp_path / "demo-orders.csv"
        demo.write_orders_csv(demo.generate_orders(300, seed=1).lines, path)
        assert import_file(path, user=admin).status == DataImport.Status.SUCCEEDED
        factories.DataImportFactory(
            file_name="a-very-long-file-name-from-the-shop-export-2019-q1.csv",
            status=DataImport.Status.REFUSED,
            rows_read=10, rows_rejected=3, errors_total=3,
            errors=[{"row": 7, "column": "Day", "value": "yesterday", "reason": "not a date"}],
            error_message="No customer id column found.",
        )
        run, _ = request_run(SegmentationRun.Trigger.COMMAND, enqueue=False)
        run = execute_run(run.pk)
        failed = factories.SegmentationRunFactory(
            status=SegmentationRun.Status.FAILED, error="Not enough customers to make 3 segments."
        )
        save_schedule(ScheduleSpec("Weekdays early", True, "30", "5", "1-5"))
        shoot(page, "dashboard", "/")
        shoot(page, "runs", "/runs/")
        shoot(page, "run_detail", f"/runs/{run.pk}/")
        shoot(page, "run_failed", f"/runs/{failed.pk}/")
        segment = run.segments.order_by("-size").first()
        shoot(page, "segment_detail", f"/segments/{segment.pk}/")
        customer = segment.assignments.first().customer
        shoot(page, "customer_detail", f"/customers/{customer.pk}/")
        shoot(page, "customers", "/customers/?q=50")
        shoot(page, "imports", "/imports/")
        imp = DataImport.objects.order_by("created_at").first()
        shoot(page, "import_detail", f"/imports/{imp.pk}/")
        shoot(page, "schedules", "/schedules/")
        shoot(page, "schedule_edit", page.url if False else "/schedules/new/")
        shoot(page, "exports", "/exports/")
        running = factories.SegmentationRunFactory(status=SegmentationRun.Status.RUNNING, stage="fit", progress=70)
        shoot(page, "dashboard_running", "/", full=False)
        running.delete()
        page.goto("/")
        page.click("#logout")
        sign_in(page, marketing.username)
        shoot(page, "marketing_segment", f"/segments/{segment.pk}/")
    connections.close_all()
