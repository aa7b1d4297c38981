from __future__ import annotations

import pytest
from django.core.management import call_command

from segments.models import Customer, DataImport, OrderLine
from tests.factories import OrderLineFactory

pytestmark = pytest.mark.django_db


def test_load_demo_empty_database_imports_demo(capsys):
    call_command("load_demo", "--customers", "150", "--seed", "4")
    assert Customer.objects.count() == 150
    assert DataImport.objects.get().status == DataImport.Status.SUCCEEDED
    assert "demo: imported" in capsys.readouterr().out


def test_load_demo_existing_lines_does_nothing(capsys):
    OrderLineFactory()
    call_command("load_demo", "--customers", "150")
    assert OrderLine.objects.count() == 1
    assert "not loaded" in capsys.readouterr().out
