from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketing(client: Client) -> Client:
    client.force_login(factories.marketing_user())
    return client


def test_customer_detail_shows_lines_features_and_segments(marketing: Client) -> None:
    customer = factories.CustomerFactory(external_id="C42")
    factories.OrderLineFactory(
        order=factories.OrderFactory(customer=customer, external_id="O-1"),
        product_title="Teapot",
    )
    first = factories.AssignmentFactory(customer=customer, total_spending=10.0)
    first.segment.name = "Newcomers"
    first.segment.save()
    second = factories.AssignmentFactory(customer=customer, total_spending=345.67)
    second.segment.name = "Regulars"
    second.segment.save()
    content = marketing.get(reverse("segments:customer-detail", args=[customer.pk])).content
    content = content.decode()
    assert "Teapot" in content and "O-1" in content
    assert "Newcomers" in content and "Regulars" in content
    assert "345.67" in content


def test_customer_detail_without_runs_says_so(marketing: Client) -> None:
    customer = factories.CustomerFactory()
    content = marketing.get(reverse("segments:customer-detail", args=[customer.pk])).content
    assert b"has not been in a segmentation run" in content


def test_customer_detail_unknown_is_404(marketing: Client) -> None:
    assert marketing.get(reverse("segments:customer-detail", args=[999999])).status_code == 404


def test_customer_search_exact_id_redirects_to_customer(marketing: Client) -> None:
    customer = factories.CustomerFactory(external_id="12345")
    response = marketing.get(reverse("segments:customer-search"), {"q": "12345"})
    assert response["Location"] == reverse("segments:customer-detail", args=[customer.pk])


def test_customer_search_prefix_lists_matches(marketing: Client) -> None:
    for external_id in ("A-1", "A-2", "B-1"):
        factories.CustomerFactory(external_id=external_id)
    content = marketing.get(reverse("segments:customer-search"), {"q": "A-"}).content.decode()
    assert "A-1" in content and "A-2" in content and "B-1" not in content
