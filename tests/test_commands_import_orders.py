from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from segments.models import OrderLine
from tests.import_samples import a_few_orders, far_files, shopify_row, write_csv

pytestmark = pytest.mark.django_db


def test_import_orders_prints_one_line_summary(tmp_path, capsys):
    path = write_csv(tmp_path / "orders.csv", a_few_orders(), sep=";")
    call_command("import_orders", str(path))
    out = capsys.readouterr().out.strip()
    assert out.startswith("imported 5 lines (0 already present), 2 new customers, 3 new orders")
    assert "from orders.csv [shopify]" in out
    assert "\n" not in out


def test_import_orders_refused_exits_nonzero_with_report_on_stderr(tmp_path, capsys):
    path = write_csv(tmp_path / "orders.csv", [shopify_row(day="2019-01-05")])
    with pytest.raises(CommandError, match="refused"):
        call_command("import_orders", str(path), "--format", "shopify")
    assert "row 2, column day, value '2019-01-05'" in capsys.readouterr().err
    assert OrderLine.objects.count() == 0


def test_import_orders_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_orders", str(tmp_path / "nope.csv"))


def test_import_orders_cli_exit_status_on_refusal(tmp_path):
    from django.core.management import ManagementUtility

    path = write_csv(tmp_path / "orders.csv", [shopify_row(customer_id="")])
    with pytest.raises(SystemExit) as caught:
        ManagementUtility(["manage.py", "import_orders", str(path), "--skip-checks"]).execute()
    assert caught.value.code != 0


def test_import_orders_far_from_the_data_held_until_accepted(tmp_path) -> None:
    shop, old = far_files(tmp_path)
    call_command("import_orders", str(shop), stdout=StringIO())
    errors = StringIO()
    with pytest.raises(CommandError, match=r"held, nothing written.*--accept-warnings"):
        call_command("import_orders", str(old), stdout=StringIO(), stderr=errors)
    assert "years before the data already here" in errors.getvalue()
    call_command("import_orders", str(old), "--accept-warnings", stdout=StringIO())
    assert OrderLine.objects.count() == 10
