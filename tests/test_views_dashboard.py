from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from segments.models import Customer, SegmentationRun
from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("segments:dashboard")


@pytest.fixture
def marketing(client: Client) -> Client:
    client.force_login(factories.marketing_user())
    return client


def test_dashboard_no_run_says_so(marketing: Client) -> None:
    response = marketing.get(URL)
    assert b'id="no-run"' in response.content
    assert b'data-testid="segment-card"' not in response.content


def test_dashboard_current_run_shows_a_card_per_segment(marketing: Client) -> None:
    run = factories.segmented_run(sizes=(3, 1), customers_used=4, finished_at=timezone.now())
    run.segments.filter(index=0).update(
        name="Loyal big spenders",
        strategy_notes="VIP treatment and early launches for the best customers.",
        profile={"total_spending": {"mean": 2500.0, "median": 2345.5}},
    )
    content = marketing.get(URL).content.decode()
    assert content.count('data-testid="segment-card"') == 2
    assert "Loyal big spenders" in content
    assert "VIP treatment" in content
    assert "2,345.50" in content
    assert "75.0%" in content


def test_dashboard_shows_latest_succeeded_run_only(marketing: Client) -> None:
    old = factories.segmented_run(finished_at=timezone.now() - dt.timedelta(days=7))
    old.segments.update(name="Old segment")
    new = factories.segmented_run(finished_at=timezone.now())
    new.segments.update(name="New segment")
    content = marketing.get(URL).content.decode()
    assert "New segment" in content
    assert "Old segment" not in content


def test_dashboard_active_run_shows_live_status(marketing: Client) -> None:
    run = factories.SegmentationRunFactory(
        status=SegmentationRun.Status.RUNNING, stage="elbow", progress=40
    )
    content = marketing.get(URL).content.decode()
    assert 'id="run-status"' in content
    assert reverse("segments:run-status", args=[run.pk]) in content
    assert "elbow" in content


def test_dashboard_export_button_only_with_export_permission(client: Client) -> None:
    factories.segmented_run(finished_at=timezone.now())
    client.force_login(factories.marketing_user())
    assert b'id="export-run"' in client.get(URL).content
    client.force_login(factories.UserFactory(is_superuser=False))
    assert client.get(URL).status_code == 403


def test_dashboard_no_run_admin_gets_next_steps(client: Client) -> None:
    client.force_login(factories.admin_user())
    content = client.get(URL).content.decode()
    assert reverse("segments:import-list") in content
    assert reverse("segments:run-list") in content


def test_dashboard_no_run_marketing_gets_no_admin_links(marketing: Client) -> None:
    content = marketing.get(URL).content.decode()
    assert reverse("segments:import-list") not in content
    assert "An admin imports the order data" in content


def test_dashboard_segment_cards_show_members_reachable_by_channel(marketing: Client) -> None:
    factories.segmented_run(sizes=(4, 2), finished_at=timezone.now())
    first = list(Customer.objects.filter(assignments__segment__index=0).order_by("pk"))
    contacts = [
        # (email, accepts email, phone, accepts sms): reachable by email, SMS, both, neither
        ("a@example.com", True, "", True),
        ("", True, "+442079460958", True),
        ("c@example.com", True, "+14155552671", True),
        ("d@example.com", False, "+33612345678", False),
    ]
    for customer, (email, by_email, phone, by_sms) in zip(first, contacts, strict=True):
        customer.email, customer.accepts_email_marketing = email, by_email
        customer.phone, customer.accepts_sms_marketing = phone, by_sms
        customer.save()
    content = marketing.get(URL).content.decode()
    reach = [part.split("</p>", 1)[0] for part in content.split('data-testid="segment-reach">')[1:]]
    assert reach == [
        "Reachable: <strong>2</strong> by email · <strong>2</strong> by SMS",
        "Reachable: <strong>0</strong> by email · <strong>0</strong> by SMS",
    ]


def test_dashboard_reach_one_query_whatever_the_number_of_segments(marketing: Client) -> None:
    counts = []
    for sizes in [(1, 1), (1, 1, 1, 1, 1)]:
        factories.segmented_run(sizes=sizes, finished_at=timezone.now())
        with CaptureQueriesContext(connection) as captured:
            marketing.get(URL)
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_dashboard_reach_counted_once_then_read_from_the_run(marketing: Client) -> None:
    factories.segmented_run(sizes=(3, 2), finished_at=timezone.now())
    Customer.objects.update(email="a@example.com", accepts_email_marketing=True)
    marketing.get(URL)
    with CaptureQueriesContext(connection) as captured:
        content = marketing.get(URL).content.decode()
    assert "Reachable: <strong>3</strong> by email" in content
    assert not [q for q in captured if "segments_assignment" in q["sql"]]
