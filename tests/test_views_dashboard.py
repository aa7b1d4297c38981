from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from segments.models import SegmentationRun
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
