from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from segments.models import Customer, Segment, StrategyNoteRevision
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketing(client: Client) -> Client:
    client.force_login(factories.marketing_user())
    return client


@pytest.fixture
def segment() -> Segment:
    segment = factories.SegmentFactory(
        name="Moderate spenders",
        size=60,
        strategy_notes="Personalised offers.",
        profile={"products_ordered": {"mean": 3.4, "median": 3.0}},
    )
    for number in range(60):
        factories.AssignmentFactory(
            segment=segment,
            customer=factories.CustomerFactory(external_id=f"C{number:03d}"),
            total_spending=float(1000 - number),
            products_ordered=number % 7,
        )
    return segment


def detail(client: Client, segment: Segment, **params) -> str:
    url = reverse("segments:segment-detail", args=[segment.pk])
    return client.get(url, params).content.decode()


def member_ids(content: str) -> list[str]:
    return [part.split('"', 1)[0] for part in content.split('data-customer="')[1:]]


def test_segment_detail_shows_profile_notes_and_members(marketing, segment) -> None:
    content = detail(marketing, segment)
    assert "Moderate spenders" in content
    assert ">3.4<" in content
    assert "Personalised offers." in content
    assert 'id="strategy-notes"' in content
    assert 'id="members-table"' in content


def test_segment_detail_members_paginated_50_per_page(marketing, segment) -> None:
    assert len(member_ids(detail(marketing, segment))) == 50
    assert len(member_ids(detail(marketing, segment, page=2))) == 10


def test_segment_detail_members_default_sort_is_spending_descending(marketing, segment) -> None:
    assert member_ids(detail(marketing, segment))[:3] == ["C000", "C001", "C002"]


def test_segment_detail_members_sort_by_spending_ascending(marketing, segment) -> None:
    ids = member_ids(detail(marketing, segment, sort="total_spending"))
    assert ids[:3] == ["C059", "C058", "C057"]


def test_segment_detail_members_sort_by_products(marketing, segment) -> None:
    ids = member_ids(detail(marketing, segment, sort="-products_ordered"))
    assert all(int(i[1:]) % 7 == 6 for i in ids[:8])


def test_segment_detail_members_search_by_customer_id(marketing, segment) -> None:
    content = detail(marketing, segment, q="C05")
    assert sorted(member_ids(content)) == [f"C05{n}" for n in range(10)]
    assert "10 customers matching" in content


def test_segment_detail_bad_sort_falls_back_to_default(marketing, segment) -> None:
    ids = member_ids(detail(marketing, segment, sort="password", page="x"))
    assert ids[:2] == ["C000", "C001"]


def test_segment_detail_marketing_sees_notes_form_and_export(marketing, segment) -> None:
    content = detail(marketing, segment)
    assert 'id="notes-form"' in content
    assert 'id="export-segment"' in content


def test_segment_notes_post_saves_with_history(marketing, segment) -> None:
    url = reverse("segments:segment-notes", args=[segment.pk])
    response = marketing.post(url, {"text": "Loyalty programme\r\nand early access."})
    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.strategy_notes == "Loyalty programme\nand early access."
    revision = StrategyNoteRevision.objects.get(segment=segment)
    assert revision.author.groups.filter(name="Marketing").exists()
    content = detail(marketing, segment)
    assert 'data-testid="note-revision"' in content
    assert revision.author.username in content


def test_segment_notes_unchanged_adds_no_revision(marketing, segment) -> None:
    url = reverse("segments:segment-notes", args=[segment.pk])
    response = marketing.post(url, {"text": "Personalised offers."}, follow=True)
    assert not StrategyNoteRevision.objects.exists()
    assert b"Nothing changed" in response.content


def test_segment_notes_post_renames_segment_and_keeps_name_in_history(marketing, segment) -> None:
    url = reverse("segments:segment-notes", args=[segment.pk])
    data = {"custom_name": " VIP fans ", "text": segment.strategy_notes}
    assert marketing.post(url, data).status_code == 302
    segment.refresh_from_db()
    assert segment.custom_name == "VIP fans"
    assert StrategyNoteRevision.objects.get(segment=segment).custom_name == "VIP fans"
    content = detail(marketing, segment)
    assert "VIP fans" in content
    assert segment.name in content  # the descriptive name stays visible beside the custom one


def test_segment_notes_too_long_is_refused(marketing, segment) -> None:
    url = reverse("segments:segment-notes", args=[segment.pk])
    response = marketing.post(url, {"text": "x" * 10_001})
    assert response.status_code == 200
    assert b"errorlist" in response.content
    segment.refresh_from_db()
    assert segment.strategy_notes == "Personalised offers."


def test_segment_notes_user_without_role_cannot_edit(client: Client, segment) -> None:
    client.force_login(factories.UserFactory())
    url = reverse("segments:segment-notes", args=[segment.pk])
    assert client.post(url, {"text": "Hacked"}).status_code == 403
    segment.refresh_from_db()
    assert segment.strategy_notes == "Personalised offers."


def test_segment_detail_unknown_segment_is_404(marketing) -> None:
    assert marketing.get(reverse("segments:segment-detail", args=[999999])).status_code == 404


def test_segment_detail_history_lists_who_and_what(marketing, segment) -> None:
    alice = factories.marketing_user(username="alice")
    factories.StrategyNoteRevisionFactory(segment=segment, author=alice, text="Try bundles.")
    content = detail(marketing, segment)
    assert "alice" in content
    assert "Try bundles." in content
    assert "History (1 change)" in content


def member_cells(content: str, external_id: str) -> list[str]:
    row = content.split(f'data-customer="{external_id}">', 1)[1].split("</tr>", 1)[0]
    return [cell.split(">", 1)[1].split("</td>", 1)[0] for cell in row.split("<td")[1:]]


@pytest.mark.parametrize(
    ("external_id", "email", "accepts_email", "accepts_sms", "shown"),
    [
        ("C000", "a@example.com", True, True, ["a@example.com", "email, SMS"]),
        ("C001", "b@example.com", True, False, ["b@example.com", "email"]),
        ("C002", "", False, True, ["—", "SMS"]),
        ("C003", "d@example.com", False, False, ["d@example.com", "none"]),
    ],
)
def test_segment_detail_members_show_email_and_consent(
    marketing, segment, external_id, email, accepts_email, accepts_sms, shown
) -> None:
    Customer.objects.filter(external_id=external_id).update(
        email=email, accepts_email_marketing=accepts_email, accepts_sms_marketing=accepts_sms
    )
    content = detail(marketing, segment)
    header = content.split('id="members-table"', 1)[1].split("</thead>", 1)[0]
    assert "<th>Email</th>" in header and "<th>Consent</th>" in header
    assert member_cells(content, external_id)[-2:] == shown


def test_segment_detail_members_contacts_add_no_query_per_row(marketing, segment) -> None:
    Customer.objects.update(email="x@example.com", accepts_email_marketing=True)
    queries = []
    for page, rows in [(1, 50), (2, 10)]:
        with CaptureQueriesContext(connection) as captured:
            assert len(member_ids(detail(marketing, segment, page=page))) == rows
        queries.append(len(captured))
    assert queries[0] == queries[1]


def link(content: str, rel: str) -> str | None:
    """The href of the members' previous or next link, unescaped."""
    marker = f'" rel="{rel}"'
    if marker not in content:
        return None
    return content.split(marker, 1)[0].rsplit('href="', 1)[1].replace("&amp;", "&")


@pytest.mark.parametrize("sort", ["-total_spending", "products_ordered", "-customer"])
def test_segment_detail_member_links_show_every_member_once(marketing, segment, sort) -> None:
    url = reverse("segments:segment-detail", args=[segment.pk])
    content = detail(marketing, segment, sort=sort)
    seen = member_ids(content)
    while href := link(content, "next"):
        content = marketing.get(url + href.split("#", 1)[0]).content.decode()
        seen += member_ids(content)
    assert "Page 2 of 2" in content
    assert sorted(seen) == [f"C{n:03d}" for n in range(60)]
    back = marketing.get(url + link(content, "prev").split("#", 1)[0]).content.decode()
    assert member_ids(back) == seen[:50]


def test_segment_detail_members_never_count_the_assignments(marketing, segment) -> None:
    first = detail(marketing, segment)
    url = reverse("segments:segment-detail", args=[segment.pk])
    with CaptureQueriesContext(connection) as captured:
        marketing.get(url + link(first, "next").split("#", 1)[0])
    member_queries = [q["sql"] for q in captured if "segments_assignment" in q["sql"]]
    assert len(member_queries) == 1
    assert "COUNT(" not in member_queries[0].upper()
