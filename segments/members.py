"""A segment's members, a page at a time, by keyset on indexed columns.

Each sort walks an index in order from where the last page stopped: (segment, feature, id) on
the assignments, or the customers' unique external id. A page costs the same whether it is the
first or the ten-thousandth, and nothing counts the segment: its size is stored with it. Links
carry an opaque cursor (the sort values of the row they continue from, as in Django REST
framework's CursorPagination); the page number beside it is only for display. Old `?page=N`
links still open: near the start by a short OFFSET, past the end as the last page.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass

from django.db.models import Field, Func, Lookup, Q, QuerySet, Value
from django.db.models.lookups import GreaterThan, LessThan

from segments.models import Assignment, Customer, Segment

MEMBERS_PER_PAGE = 50
# A search by customer id looks at no more than this many matching customers.
SEARCH_LIMIT = 1000
# Old ?page=N links within this many rows of the start are served by OFFSET, which costs
# no more than walking the index this far.
LEGACY_OFFSET_ROWS = 1000
# The sort keys a members table accepts, mapped to an indexed order with a stable tie-break.
MEMBER_SORTS = {
    "customer": ("customer__external_id",),
    "products_ordered": ("products_ordered", "id"),
    "average_return_rate": ("average_return_rate", "id"),
    "total_spending": ("total_spending", "id"),
}
DEFAULT_MEMBER_SORT = "-total_spending"


@dataclass
class MembersPage:
    """One page of a segment's members; `total` is the segment size unless a search narrows it.

    `next_cursor` and `previous_cursor` continue after the last row and before the first one;
    None where there is nothing more that way.
    """

    items: list[Assignment]
    number: int
    per_page: int
    total: int
    sort: str
    query: str
    next_cursor: str | None = None
    previous_cursor: str | None = None

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0


def member_order(sort: str) -> tuple[str, ...]:
    """Order by for a sort key such as "-total_spending"; unknown keys get the default."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in MEMBER_SORTS:
        return member_order(DEFAULT_MEMBER_SORT)
    return tuple(f"-{column}" if descending else column for column in MEMBER_SORTS[key])


def encode_cursor(values: tuple) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode_cursor(token: str, order: tuple[str, ...]) -> tuple | None:
    """The sort values a cursor holds, or None when it is not one for this order."""
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    kinds = [str if "external_id" in column else (int, float) for column in order]
    if not isinstance(values, list) or len(values) != len(order):
        return None
    pairs = zip(values, kinds, strict=True)
    if any(isinstance(value, bool) or not isinstance(value, kind) for value, kind in pairs):
        return None
    return tuple(values)


def segment_members(
    segment: Segment,
    *,
    sort: str = DEFAULT_MEMBER_SORT,
    query: str = "",
    page: int = 1,
    after: str = "",
    before: str = "",
    per_page: int = MEMBERS_PER_PAGE,
) -> MembersPage:
    """The page after the cursor `after`, before the cursor `before`, or an old page number."""
    listing = _listing(segment, sort, query, per_page)
    position = decode_cursor(after or before, listing.order) if (after or before) else None
    if position is None:
        return _numbered_page(listing, min(page, listing.last_number))
    backwards = not after
    items, more = _walk(listing, position, per_page, backwards=backwards)
    # Where the walk reached an end the page number is known; elsewhere the link's is shown.
    end = 1 if backwards else listing.last_number
    number = min(max(2, page), listing.last_number - 1) if more else end
    has_previous, has_next = (more, True) if backwards else (True, more)
    return listing.page(items, number, has_previous, has_next)


@dataclass(frozen=True)
class _Listing:
    """The members to page through, in which order, and how many there are."""

    members: QuerySet
    order: tuple[str, ...]
    total: int
    per_page: int
    sort: str
    query: str

    @property
    def last_number(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def page(
        self, items: list[Assignment], number: int, has_previous: bool, has_next: bool
    ) -> MembersPage:
        first, last = (items[0], items[-1]) if items else (None, None)
        return MembersPage(
            items,
            number,
            self.per_page,
            self.total,
            self.sort,
            self.query,
            next_cursor=encode_cursor(self.values(last)) if has_next and last else None,
            previous_cursor=encode_cursor(self.values(first)) if has_previous and first else None,
        )

    def values(self, member: Assignment) -> tuple:
        """The member's values of the sort columns: where a page after (or before) it starts."""
        values = []
        for column in self.order:
            value = member
            for part in column.removeprefix("-").split("__"):
                value = getattr(value, part)
            values.append(value)
        return tuple(values)


def _listing(segment: Segment, sort: str, query: str, per_page: int) -> _Listing:
    members = Assignment.objects.filter(segment=segment).select_related("customer")
    query = query.strip()
    total = segment.size
    if query:
        # Look the customer up first (unique index on external_id), then their assignment.
        customer_ids = Customer.objects.filter(external_id__startswith=query).values("id")
        members = members.filter(customer_id__in=customer_ids[:SEARCH_LIMIT])
        total = members.count()
    return _Listing(members, member_order(sort), total, per_page, sort, query)


def _numbered_page(listing: _Listing, number: int) -> MembersPage:
    """Page `number` without a cursor: the first, the last, or one near the start."""
    per_page = listing.per_page
    if number == listing.last_number and number > 1:
        tail = listing.total - (number - 1) * per_page
        items, _ = _walk(listing, None, tail, backwards=True)
        return listing.page(items, number, has_previous=True, has_next=False)
    if (number - 1) * per_page > LEGACY_OFFSET_ROWS:
        number = 1
    offset = (number - 1) * per_page
    rows = list(listing.members.order_by(*listing.order)[offset : offset + per_page + 1])
    return listing.page(rows[:per_page], number, number > 1, len(rows) > per_page)


def _walk(
    listing: _Listing, position: tuple | None, limit: int, *, backwards: bool
) -> tuple[list[Assignment], bool]:
    """Up to `limit` rows past `position` in the listing's order (or against it, when
    `backwards`), returned in the listing's order; and whether there are more beyond them."""
    descending = listing.order[0].startswith("-")
    columns = [column.removeprefix("-") for column in listing.order]
    order = listing.order
    if backwards:
        order = tuple(column if descending else f"-{column}" for column in columns)
    members = listing.members
    if position is not None:
        members = members.filter(_beyond(columns, descending != backwards, position))
    rows = list(members.order_by(*order)[: limit + 1])
    items = rows[:limit]
    return (items[::-1] if backwards else items), len(rows) > limit


def _beyond(columns: list[str], before: bool, position: tuple) -> Q | Lookup:
    """Rows after `position` in the columns' ascending order, or before it."""
    if len(columns) == 1:
        return Q(**{f"{columns[0]}__{'lt' if before else 'gt'}": position[0]})
    # A row comparison, (value, id) < (%s, %s): PostgreSQL starts the index scan there.
    row = Func(*columns, function="ROW", output_field=Field())
    here = Func(*(Value(value) for value in position), function="ROW", output_field=Field())
    return LessThan(row, here) if before else GreaterThan(row, here)
