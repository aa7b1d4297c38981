from __future__ import annotations

import pytest
from django.core.management import call_command

from segments.models import Customer, DataImport, OrderLine
from tests.factories import OrderLineFactory

pytestmark = pytest.mark.django_db


def test_load_demo_empty_database_imports_orders_and_contacts(capsys):
    call_command("load_demo", "--customers", "150", "--seed", "4")
    assert Customer.objects.count() == 150
    statuses = set(DataImport.objects.values_list("kind", "status"))
    assert statuses == {("orders", "succeeded"), ("contacts", "succeeded")}
    assert Customer.objects.exclude(email="").count() > 100
    assert Customer.objects.filter(accepts_email_marketing=True).exists()
    assert Customer.objects.filter(phone__startswith="+").exists()
    assert "demo: imported 150 contacts" in capsys.readouterr().out


def test_load_demo_existing_lines_does_nothing(capsys):
    OrderLineFactory()
    call_command("load_demo", "--customers", "150")
    assert OrderLine.objects.count() == 1
    assert "not loaded" in capsys.readouterr().out
