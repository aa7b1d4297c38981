from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from segments import selectors
from segments.models import DataImport, SegmentationRun
from segments.services.schedules import ScheduleSpec, save_schedule
from tests import factories

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def segment():
    segment = factories.SegmentFactory(size=12)
    for number in range(12):
        factories.AssignmentFactory(
            segment=segment,
            customer=factories.CustomerFactory(external_id=f"K{number:02d}"),
            products_ordered=number % 3,
            average_return_rate=number / 100,
            total_spending=float(number * 10),
        )
    return segment


def ids(page: selectors.MembersPage) -> list[str]:
    return [member.customer.external_id for member in page.items]


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


def test_sample_assignments_frame_limits_rows_and_names_columns() -> None:
    run = factories.segmented_run(sizes=(30, 20))
    frame = selectors.sample_assignments_frame(run, limit=10)
    assert 1 <= len(frame) <= 10
    assert set(frame["segment"]) <= {0, 1}
    assert list(frame.columns) == [
        "segment",
        "products_ordered",
        "average_return_rate",
        "total_spending",
        "input_1",
        "input_2",
        "input_3",
    ]


def test_sample_assignments_frame_small_run_takes_all() -> None:
    run = factories.segmented_run(sizes=(3, 2))
    assert len(selectors.sample_assignments_frame(run)) == 5


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-total_spending", ("-total_spending", "-id")),
        ("products_ordered", ("products_ordered", "id")),
        ("customer", ("customer__external_id",)),
        ("-nonsense", ("-total_spending", "-id")),
    ],
)
def test_member_order_maps_sort_keys(sort: str, expected: tuple[str, ...]) -> None:
    assert selectors.member_order(sort) == expected


def test_segment_members_sorted_and_paginated(segment) -> None:
    first = selectors.segment_members(segment, sort="-total_spending", per_page=5)
    assert ids(first) == ["K11", "K10", "K09", "K08", "K07"]
    assert (first.total, first.num_pages, first.has_next, first.has_previous) == (
        12,
        3,
        True,
        False,
    )
    last = selectors.segment_members(segment, sort="-total_spending", page=3, per_page=5)
    assert ids(last) == ["K01", "K00"]
    assert (last.has_next, last.start_index) == (False, 11)


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("customer", "K00"),
        ("-customer", "K11"),
        ("average_return_rate", "K00"),
        ("-products_ordered", "K11"),
    ],
)
def test_segment_members_sort_by_each_column(segment, sort: str, first: str) -> None:
    assert ids(selectors.segment_members(segment, sort=sort))[0] == first


def test_segment_members_page_past_end_shows_last_page(segment) -> None:
    page = selectors.segment_members(segment, page=99, per_page=5)
    assert page.number == 3


def test_segment_members_search_by_customer_id_prefix(segment) -> None:
    page = selectors.segment_members(segment, query="K1")
    assert sorted(ids(page)) == ["K10", "K11"]
    assert page.total == 2


def test_segment_members_search_ignores_other_segments(segment) -> None:
    factories.AssignmentFactory(customer=factories.CustomerFactory(external_id="K1x"))
    assert sorted(ids(selectors.segment_members(segment, query="K1"))) == ["K10", "K11"]


def test_segment_members_without_search_runs_one_query(segment, django_assert_num_queries) -> None:
    """The total comes from the segment's stored size: no COUNT over its assignments."""
    with django_assert_num_queries(1):
        selectors.segment_members(segment, per_page=5)


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
