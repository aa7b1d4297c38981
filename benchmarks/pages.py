"""Which pages the load test asks for, found in the database after the run (Django set up).

The members table's parameters live here only (segments.forms.MemberQueryForm:
?sort=[-]feature, and ?after=CURSOR for the page after a member, as its "next" links carry):
when paging changes, adjust member_query and deep_cursor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

MEMBER_SORTS = ("-products_ordered", "-average_return_rate", "-total_spending")
DEEP_PAGE_SHARE = 0.5  # "a deep page": half-way through the largest segment
CUSTOMER_SAMPLE = 50


@dataclass(frozen=True)
class PageKind:
    name: str
    paths: tuple[str, ...]  # requests cycle through them


@dataclass(frozen=True)
class Targets:
    run_id: int
    login_path: str
    run_path: str
    export_path: str
    pages: tuple[PageKind, ...]


def member_query(sort: str, cursor: str | None = None) -> dict[str, str]:
    return {"sort": sort, "after": cursor} if cursor else {"sort": sort}


def deep_cursor(segment, sort: str, position: int) -> str:
    """The cursor a "next" link carries to the page after the member at `position`."""
    from segments import members
    from segments.models import Assignment

    order = members.member_order(sort)
    columns = [column.lstrip("-") for column in order]
    in_order = Assignment.objects.filter(segment=segment).order_by(*order)
    return members.encode_cursor(tuple(in_order.values_list(*columns)[position]))


def deep_page(segment_size: int, per_page: int) -> int:
    return max(1, math.ceil(segment_size / per_page * DEEP_PAGE_SHARE))


def find_targets() -> Targets:
    """The current run, its largest segment and a sample of its members, as page paths."""
    from django.urls import reverse

    from segments import selectors
    from segments.members import MEMBERS_PER_PAGE
    from segments.models import Assignment

    run = selectors.current_run()
    if run is None:
        raise RuntimeError("no run has succeeded: nothing to load")
    segment = run.segments.order_by("-size", "index").first()
    sample = Assignment.objects.filter(segment=segment).order_by("?")
    customer_ids = list(sample.values_list("customer_id", flat=True)[:CUSTOMER_SAMPLE])
    run_path = reverse("segments:run-detail", args=[run.pk])
    segment_path = reverse("segments:segment-detail", args=[segment.pk])
    per_page = MEMBERS_PER_PAGE
    deep = deep_page(segment.size, per_page)
    pages = [
        PageKind("dashboard", (reverse("segments:dashboard"),)),
        PageKind("run page", (run_path,)),
        PageKind(f"segment page ({segment.size:,} members)", (segment_path,)),
    ]
    for sort in MEMBER_SORTS:
        for page in (1, deep):
            cursor = deep_cursor(segment, sort, (page - 1) * per_page - 1) if page > 1 else None
            query = urlencode(member_query(sort, cursor))
            pages.append(PageKind(f"members {sort}, page {page:,}", (f"{segment_path}?{query}",)))
    customer_paths = tuple(reverse("segments:customer-detail", args=[i]) for i in customer_ids)
    pages.append(PageKind("customer page", customer_paths))
    export_path = reverse("segments:run-export", args=[run.pk])
    return Targets(run.pk, reverse("login"), run_path, export_path, tuple(pages))
