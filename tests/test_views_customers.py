from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from segments.models import ConsentChange, DataImport
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


@pytest.mark.parametrize("query", ["%00", "A-%00", "%00A-1"])
def test_customer_search_nul_character_finds_nothing(marketing: Client, query: str) -> None:
    factories.CustomerFactory(external_id="A-1")
    response = marketing.get(reverse("segments:customer-search") + f"?q={query}")
    assert response.status_code == 200
    assert response.context["customers"] == []
    assert "\x00" not in response.content.decode()


def contacted_customer() -> tuple[object, object]:
    data_import = factories.DataImportFactory(
        file_name="customers.csv",
        kind=DataImport.Kind.CONTACTS,
        detected_format=DataImport.Format.SHOPIFY_CUSTOMERS,
    )
    customer = factories.CustomerFactory(
        email="ana@example.com",
        first_name="Ana",
        last_name="López",
        phone="+442079460958",
        country="GB",
        accepts_email_marketing=True,
        accepts_sms_marketing=False,
        contact_import=data_import,
    )
    for channel, accepts, source in [
        (ConsentChange.Channel.EMAIL, False, None),
        (ConsentChange.Channel.EMAIL, True, data_import),
        (ConsentChange.Channel.SMS, False, data_import),
    ]:
        ConsentChange.objects.create(
            customer=customer, channel=channel, accepts=accepts, data_import=source
        )
    return customer, data_import


def test_customer_detail_shows_contact_consent_and_history(client: Client) -> None:
    customer, data_import = contacted_customer()
    client.force_login(factories.admin_user())
    content = client.get(reverse("segments:customer-detail", args=[customer.pk])).content
    content = content.decode()
    assert '<dd data-field="email">ana@example.com</dd>' in content
    assert '<dd data-field="phone">+442079460958</dd>' in content
    assert '<dd data-field="country">GB</dd>' in content
    assert '<dd data-field="accepts-email">yes</dd>' in content
    assert '<dd data-field="accepts-sms">no</dd>' in content
    history = content.split('data-testid="consent-history"', 1)[1].split("</table>", 1)[0]
    rows = [row.split("</tr>", 1)[0] for row in history.split("<tr>")[2:]]
    assert len(rows) == 3
    link = f'<a href="{reverse("segments:import-detail", args=[data_import.pk])}">customers.csv'
    assert [("SMS" in r, ">yes<" in r, link in r) for r in rows] == [
        (True, False, True),
        (False, True, True),
        (False, False, False),
    ]
    assert "<td>—</td>" in rows[2]


def test_customer_detail_marketing_sees_import_name_without_link(marketing: Client) -> None:
    customer, data_import = contacted_customer()
    content = marketing.get(reverse("segments:customer-detail", args=[customer.pk])).content
    content = content.decode()
    assert "customers.csv" in content
    assert reverse("segments:import-detail", args=[data_import.pk]) not in content


def test_customer_detail_without_contacts_says_so(marketing: Client) -> None:
    customer = factories.CustomerFactory()
    content = marketing.get(reverse("segments:customer-detail", args=[customer.pk])).content
    content = content.decode()
    assert "No customer contacts imported for this customer yet." in content
    assert "No consent recorded yet." in content
    assert '<dd data-field="accepts-email">no</dd>' in content


def test_customer_detail_many_lines_stay_on_short_pages(marketing: Client) -> None:
    customer = factories.CustomerFactory()
    order = factories.OrderFactory(customer=customer)
    factories.OrderLineFactory.create_batch(120, order=order)
    url = reverse("segments:customer-detail", args=[customer.pk])

    first = marketing.get(url).content.decode()
    last = marketing.get(url, {"page": 3}).content.decode()

    assert first.count("<tr>\n        <td>") == 50
    assert "120 lines, newest first." in first
    assert "Page 1 of 3" in first
    assert last.count("<tr>\n        <td>") == 20
