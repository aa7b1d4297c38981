from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from segments.models import DataImport, SegmentationRun

pytestmark = pytest.mark.django_db


def test_prepare_demo_users_data_and_a_first_run_once() -> None:
    out = StringIO()
    call_command("prepare_demo", customers=200, stdout=out)
    assert set(get_user_model().objects.values_list("username", flat=True)) == {
        "admin",
        "marketing",
    }
    assert DataImport.objects.filter(is_demo=True).count() == 2
    assert SegmentationRun.objects.current().customers_used == 200
    again = StringIO()
    call_command("prepare_demo", customers=200, stdout=again)
    assert "demo data not loaded" in again.getvalue()
    assert "First segmentation run" not in again.getvalue()
    assert SegmentationRun.objects.count() == 1
