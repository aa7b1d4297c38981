from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from segments import members
from segments.members import MembersPage
from tests import factories

pytestmark = pytest.mark.django_db
SORTS = [key for name in members.MEMBER_SORTS for key in (name, f"-{name}")]


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


@pytest.fixture
def tied():
    """23 members, many with equal features: the id decides their order."""
    segment = factories.SegmentFactory(size=23)
    for number in range(23):
        factories.AssignmentFactory(
            segment=segment,
            customer=factories.CustomerFactory(external_id=f"T{(number * 7) % 23:02d}"),
            products_ordered=number % 2,
            average_return_rate=0.25,
            total_spending=float(number % 3),
        )
    return segment


def ids(page: MembersPage) -> list[str]:
    return [member.customer.external_id for member in page.items]


def walk(segment, sort: str, per_page: int, *, backwards: bool = False) -> list[MembersPage]:
    """Every page by following the links: from the first page on, or from the last one back."""
    page = members.segment_members(
        segment, sort=sort, per_page=per_page, page=10_000 if backwards else 1
    )
    pages = [page]
    while page.has_previous if backwards else page.has_next:
        cursor = {"before": page.previous_cursor} if backwards else {"after": page.next_cursor}
        number = page.number + (-1 if backwards else 1)
        page = members.segment_members(segment, sort=sort, per_page=per_page, page=number, **cursor)
        pages.append(page)
    return pages[::-1] if backwards else pages


def expected_order(segment, sort: str) -> list[str]:
    rows = segment.assignments.select_related("customer").order_by(*members.member_order(sort))
    return [row.customer.external_id for row in rows]


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
    assert members.member_order(sort) == expected


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("backwards", [False, True])
def test_segment_members_links_give_every_row_once_in_order(tied, sort, backwards) -> None:
    pages = walk(tied, sort, per_page=5, backwards=backwards)
    assert [page.number for page in pages] == [1, 2, 3, 4, 5]
    assert [len(page.items) for page in pages] == [5, 5, 5, 5, 3]
    assert [external_id for page in pages for external_id in ids(page)] == expected_order(
        tied, sort
    )


@pytest.mark.parametrize("sort", ["products_ordered", "-average_return_rate"])
def test_segment_members_ties_broken_by_id(tied, sort) -> None:
    rows = [member for page in walk(tied, sort, per_page=4) for member in page.items]
    keys = [(getattr(row, sort.lstrip("-")), row.pk) for row in rows]
    assert keys == sorted(keys, reverse=sort.startswith("-"))


def test_segment_members_first_page_and_links(segment) -> None:
    first = members.segment_members(segment, sort="-total_spending", per_page=5)
    assert ids(first) == ["K11", "K10", "K09", "K08", "K07"]
    assert (first.total, first.num_pages, first.has_next, first.has_previous) == (
        12,
        3,
        True,
        False,
    )
    second = members.segment_members(
        segment, sort="-total_spending", per_page=5, page=2, after=first.next_cursor
    )
    assert ids(second) == ["K06", "K05", "K04", "K03", "K02"]
    assert (second.number, second.start_index, second.has_previous) == (2, 6, True)
    back = members.segment_members(
        segment, sort="-total_spending", per_page=5, page=1, before=second.previous_cursor
    )
    assert ids(back) == ids(first)
    assert (back.number, back.has_previous) == (1, False)


def test_segment_members_last_page_number_follows_the_data(segment) -> None:
    second = members.segment_members(segment, sort="-total_spending", per_page=5, page=2)
    last = members.segment_members(
        segment, sort="-total_spending", per_page=5, page=99, after=second.next_cursor
    )
    assert ids(last) == ["K01", "K00"]
    assert (last.number, last.has_next, last.start_index) == (3, False, 11)


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
    assert ids(members.segment_members(segment, sort=sort))[0] == first


@pytest.mark.parametrize(
    ("page", "number", "first"),
    [(2, 2, "K06"), (3, 3, "K01"), (99, 3, "K01")],
)
def test_segment_members_old_page_numbers_still_open(segment, page, number, first) -> None:
    found = members.segment_members(segment, page=page, per_page=5)
    assert (found.number, ids(found)[0]) == (number, first)


def test_segment_members_old_page_far_from_both_ends_falls_back_to_first(
    segment, monkeypatch
) -> None:
    monkeypatch.setattr(members, "LEGACY_OFFSET_ROWS", 2)
    found = members.segment_members(segment, page=5, per_page=2)
    assert (found.number, ids(found)[:2]) == (1, ["K11", "K10"])


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        "bm90IGpzb24",  # "not json"
        members.encode_cursor(("text", 1)),  # a text where a number belongs
        members.encode_cursor((1.0,)),  # too short for (total_spending, id)
        members.encode_cursor((True, 1)),
    ],
)
def test_segment_members_bad_cursor_goes_by_the_page_number(segment, cursor) -> None:
    found = members.segment_members(segment, after=cursor, page=2, per_page=5)
    assert (found.number, ids(found)[0]) == (2, "K06")


def test_segment_members_search_by_customer_id_prefix(segment) -> None:
    page = members.segment_members(segment, query="K1")
    assert sorted(ids(page)) == ["K10", "K11"]
    assert page.total == 2


def test_segment_members_search_ignores_other_segments(segment) -> None:
    factories.AssignmentFactory(customer=factories.CustomerFactory(external_id="K1x"))
    assert sorted(ids(members.segment_members(segment, query="K1"))) == ["K10", "K11"]


@pytest.mark.parametrize("sort", SORTS)
def test_segment_members_any_page_one_query_no_count(segment, sort) -> None:
    """The total is the segment's stored size: a page is one query, and no COUNT."""
    first = members.segment_members(segment, sort=sort, per_page=5)
    with CaptureQueriesContext(connection) as captured:
        members.segment_members(segment, sort=sort, per_page=5, page=2, after=first.next_cursor)
    assert len(captured) == 1
    assert "COUNT(" not in captured[0]["sql"].upper()
    assert "OFFSET" not in captured[0]["sql"].upper()
