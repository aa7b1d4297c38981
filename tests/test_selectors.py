from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from segments import selectors
from segments.models import Customer, DataImport, SegmentationRun
from segments.services.schedules import ScheduleSpec, save_schedule
from tests import factories

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def test_current_run_is_latest_succeeded() -> None:
    factories.SegmentationRunFactory(finished_at=NOW - dt.timedelta(days=2))
    latest = factories.SegmentationRunFactory(finished_at=NOW - dt.timedelta(days=1))
    factories.SegmentationRunFactory(status=SegmentationRun.Status.FAILED, finished_at=NOW)
    assert selectors.current_run() == latest


def test_active_run_finds_queued_or_running() -> None:
    assert selectors.active_run() is None
    running = factories.SegmentationRunFactory(status=SegmentationRun.Status.RUNNING)
    assert selectors.active_run() == running


def test_runs_page_newest_first_25_per_page() -> None:
    runs = factories.SegmentationRunFactory.create_batch(27)
    page = selectors.runs_page(1)
    assert len(page.object_list) == 25
    assert page.object_list[0] == runs[-1]
    assert len(selectors.runs_page(2).object_list) == 2


def test_previous_run_recorded_or_last_earlier_success() -> None:
    older = factories.SegmentationRunFactory(finished_at=NOW - dt.timedelta(days=3))
    old = factories.SegmentationRunFactory(finished_at=NOW - dt.timedelta(days=2))
    run = factories.SegmentationRunFactory(finished_at=NOW)
    assert selectors.previous_run(run) == old
    run.previous_run = older
    assert selectors.previous_run(run) == older


def test_run_changes_sorts_matched_new_and_gone() -> None:
    previous = factories.SegmentationRunFactory(finished_at=NOW - dt.timedelta(days=1))
    earlier = factories.SegmentationRunFactory(finished_at=NOW)
    old_segment = factories.SegmentFactory(run=previous)
    run = factories.SegmentationRunFactory(previous_run=previous, vanished_segments=[{"name": "X"}])
    matched = factories.SegmentFactory(run=run, matched_from=old_segment)
    new = factories.SegmentFactory(run=run, is_new=True)
    changes = selectors.run_changes(run, selectors.run_segments(run))
    assert (changes.previous, changes.matched, changes.new) == (previous, [matched], [new])
    assert changes.gone == [{"name": "X"}]
    assert earlier != changes.previous


def test_segments_frame_one_row_per_segment() -> None:
    run = factories.segmented_run(sizes=(3, 1))
    frame = selectors.segments_frame(selectors.run_segments(run))
    assert list(frame["segment"]) == [0, 1]
    assert list(frame["size"]) == [3, 1]


def old_reach_query(run: SegmentationRun) -> dict[str, list[int]]:
    """What the dashboard counted on every view before reach was stored with the run."""
    customer = "assignments__customer__"
    by_email = Q(**{f"{customer}accepts_email_marketing": True}) & ~Q(**{f"{customer}email": ""})
    by_sms = Q(**{f"{customer}accepts_sms_marketing": True}) & ~Q(**{f"{customer}phone": ""})
    segments = run.segments.annotate(
        email=Count("assignments", filter=by_email), sms=Count("assignments", filter=by_sms)
    )
    return {str(segment.pk): [segment.email, segment.sms] for segment in segments}


def test_count_reach_counts_contact_and_consent_per_segment() -> None:
    run = factories.segmented_run(sizes=(3, 1, 2))
    first, second, _ = selectors.run_segments(run)
    people = Customer.objects.filter(assignments__segment=first).order_by("pk")
    people.filter(pk=people[0].pk).update(email="a@example.com", accepts_email_marketing=True)
    people.filter(pk=people[1].pk).update(phone="+442079460958", accepts_sms_marketing=True)
    people.filter(pk=people[2].pk).update(email="", accepts_email_marketing=True)
    Customer.objects.filter(assignments__segment=second).update(
        email="b@example.com", accepts_email_marketing=False, accepts_sms_marketing=True
    )
    reach = selectors.count_reach(run)
    assert list(reach.values()) == [[1, 1], [0, 0], [0, 0]]
    assert reach == old_reach_query(run)


def test_latest_contacts_import_id_only_succeeded_contact_imports() -> None:
    assert selectors.latest_contacts_import_id() == 0
    done = factories.DataImportFactory(kind="contacts", status="succeeded")
    factories.DataImportFactory(kind="contacts", status="failed")
    factories.DataImportFactory(kind="orders", status="succeeded")
    assert selectors.latest_contacts_import_id() == done.pk


def test_customer_assignments_newest_run_first() -> None:
    customer = factories.CustomerFactory()
    old = factories.AssignmentFactory(customer=customer)
    new = factories.AssignmentFactory(customer=customer)
    assert selectors.customer_assignments(customer) == [new, old]


def test_customer_order_lines_newest_first_a_page_at_a_time(monkeypatch) -> None:
    monkeypatch.setattr(selectors, "CUSTOMER_LINES_PER_PAGE", 2)
    customer = factories.CustomerFactory()
    for day in (1, 3, 2):
        order = factories.OrderFactory(customer=customer, day=dt.date(2020, 1, day))
        factories.OrderLineFactory(order=order)
    first = selectors.customer_order_lines(customer)
    assert [line.day.day for line in first] == [3, 2]
    assert [line.day.day for line in selectors.customer_order_lines(customer, 2)] == [1]
    assert (first.paginator.count, first.paginator.num_pages) == (3, 2)


def test_find_customers_by_prefix() -> None:
    for external_id in ("AB1", "AB2", "B1"):
        factories.CustomerFactory(external_id=external_id)
    assert [c.external_id for c in selectors.find_customers("AB")] == ["AB1", "AB2"]
    assert selectors.find_customers("  ") == []


@pytest.mark.parametrize("query", ["\x00", "AB\x00", "\x00AB"])
def test_find_customers_nul_character_finds_nothing(query: str) -> None:
    factories.CustomerFactory(external_id="AB1")
    assert selectors.find_customers(query) == []


def test_schedules_only_scheduled_run_tasks() -> None:
    mine = save_schedule(ScheduleSpec("Zzz nightly", True, "0", "1", "*"))
    assert mine in list(selectors.schedules())
    assert all(task.task == selectors.SCHEDULED_RUN_TASK for task in selectors.schedules())
    assert selectors.get_schedule(mine.pk) == mine


def test_imports_and_exports_pages_newest_first() -> None:
    first, second = factories.DataImportFactory.create_batch(2)
    assert list(selectors.imports_page(1).object_list)[:2] == [second, first]
    record = factories.ExportRecordFactory()
    assert list(selectors.exports_page(1).object_list) == [record]
    assert list(selectors.active_imports()) == []


@pytest.mark.parametrize(
    ("setting", "latest_format", "currency"),
    [
        ("", DataImport.Format.SHOPIFY, "EUR"),
        ("", DataImport.Format.ONLINE_RETAIL, "GBP"),
        ("USD", DataImport.Format.ONLINE_RETAIL, "USD"),
    ],
)
def test_shop_currency_setting_else_from_the_data(settings, setting, latest_format, currency):
    settings.SEGWEB_CURRENCY = setting
    factories.DataImportFactory(
        kind=DataImport.Kind.ORDERS,
        status=DataImport.Status.SUCCEEDED,
        detected_format=latest_format,
    )
    assert selectors.shop_currency() == currency
